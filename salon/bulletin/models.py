"""专刊: one bulletin per salon, its built revisions and the build jobs that make them."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..markup import as_html, keep_rendered
from ..salons.models import Salon
from ..timeutil import now

JOB_STATUSES = {"queued": "排队中", "running": "排版中", "done": "已完成", "failed": "失败"}


class Bulletin(db.Model):
    """The editor's settings of one salon's 专刊 (编者按, 签发日期, 总期号, 印数)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), unique=True)
    editor_note: Mapped[str] = mapped_column(Text, default="")
    # 编者按 rendered when written (markup.keep_rendered)
    editor_note_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    signed_on: Mapped[date | None]
    total_number: Mapped[int | None]
    print_count: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    salon: Mapped[Salon] = relationship(backref=db.backref("bulletin", uselist=False))
    revisions: Mapped[list["BulletinRevision"]] = relationship(
        back_populates="bulletin", order_by="BulletinRevision.id"
    )

    @property
    def editor_note_markup(self):
        """编者按 as sanitised HTML, rendered when it was written."""
        return as_html(self.editor_note_html)

    @property
    def published_revisions(self) -> list["BulletinRevision"]:
        return [r for r in self.revisions if r.published_at]

    @property
    def draft(self) -> "BulletinRevision | None":
        """The newest build not yet published, if any."""
        newest = self.revisions[-1] if self.revisions else None
        return newest if newest and not newest.published_at else None


keep_rendered(Bulletin.editor_note, "editor_note_html", label="编者按")


class BulletinRevision(db.Model):
    """One built PDF; once published (a revision number) it is frozen and served unchanged."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"), index=True)
    number: Mapped[int | None]
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    pages: Mapped[int]
    size: Mapped[int]
    built_at: Mapped[datetime] = mapped_column(default=now)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    bulletin: Mapped[Bulletin] = relationship(back_populates="revisions")
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def label(self) -> str:
        return f"第{self.number}版" if self.number else "待发布样稿"


class BuildJob(db.Model):
    """A queued or running build; its status lives here so any worker process can show it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("bulletin_revision.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    salon: Mapped[Salon] = relationship()

    @property
    def status_label(self) -> str:
        return JOB_STATUSES.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class Download(db.Model):
    """One download of a revision: the copy stamped for that person (render/copies.py), so
    `flask bulletin trace` maps a copy back to who took it, when and from where."""

    __tablename__ = "bulletin_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("bulletin_revision.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    copy_id: Mapped[str] = mapped_column(String(32), unique=True)  # random, unguessable
    at: Mapped[datetime] = mapped_column(default=now)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    revision: Mapped[BulletinRevision] = relationship()
    user: Mapped[User] = relationship()


class BulletinRead(db.Model):
    """已阅: a person opened a published bulletin (web page or download); the first time."""

    __table_args__ = (UniqueConstraint("bulletin_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    first_read_at: Mapped[datetime] = mapped_column(default=now)


class ReadReminder(db.Model):
    """An organizer's 提醒未读 of a bulletin: when, by whom, how many were told."""

    __tablename__ = "bulletin_read_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=now)
    told: Mapped[int] = mapped_column(default=0)
