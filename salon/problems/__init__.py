"""问题反映."""
from flask import Flask

from . import models  # noqa: F401
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
