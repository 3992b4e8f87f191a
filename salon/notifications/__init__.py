"""消息: notifications written with the events that cause them, a message centre, a digest."""
from flask import Flask
from flask_login import current_user

from . import api, models  # noqa: F401  (api: /api/me/notifications)
from .cli import notify_cli
from .services import unread_count
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(notify_cli)

    @app.context_processor
    def notification_helpers() -> dict:
        return {"notifications_unread_count": lambda: unread_count(current_user)}


def seed_demo() -> None:
    """Messages that the demo's problem steps would have sent, where none were written."""
    from .demo import seed

    seed()
