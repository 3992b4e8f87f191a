"""Accounts: sign-in, roles, users and units, API tokens."""
from flask import Flask

from . import (
    api,  # noqa: F401  (GET /api/me)
    auth,  # noqa: F401  (registers the login loaders)
    models,  # noqa: F401
)
from .admin import bp as admin_bp
from .cli import users_cli
from .views import bp


def init_app(app: Flask) -> None:
    # One switch for both cookies (SALON_SESSION_COOKIE_SECURE): behind HTTPS, neither may
    # ever travel in clear text.
    if app.config["REMEMBER_COOKIE_SECURE"] is None:
        app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config["SESSION_COOKIE_SECURE"])
    trust_proxies(app)
    app.before_request(auth.require_own_password)
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(users_cli)


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (SALON_PROXY_COUNT=N), take the client address from
    X-Forwarded-For, so sign-in limits and the audit log see people, not the proxy."""
    count = int(app.config["PROXY_COUNT"] or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
