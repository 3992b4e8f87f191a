"""Sign-in throttling with Flask-Limiter: per address, and per account for failures only."""
from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter

MESSAGE = "登录尝试过于频繁，请稍后再试。"


def address_limit() -> str:
    """Attempts allowed from one address (LOGIN_LIMIT_PER_ADDRESS)."""
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def account_limit() -> str:
    """Failed attempts allowed on one account (LOGIN_LIMIT_PER_ACCOUNT)."""
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def username_key() -> str:
    """The account being tried, case-folded so `Admin` and `admin` share one budget."""
    return "user:" + request.form.get("username", "").strip().casefold()[:64]


def attempt_failed(_response) -> bool:
    """Count against the account only when the view marked the attempt as failed."""
    return bool(g.get("login_failed"))


def record_throttled(_limit) -> None:
    """A refused attempt is audited too, so the log shows the attack."""
    from .services import record_login

    record_login(request.form.get("username", ""), None, "throttled",
                 get_remote_address(), request.user_agent.string)


def limit_login(view):
    """Wrap the login view in both limits; only POST requests count."""
    per_account = limiter.limit(
        account_limit, key_func=username_key, methods=["POST"], deduct_when=attempt_failed,
        error_message=MESSAGE, on_breach=record_throttled, scope="login-account",
    )
    per_address = limiter.limit(
        address_limit, methods=["POST"], error_message=MESSAGE, on_breach=record_throttled,
        scope="login-address",
    )
    return per_address(per_account(view))
