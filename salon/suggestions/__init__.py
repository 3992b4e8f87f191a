"""群众建议 (开门评警): suggestions from the public in, triaged by the desk, answered, measured.

The citizen's side is the separate minimal app `salon.public:create_app()`.
"""
from flask import Flask

from .. import todo
from . import cli, models  # noqa: F401  (the tables)
from .queries import suggestions_of_problem, waiting_count, waiting_page
from .views import bp


def init_app(app: Flask) -> None:
    from . import files  # noqa: F401  (import page, template sheet, posters on bp)
    from .bulletin import bulletin_section
    from .stats import public_satisfaction

    app.register_blueprint(bp)
    app.cli.add_command(cli.suggestions_cli)
    app.add_template_global(suggestions_of_problem, "suggestions_of_problem")
    app.add_template_global(public_satisfaction, "public_satisfaction")
    app.add_template_global(bulletin_section, "public_for_bulletin")
    todo.register(todo.Source("suggestions", "待处理的群众建议", waiting_count, waiting_page,
                              "suggestions/_todo.html"))


def seed_demo() -> None:
    """Suggestions from every channel, in every state of triage, some with a verdict."""
    from .demo import seed

    seed()
