"""Problems raised in posts, tracked to a measured resolution, with an immutable audit trail."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Unit, User
from ..extensions import db
from ..posts.models import Post
from ..timeutil import now, today

STATES = {
    "raised": "已提出",
    "accepted": "已受理",
    "assigned": "已交办",
    "in_progress": "办理中",
    "resolved": "已办结",
    "confirmed": "已确认",
    "declined": "不予采纳",
}
SOURCES = {"officer": "民警提出", "public": "群众建议", "survey": "走访调研"}
OPEN_STATES = ("raised", "accepted", "assigned", "in_progress")


class Problem(db.Model):
    """问题: the tracking record of one problem report."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="raised", index=True)
    source: Mapped[str] = mapped_column(String(20), default="officer")
    # SARA: 扫描 / 分析 / 应对建议 at filing, 评估 (outcome) at resolution.
    scan: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    deadline: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship(backref=db.backref("problem", uselist=False))
    responsible_unit: Mapped[Unit | None] = relationship()
    events: Mapped[list["ProblemEvent"]] = relationship(
        back_populates="problem", order_by="ProblemEvent.id"
    )
    instructions: Mapped[list["Instruction"]] = relationship(
        back_populates="problem", order_by="Instruction.id"
    )
    figures: Mapped[list["OutcomeFigure"]] = relationship(
        back_populates="problem", order_by="OutcomeFigure.id", cascade="all, delete-orphan"
    )
    cosigns: Mapped[list["CoSign"]] = relationship(back_populates="problem")

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def is_overdue(self) -> bool:
        """已超期: past the deadline and not yet resolved."""
        return bool(self.deadline and self.state in OPEN_STATES and self.deadline < today())


class ProblemEvent(db.Model):
    """One step of a problem's life; the audit trail is never edited or deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=now)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    problem: Mapped[Problem] = relationship(back_populates="events")
    actor: Mapped[User] = relationship(lazy="joined")


class Instruction(db.Model):
    """领导批示: a leader's instruction on a problem, kept in order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=now)

    problem: Mapped[Problem] = relationship(back_populates="instructions")
    leader: Mapped[User] = relationship(lazy="joined")


class OutcomeFigure(db.Model):
    """A measured figure of a resolution, e.g. 新增探头 16 组."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    value: Mapped[float]
    unit: Mapped[str] = mapped_column(String(20), default="")

    problem: Mapped[Problem] = relationship(back_populates="figures")


class CoSign(db.Model):
    """附议: another officer backs a problem instead of filing a duplicate."""

    __table_args__ = (UniqueConstraint("problem_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=now)

    problem: Mapped[Problem] = relationship(back_populates="cosigns")
    user: Mapped[User] = relationship()


class ImmutableEventError(RuntimeError):
    """Raised when anything tries to change or delete an audit event."""


@event.listens_for(ProblemEvent, "before_update")
@event.listens_for(ProblemEvent, "before_delete")
def _refuse_change(_mapper, _connection, target: ProblemEvent) -> None:
    raise ImmutableEventError(f"审计记录不可修改或删除（事件 {target.id}）。")
