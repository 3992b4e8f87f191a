"""签发: a leader signs off a document (a 专刊, an assessment 通报) before it is published.

Other features register their kind (`kinds.register_kind`), show `signoff/_panel.html`
on the document's page, and ask `services.is_signed(kind, id, fingerprint)` before they
publish. The steps, the event trail, the notifications and 我的待办 live here.
"""
from flask import Flask

from .. import todo
from . import models  # noqa: F401  (the tables)
from .kinds import register_kind
from .queries import panel, returned_count, returned_page, waiting_count, waiting_page
from .services import is_signed, state_of

__all__ = ["init_app", "is_signed", "register_kind", "state_of"]


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
    app.add_template_global(panel, "signoff_panel")
    todo.register(todo.Source("signoff_waiting", "待我签发", waiting_count, waiting_page,
                              "signoff/_todo.html"))
    todo.register(todo.Source("signoff_returned", "被退回待修改（签发）", returned_count,
                              returned_page, "signoff/_todo.html"))
