"""搜索: Chinese full-text search over posts (Whoosh, rjieba, OpenCC), kept true by a change log.

`reindex()` rebuilds from the database (for backup/restore); `catch_up()` applies pending
changes from the log.
"""
from flask import Flask

from . import api, engine, models  # noqa: F401  (/api/search; the change-log table)
from .rebuild import reindex
from .sync import catch_up
from .views import bp

__all__ = ["catch_up", "init_app", "reindex"]


def init_app(app: Flask) -> None:
    from . import cli, freshness

    engine.install()  # Whoosh's patches, checked against its version (engine/whoosh_seam.py)
    app.register_blueprint(bp)
    app.register_blueprint(cli.cli)
    freshness.init_app(app)
