"""搜索 pages."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.route("/")
@login_required
def index():
    """搜索 (placeholder until the feature lands)."""
    return render_template("placeholder.html", title="搜索")
