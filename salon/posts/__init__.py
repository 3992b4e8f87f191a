"""Posts: experience write-ups and problem reports, comments, images, import, 所长审核."""
from flask import Flask

from .. import todo
from ..paging import paginate
from . import api, file_views, models, review, review_views  # noqa: F401  (they add routes)
from .cli import posts_cli
from .uploads import uploaded_file
from .views import bp


def init_app(app: Flask) -> None:
    if (app.config["POST_REVIEW"] or "") not in review.MODES:
        raise RuntimeError(f"SALON_POST_REVIEW 应为空（不审核）或 unit_head，"
                           f"而不是 {app.config['POST_REVIEW']!r}。")
    app.register_blueprint(bp)
    # Images live at /uploads/<key>, outside /posts, but belong to this feature.
    app.add_url_rule("/uploads/<key>", endpoint="posts.uploaded_file", view_func=uploaded_file)
    app.cli.add_command(posts_cli)
    todo.register(todo.Source(
        "post_review", "待我审核的稿件", review.waiting_count,
        lambda user, paging: paginate(review.waiting_query(user), paging),
        "posts/_todo_review.html"))


def seed_demo() -> None:
    """A post waiting for its 所长 and one returned with a comment (see demo.py)."""
    from .demo import seed

    seed()
