"""Problems raised in posts, tracked to a measured resolution, with an immutable audit trail."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    column_property,
    mapped_column,
    relationship,
)

from ..accounts.models import Unit, User
from ..extensions import db
from ..markup import as_html, keep_rendered
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
DONE_STATES = ("resolved", "confirmed")
# The reporter's verdict: the first two confirm, the last two dispute (reopen).
SATISFACTION = {
    "satisfied": "满意",
    "basically": "基本满意",
    "partly": "部分解决",
    "unsatisfied": "不满意",
}
CONFIRMING = ("satisfied", "basically")
DISPUTING = ("partly", "unsatisfied")
ACTIONS = {
    "raise": "提出问题",
    "accept": "受理",
    "decline": "不予采纳",
    "assign": "交办",
    "instruct": "批示",
    "start": "开始办理",
    "progress": "办理进展",
    "resolve": "办结",
    "confirm": "确认",
    "dispute": "提出异议",
    "cosign": "附议",
}


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
    # the outcome rendered when written (markup.keep_rendered)
    outcome_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)  # list order
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship(back_populates="problem")
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
    def outcome_markup(self):
        """The outcome (评估) as sanitised HTML, rendered when it was written."""
        return as_html(self.outcome_html)

    @property
    def is_overdue(self) -> bool:
        """已超期: past the deadline and not yet resolved."""
        return bool(self.deadline and self.state in OPEN_STATES and self.deadline < today())

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def satisfaction_label(self) -> str:
        return SATISFACTION.get(self.satisfaction or "", "")

    @property
    def days_left(self) -> int | None:
        """Days until the deadline (negative when overdue), for open problems with one."""
        if not self.deadline or self.state not in OPEN_STATES:
            return None
        return (self.deadline - today()).days


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

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def from_label(self) -> str:
        return STATES.get(self.from_state or "", "")

    @property
    def to_label(self) -> str:
        return STATES.get(self.to_state, self.to_state)


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


# 附议 count loaded with the problem itself, so lists need no extra query per row.
Problem.cosign_count = column_property(
    select(func.count(CoSign.id)).where(CoSign.problem_id == Problem.id)
    .correlate_except(CoSign).scalar_subquery()
)


keep_rendered(Problem.outcome, "outcome_html", label="办理结果")


class ImmutableEventError(RuntimeError):
    """Raised when anything tries to change or delete an audit event."""


@event.listens_for(ProblemEvent, "before_update")
@event.listens_for(ProblemEvent, "before_delete")
def _refuse_change(_mapper, _connection, target: ProblemEvent) -> None:
    raise ImmutableEventError(f"审计记录不可修改或删除（事件 {target.id}）。")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE bypass the mapper events above, so refuse them here too."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is ProblemEvent for mapper in state.all_mappers
    ):
        raise ImmutableEventError("审计记录不可修改或删除。")
