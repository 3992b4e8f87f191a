"""Demo data: the bulletin of every salon the demo marks as published, signed (签发) by a
leader, built and published, with some readers who have opened it (已阅) and downloaded
copies, so the read rates show something; and the next salon's bulletin sent (送审),
waiting for 签发."""
from datetime import timedelta

from ..accounts.models import User
from ..extensions import db
from ..salons.models import Salon
from ..signoff.services import record_of, sign, submit
from ..timeutil import now
from .content import bulletin_for, has_posts
from .distribution import READER_ROLES
from .models import BulletinRead, Download
from .render.copies import new_copy_id
from .services import build, publish, store
from .signing import KIND


def _first(role: str, preferred: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(role=role, active=True).order_by(
        User.username != preferred, User.id))


def _note(salon: Salon) -> str:
    return (f"本期沙龙围绕“{salon.topic}”展开交流。现将入选稿件、问题办理情况"
            "和往期问题“回头看”汇编成刊，供各单位学习借鉴。")


def seed() -> None:
    """Published issues signed by lingdao (laid out as one document: quick); one waiting."""
    organizer, leader = _first("organizer", "zuzhi"), _first("leader", "lingdao")
    if organizer is None or leader is None:
        return
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number)).all()
    for salon in salons:
        if salon.status != "published" or not has_posts(salon):
            continue
        bulletin = bulletin_for(salon)
        if bulletin.published_revisions:
            continue
        bulletin.editor_note = _note(salon)
        submit(KIND, bulletin.id, organizer)
        sign(KIND, bulletin.id, leader, comment="同意印发。")
        store(salon, build(salon, workers=0), organizer.id)
        _readers(bulletin, publish(salon, organizer))
    # the salon just held is the one whose bulletin is being made (else one still open)
    waiting = next((s for status in ("held", "open") for s in reversed(salons)
                    if s.status == status and has_posts(s)), None)
    if waiting is not None:
        bulletin = bulletin_for(waiting)
        if record_of(KIND, bulletin.id) is None:
            bulletin.editor_note = bulletin.editor_note or _note(waiting)
            submit(KIND, bulletin.id, organizer, comment="请审阅本期专刊。")


def _readers(bulletin, revision) -> None:
    """About two in three readers have read the issue; every third of them downloaded a copy
    (the download rows only: a copy is stamped when someone downloads it for real)."""
    readers = db.session.scalars(db.select(User).where(
        User.active.is_(True), User.role.in_(READER_ROLES)).order_by(User.id)).all()
    sent = revision.published_at = now() - timedelta(days=2)  # the issue went out 2 days ago
    for index, user in enumerate(readers):
        if index % 3 == 2 or user.username.startswith("suozhang") and index % 2:
            continue
        at = sent + timedelta(minutes=20 + index * 97 % 2400)
        db.session.add(BulletinRead(bulletin_id=bulletin.id, user_id=user.id, first_read_at=at))
        if index % 3 == 0:
            db.session.add(Download(revision_id=revision.id, user_id=user.id, at=at,
                                    copy_id=new_copy_id(),
                                    remote_addr=f"10.32.{index % 7 + 1}.{20 + index}"))
