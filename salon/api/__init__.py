"""The JSON API under /api: bearer tokens or the browser session, JSON errors."""
from importlib import import_module
from importlib.util import find_spec

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
    return None


def init_app(app: Flask) -> None:
    """Each feature's `api.py` adds its routes to `bp`; import them all, then register."""
    from .. import FEATURES

    for name in FEATURES:
        module = f"salon.{name}.api"
        if name != "api" and find_spec(module) is not None:
            import_module(module)
    app.register_blueprint(bp)
