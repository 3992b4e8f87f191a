"""看板 pages."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@login_required
def index():
    """看板 (placeholder until the feature lands)."""
    return render_template("placeholder.html", title="看板")
