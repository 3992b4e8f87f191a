"""Problems raised in posts, tracked to a measured resolution, with an immutable audit trail."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, func, select
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
from ..markup import as_html, keep_rendered, render_lenient
from ..posts.models import Post
from ..timeutil import now, today
from .workflow import (
    ACTION_LABELS,
    DONE_STATES,
    SATISFACTION,
    SOLVED,
    STATES,
    VERDICTS,
    WORKING,
)

SOURCES = {"officer": "民警提出", "public": "群众建议", "survey": "走访调研"}
OVERDUE_STATES = WORKING  # past the deadline and not reported: 已超期
# The steps that 办结 a problem (审核通过; 办结 in the first version of the workflow).
DONE_ACTIONS = ("approve", "resolve")
RESULT_ENDINGS = {"rejected": "被局领导退回重办", "disputed": "被提出异议",
                  "revisit": "回访不满意", "relapsed": "回头看发现反弹"}


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
    satisfaction: Mapped[str | None] = mapped_column(String(20))  # the reporter's
    solved: Mapped[str | None] = mapped_column(String(20))  # how far solved, in the reporter's view
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)  # list order
    assigned_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # A pending 申请延期: the date asked for and why (the deadline moves only on approval).
    extension_until: Mapped[date | None]
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    # 提请: the body outside the bureau it was put to (县委、县政府、政法委…).
    escalated_to: Mapped[str] = mapped_column(String(100), default="")
    escalated_at: Mapped[datetime | None]
    # 回访 (群众建议): the citizen's verdict, kept apart from the reporter's.
    revisit_satisfaction: Mapped[str | None] = mapped_column(String(20))
    revisit_solved: Mapped[str | None] = mapped_column(String(20))
    review_due: Mapped[date | None] = mapped_column(index=True)  # 回头看 due
    # Bumped by every step in a conditional UPDATE: of two concurrent steps only one wins.
    version: Mapped[int] = mapped_column(default=0, server_default="0")

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
    stages: Mapped[list["ProblemStage"]] = relationship(
        back_populates="problem", order_by="ProblemStage.id", cascade="all, delete-orphan")
    results: Mapped[list["ProblemResult"]] = relationship(
        back_populates="problem", order_by="ProblemResult.round", cascade="all, delete-orphan")
    reviews: Mapped[list["ProblemReview"]] = relationship(
        back_populates="problem", order_by="ProblemReview.id", cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def outcome_markup(self):
        """The outcome (评估) as sanitised HTML, rendered when it was written."""
        return as_html(self.outcome_html)

    @property
    def is_overdue(self) -> bool:
        """已超期: past the deadline and not yet reported."""
        return bool(self.deadline and self.state in OVERDUE_STATES and self.deadline < today())

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES

    @property
    def solved_label(self) -> str:
        return SOLVED.get(self.solved or "", "")

    @property
    def revisit_label(self) -> str:
        if not self.revisit_satisfaction:
            return ""
        return "，".join(filter(None, [SATISFACTION.get(self.revisit_satisfaction, ""),
                                       SOLVED.get(self.revisit_solved or "", "")]))

    @property
    def revisit_is_current(self) -> bool:
        """Whether the citizen's latest verdict (回访) was given on the standing result, i.e.
        after its 办结: a verdict on a result since reopened is history (the history and the
        earlier results say so), never shown beside the new result."""
        if not self.revisit_satisfaction or self.state not in DONE_STATES:
            return False
        done = max((e.id for e in self.events if e.action in DONE_ACTIONS), default=0)
        return any(e.action == "revisit" and e.id > done for e in self.events)

    @property
    def review_is_due(self) -> bool:
        return bool(self.review_due and self.is_done and self.review_due <= today())

    @property
    def deadline_changes(self) -> list["ProblemEvent"]:
        """The events that set or moved the deadline (交办, 改派, 批准延期, 反弹重办)."""
        return [e for e in self.events if (e.data or {}).get("deadline")]

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def satisfaction_label(self) -> str:
        return SATISFACTION.get(self.satisfaction or "", "")

    @property
    def days_left(self) -> int | None:
        """Days until the deadline (negative when overdue), for open problems with one."""
        if not self.deadline or self.state not in OVERDUE_STATES:
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
    data: Mapped[dict | None] = mapped_column(JSON)  # the step's inputs (deadline, unit, …)

    problem: Mapped[Problem] = relationship(back_populates="events")
    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def note_text(self) -> str:
        """The note as the ledger's plain text: a 报结's note carries the outcome, which the
        ledger (like the bulletin) reads as Markdown, so its marks do not reach a cell."""
        return render_lenient(self.note).text if self.action == "report" else self.note

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


class ProblemStage(db.Model):
    """阶段: one stage of a long plan, with its own due date, overdue on its own."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due: Mapped[date]
    done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[list | None] = mapped_column(JSON)  # [{"label", "value", "unit"}]

    problem: Mapped[Problem] = relationship(back_populates="stages")

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due < today() and self.problem.state in WORKING


class ProblemResult(db.Model):
    """An earlier result (报结/办结) that did not stand: history, never shown as current."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    round: Mapped[int]
    outcome: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[list | None] = mapped_column(JSON)
    reported_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    solved: Mapped[str | None] = mapped_column(String(20))
    ended: Mapped[str] = mapped_column(String(20))  # RESULT_ENDINGS
    ended_at: Mapped[datetime] = mapped_column(default=now)
    ended_note: Mapped[str] = mapped_column(Text, default="")

    problem: Mapped[Problem] = relationship(back_populates="results")

    @property
    def heading(self) -> str:
        """第1次办结 … 被提出异议"""
        kind = "办结" if self.resolved_at else "报结"
        return f"第{self.round}次{kind}，{RESULT_ENDINGS.get(self.ended, self.ended)}"

    @property
    def outcome_text(self) -> str:
        """The earlier outcome as plain text for the ledger (no Markdown marks), as the
        current one is there (the bulletin renders both as Markdown)."""
        return render_lenient(self.outcome).text


class ProblemReview(db.Model):
    """回头看: a re-check after 办结 for relapse (巩固 / 反弹), with figures."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[list | None] = mapped_column(JSON)

    problem: Mapped[Problem] = relationship(back_populates="reviews")
    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict, self.verdict)


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


EXPORT_STATUSES = {"queued": "排队中", "running": "正在导出", "done": "已完成", "failed": "失败"}


class LedgerExport(db.Model):
    """A ledger export too large to write inside a request: queued, written in the background
    with its progress here (any worker process can show it), fetched by the person who asked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    query: Mapped[str] = mapped_column(Text, default="")  # the ledger's filters, as asked
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    storage_key: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[User] = relationship()

    @property
    def status_label(self) -> str:
        return EXPORT_STATUSES.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")
