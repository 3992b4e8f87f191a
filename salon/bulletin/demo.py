"""Demo data: build and publish the bulletin of every salon the demo marks as published."""
from ..accounts.models import User
from ..extensions import db
from ..salons.models import Salon
from .content import bulletin_for, has_posts
from .services import build, publish, store


def seed() -> None:
    """One published bulletin per published demo salon (laid out as one document: quick)."""
    organizer = db.session.scalar(
        db.select(User).filter_by(role="organizer", active=True).order_by(User.id))
    salons = db.session.scalars(
        db.select(Salon).filter_by(status="published").order_by(Salon.number)).all()
    for salon in salons:
        bulletin = bulletin_for(salon)
        if organizer is None or bulletin.published_revisions or not has_posts(salon):
            continue
        bulletin.editor_note = (f"本期沙龙围绕“{salon.topic}”展开交流。现将入选稿件、问题办理情况"
                                "和往期问题“回头看”汇编成刊，供各单位学习借鉴。")
        store(salon, build(salon, workers=0), organizer.id)
        publish(salon, organizer)
