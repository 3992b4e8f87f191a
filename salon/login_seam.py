"""The one place that reaches into flask-login: a bearer token is checked before the cookies.

flask-login looks at the session cookie first (and, under "strong" session protection, treats
a session cookie from another browser as an attack and stops there), then at the remember-me
cookie, and only then at the request loader. So an API client holding a stray anonymous
cookie was refused although its token was good. A request that carries `Authorization:
Bearer …` is answered by the token alone: its cookies are not looked at, and nothing it
carries can sign it in as somebody else. Checked against flask-login 0.6 (test_login_seam).
"""
import flask_login
from flask import request

SUPPORTED = ("0.6.",)


def bearer_request() -> bool:
    return request.headers.get("Authorization", "").startswith("Bearer ")


class LoginManager(flask_login.LoginManager):
    """flask-login's manager, with the bearer token first."""

    def _load_user(self):
        if not bearer_request():
            return super()._load_user()
        user = self._request_callback(request) if self._request_callback else None
        return self._update_request_context_with_user(user)


def check_version() -> None:
    """Refuse a flask-login whose private methods this seam has not been checked against."""
    version = flask_login.__version__
    if not version.startswith(SUPPORTED):
        raise RuntimeError(f"salon/login_seam.py is checked against flask-login {SUPPORTED}, "
                           f"not {version}: check _load_user and "
                           "_update_request_context_with_user, then extend SUPPORTED.")
    for name in ("_load_user", "_update_request_context_with_user", "_request_callback"):
        if not hasattr(flask_login.LoginManager(), name):
            raise RuntimeError(f"flask-login {version} has no LoginManager.{name}")
