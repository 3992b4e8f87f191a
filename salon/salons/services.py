"""Salon queries and rules."""
from ..extensions import db
from .models import Salon


def current_salon() -> Salon | None:
    """The salon officers should look at now: the newest one not yet published, else the newest."""
    return db.session.scalar(
        db.select(Salon).where(Salon.status != "published").order_by(Salon.number.desc())
    ) or db.session.scalar(db.select(Salon).order_by(Salon.number.desc()))
