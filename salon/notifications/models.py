"""Notifications (消息): one row per person who must act or wants to know."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..timeutil import now

# What a notification is about, as the message centre labels it. A kind not listed here is
# shown as 消息, so a feature may add kinds without touching this table.
KINDS = {
    "problem": "问题督办",
    "remind": "到期提醒",
    "review": "回头看",
    "salon": "沙龙",
    "bulletin": "专刊",
    "signoff": "签发",
    "post": "稿件审核",
    "suggestion": "群众建议",
    "assessment": "考核",
    "system": "系统",
}


class Notification(db.Model):
    """A message to one user; written in the transaction of the event that causes it."""

    __table_args__ = (
        # The same dedupe key reaches a person once, even when two writers race.
        UniqueConstraint("user_id", "dedupe_key"),
        # The badge: unread of one user.
        Index("ix_notification_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(20), default="system")
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=now)
    read_at: Mapped[datetime | None]
    # Set when the e-mail digest has taken it (`flask notify digest`): never mailed twice.
    mailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, "消息")

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
