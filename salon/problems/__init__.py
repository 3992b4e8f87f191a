"""问题反映: problem reports tracked to a measured resolution."""
from flask import Flask

from ..posts.signals import post_revised, post_submitted
from . import api, cli, models, services, templating  # noqa: F401  (api: /api/problems)
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    app.cli.add_command(cli.problems_cli)
    # A problem report becomes a tracked problem when its post is submitted.
    post_submitted.connect(services.on_post_submitted)
    post_revised.connect(services.on_post_revised)


def seed_demo() -> None:
    """Problems in every state, played on the demo's problem reports."""
    from .demo import seed

    seed()
