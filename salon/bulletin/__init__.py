"""专刊: the monthly bulletin, built as a PDF, published and archived."""
from flask import Flask

from .render.fonts import use_project_fonts

use_project_fonts()


def init_app(app: Flask) -> None:
    from . import cli, signing, views

    app.register_blueprint(views.bp)
    signing.register()
    app.cli.add_command(cli.bulletin)


def seed_demo() -> None:
    """A published bulletin for each published demo salon."""
    from .demo import seed

    seed()
