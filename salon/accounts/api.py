"""`GET /api/me`: who the token (or session) belongs to."""
from flask import jsonify
from flask_login import current_user

from ..api import bp


@bp.get("/me")
def me():
    """The signed-in user: for integrations to check their token."""
    return jsonify(username=current_user.username, name=current_user.name,
                   role=current_user.role, unit=current_user.unit.name)
