"""Salons: the monthly sessions, their agenda, sign-ups and attendance."""
from flask import Flask

from . import models  # noqa: F401
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
