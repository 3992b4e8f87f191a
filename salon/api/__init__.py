"""The JSON API under /api: bearer tokens or the browser session, JSON errors.

Each feature's `api.py` adds its routes to `bp`; the feature's package imports it.
"""
from flask import Blueprint, Flask, g, jsonify, request
from flask_login import current_user

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.before_request
def require_user():
    """Every API call needs a user; session calls that change state need the CSRF token too."""
    if not current_user.is_authenticated:
        return jsonify(error="需要登录或有效的 API 令牌。"), 401
    # Only a request the token itself signed in skips CSRF (not a session plus any header).
    bearer = g.get("api_token", False)
    if not bearer and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        # Parse now, so a malformed body is a 400 that says why (textnorm.CleanJSONProvider),
        # whatever the route does with get_json(silent=True) afterwards (it gets this parse).
        request.get_json()
    return None


@bp.get("/openapi.json")
def openapi_description():
    """The OpenAPI 3.1 description of this API (salon/api/openapi.py)."""
    from . import openapi  # built on request: nothing at start-up pays for it

    return jsonify(openapi.description())


def init_app(app: Flask) -> None:
    """Registered after the features, once their routes are on `bp`."""
    app.register_blueprint(bp)
