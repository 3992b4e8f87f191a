"""专刊 pages."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("bulletin", __name__, url_prefix="/bulletins")


@bp.route("/")
@login_required
def archive():
    """专刊 (placeholder until the feature lands)."""
    return render_template("placeholder.html", title="专刊")
