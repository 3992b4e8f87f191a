"""Which salon is "current": the one the home page shows and new posts default to."""
from ..extensions import db
from .models import Salon


def current_salon() -> Salon | None:
    """The next meeting still collecting posts (征稿中, the earliest meeting date first; one
    without a date by month), else the newest one not yet published, else the newest."""
    return db.session.scalar(
        db.select(Salon).where(Salon.status == "open")
        .order_by(Salon.starts_at.is_(None), Salon.starts_at, Salon.month, Salon.number)
    ) or db.session.scalar(
        db.select(Salon).where(Salon.status != "published").order_by(Salon.number.desc())
    ) or db.session.scalar(db.select(Salon).order_by(Salon.number.desc()))
