"""The JSON API under /api: bearer tokens or the browser session, JSON errors."""
from flask import Blueprint, Flask, jsonify, request
from flask_login import current_user

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.before_request
def require_user():
    """Every API call needs a user; session calls that change state need the CSRF token too."""
    if not current_user.is_authenticated:
        return jsonify(error="需要登录或有效的 API 令牌。"), 401
    bearer = request.headers.get("Authorization", "").startswith("Bearer ")
    if not bearer and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def init_app(app: Flask) -> None:
    # Feature modules add their routes to `bp` before it is registered.
    from ..posts import api as _posts_api  # noqa: F401

    app.register_blueprint(bp)
