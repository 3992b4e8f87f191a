"""Who is asking: session or bearer token, and what their role allows."""
from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from ..extensions import db, login_manager
from ..timeutil import now
from .models import ApiToken, User, hash_token

login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the session's user; a deactivated user's open sessions end at once."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    """`Authorization: Bearer TOKEN` signs in an API call (not a browser session)."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalar(
        db.select(ApiToken).filter_by(token_hash=hash_token(header[7:].strip()), revoked_at=None)
    )
    if token is None or not token.user.active:
        return None
    token.last_used_at = now()
    db.session.commit()
    g.api_token = True
    return token.user


def role_required(*roles: str) -> Callable:
    """Allow the view to signed-in users of these roles only (403 for the others)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def is_api_request() -> bool:
    """True for /api/ calls, which answer JSON instead of redirecting to the login page."""
    return request.path.startswith("/api/")
