"""Post pages."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from ..extensions import db
from .services import visible_posts

bp = Blueprint("posts", __name__, url_prefix="/posts")


@bp.route("/")
@login_required
def index():
    """稿件 list."""
    query = visible_posts()
    if request.args.get("kind"):
        query = query.filter_by(kind=request.args["kind"])
    page = db.paginate(query.order_by(db.text("created_at desc")), per_page=20)
    return render_template("posts/index.html", page=page)
