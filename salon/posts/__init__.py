"""Posts: experience write-ups and problem reports, comments, images, import."""
from flask import Flask

from . import api, file_views, models  # noqa: F401  (api and file_views add their routes)
from .cli import posts_cli
from .uploads import uploaded_file
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Images live at /uploads/<key>, outside /posts, but belong to this feature.
    app.add_url_rule("/uploads/<key>", endpoint="posts.uploaded_file", view_func=uploaded_file)
    app.cli.add_command(posts_cli)
