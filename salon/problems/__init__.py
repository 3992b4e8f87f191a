"""问题反映."""
from flask import Flask

from . import cli, models, templating  # noqa: F401
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    app.cli.add_command(cli.problems_cli)
