"""Salons (one a month), their agenda and sign-ups."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..markup import as_html, keep_rendered
from ..timeutil import now, today

STATUSES = {"planning": "筹备中", "open": "征稿中", "held": "已召开", "published": "已出刊"}
NEXT_STATUS = {"planning": "open", "open": "held", "held": "published"}


class Salon(db.Model):
    """One monthly 社区警务沙龙 (一期)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    topic: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="planning")
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    signup_deadline: Mapped[date | None]  # 报名截止 (the last day)
    call_deadline: Mapped[date | None]  # 征稿截止 (the last day; later posts need leave)

    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="salon", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    signups: Mapped[list["SignUp"]] = relationship(
        back_populates="salon", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def call_closed(self) -> bool:
        """征稿已截止: the call's last day has passed (the status stays 征稿中 until held)."""
        return self.call_deadline is not None and today() > self.call_deadline

    @property
    def html(self):
        """The description (征稿启事) as sanitised HTML, rendered when it was written."""
        return as_html(self.description_html)

    @property
    def label(self) -> str:
        """第3期（2026年11月）"""
        year, month = self.month.split("-")
        return f"第{self.number}期（{year}年{int(month)}月）"

    def __str__(self) -> str:
        return f"第{self.number}期 {self.topic}"


keep_rendered(Salon.description, "description_html", "description_text", "说明与征稿启事")
keep_rendered(Salon.minutes, "minutes_html", label="纪要")


class AgendaItem(db.Model):
    """One item of a salon's agenda: a talk (民警讲坛) or a discussion, with its speaker."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    speaker: Mapped[str] = mapped_column(String(100), default="")

    salon: Mapped[Salon] = relationship(back_populates="agenda")


class SignUp(db.Model):
    """报名: an officer signs up for a salon; organizers record attendance."""

    __table_args__ = (UniqueConstraint("salon_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    attended: Mapped[bool | None]
    walk_in: Mapped[bool] = mapped_column(default=False)  # came without signing up

    salon: Mapped[Salon] = relationship(back_populates="signups")
    user: Mapped[User] = relationship()


class SalonTopicProblem(db.Model):
    """A problem a salon took as its topic (选题来源), recorded when a suggestion is adopted."""

    __table_args__ = (UniqueConstraint("salon_id", "problem_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class LatePermit(db.Model):
    """准许迟交: the organizer lets one officer submit after the call for posts closed."""

    __table_args__ = (UniqueConstraint("salon_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salon_id: Mapped[int] = mapped_column(ForeignKey("salon.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
