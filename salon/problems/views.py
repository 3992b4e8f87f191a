"""问题反映 pages."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("problems", __name__, url_prefix="/problems")


@bp.route("/")
@login_required
def index():
    """问题反映 (placeholder until the feature lands)."""
    return render_template("placeholder.html", title="问题反映")
