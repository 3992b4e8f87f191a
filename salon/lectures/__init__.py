"""讲坛: 民警讲坛, 民警周末学校, 专家讲座, 以案说法 — materials, attendance, counts.

`services.lecture_counts()` and `services.attendance_by_unit()` are what the assessment reads.
"""
from flask import Flask

from . import models  # noqa: F401  (the tables)
from .services import lecture_counts, lectures_of_problem, lectures_of_salon
from .views import bp

__all__ = ["init_app", "lecture_counts", "seed_demo"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(lectures_of_salon, "lectures_of_salon")
    app.add_template_global(lectures_of_problem, "lectures_of_problem")


def seed_demo() -> None:
    """A station's weekly school with materials and sign-ins, and the other kinds."""
    from .demo import seed

    seed()
