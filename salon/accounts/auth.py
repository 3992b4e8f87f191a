"""Who is asking: session or bearer token, and what their role allows."""
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, login_manager
from ..timeutil import now
from .models import ApiToken, LoginSession, User, hash_token

login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the session's user ("id:stamp:sign-in", see User.get_id).

    A deactivated user's open sessions end at once; so do the sessions and remember-me
    cookies signed in before the user's password or role changed (the stamp no longer fits),
    and a session (or its remember-me cookie) replayed after its owner signed out.
    """
    user_id, _, rest = session_id.partition(":")
    stamp, _, login_id = rest.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 12 and login_id):
        return None
    user = db.session.scalar(  # the user and the live sign-in in one query
        db.select(User).join(LoginSession, LoginSession.user_id == User.id).where(
            User.id == int(user_id), LoginSession.id == login_id,
            LoginSession.ended_at.is_(None)))
    if user is None or not user.active or not hmac.compare_digest(
            stamp.encode(), user.session_stamp.encode()):
        return None
    user.login_session_id = login_id
    return user


def start_session(user: User, remember: bool) -> None:
    """Sign in with a new server-side sign-in: whatever the browser's session held before
    (an anonymous visit, somebody else's sign-in) is dropped, so the session id changes."""
    session.clear()
    user.login_session_id = LoginSession.open(user).id
    db.session.commit()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    login_user(user, remember=remember)


def end_session() -> None:
    """Sign out on the server too: this sign-in's cookies are refused from now on."""
    login_id = getattr(current_user, "login_session_id", "")
    login = db.session.get(LoginSession, login_id) if login_id else None
    if login is not None and login.ended_at is None:
        login.ended_at = now()
        db.session.commit()
    logout_user()
    session.clear()


# What a user whose password was set by somebody else may still open: the change itself.
WHILE_PASSWORD_MUST_CHANGE = {"accounts.change_password", "accounts.logout", "static"}


def require_own_password():
    """An admin-set (or command-line) password is changed at the first sign-in, before
    anything else: every page of the site leads to the change-password form."""
    if not current_user.is_authenticated or g.get("api_token"):  # (loading sets api_token)
        return None
    if not current_user.must_change_password or request.endpoint in WHILE_PASSWORD_MUST_CHANGE:
        return None
    if request.path.startswith("/api/"):
        return {"error": "初始密码须先修改：请在网站上登录并设置自己的密码。"}, 403
    flash("您的密码由管理员设置，请先设置自己的密码。", "warning")
    return redirect(url_for("accounts.change_password"))


def keep_own_session(user: User) -> None:
    """After a password or role change: if it was the signed-in user's own, this session (and
    its remember-me cookie) carries on under the new stamp; all other sessions stay ended."""
    if not current_user.is_authenticated or current_user.id != user.id:
        return
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    # The object, not the proxy: login_user stores what it gets as the current user.
    login_user(current_user._get_current_object(), remember=remembered)


TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)


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
    # Recorded at most once a minute: a commit per API call would cost a write each time and
    # empty every worker's page cache (its version is the database's).
    if token.last_used_at is None or now() - token.last_used_at >= TOKEN_USE_RECORDED_EVERY:
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

