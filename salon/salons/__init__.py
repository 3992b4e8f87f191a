"""Salons: the monthly sessions, their agenda, sign-ups and attendance."""
from flask import Flask

from . import models  # noqa: F401


def init_app(app: Flask) -> None:
    # Imported here: views and services use the posts models, which import ours.
    from . import rhythm_views  # noqa: F401  (its routes join the salons blueprint)
    from .cli import salons_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(salons_cli)
