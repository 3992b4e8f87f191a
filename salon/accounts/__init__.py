"""Accounts: sign-in, roles, users and units, API tokens."""
from flask import Flask

from . import (
    auth,  # noqa: F401  (registers the login loaders)
    models,  # noqa: F401
)
from .cli import users_cli
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
