"""考核 and 一所一品牌: the indicator set, entered figures, each period's scores and ranking
(scoring.py, on plain data), unit pages and brands.

`report.report_content(period)` returns the 考核通报's content and SHA-256 fingerprint, for
the sign-off module (签发); `publication.publish` freezes the signed 通报 (PDF and .xlsx with
their SHA-256) as a revision in the archive.
"""
from flask import Flask

from . import api, models  # noqa: F401  (the JSON route; the tables)
from .cli import assess_cli
from .views import bp

__all__ = ["init_app", "seed_demo"]


def init_app(app: Flask) -> None:
    from .report import register
    from .services import dashboard_trend

    register()
    app.register_blueprint(bp)
    app.cli.add_command(assess_cli)
    app.add_template_global(dashboard_trend, "assessment_trend")


def seed_demo() -> None:
    """Profiles, contact leaders, brands and two quarters of entered figures."""
    from .demo import seed

    seed()
