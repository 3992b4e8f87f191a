"""Salon pages."""
from flask import Blueprint, render_template
from flask_login import login_required

from ..extensions import db
from .models import Salon

bp = Blueprint("salons", __name__, url_prefix="/salons")


@bp.route("/")
@login_required
def index():
    """沙龙 list."""
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all()
    return render_template("salons/index.html", salons=salons)
