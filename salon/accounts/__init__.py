"""Accounts: sign-in, roles, users and units, API tokens, backups."""
from flask import Flask

from . import (
    auth,  # noqa: F401  (registers the login loaders)
    models,  # noqa: F401
)
from .admin import bp as admin_bp
from .cli import users_cli
from .views import bp


def init_app(app: Flask) -> None:
    from .. import backup

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(users_cli)
    backup.init_app(app)
