"""Problem workflow rules: open a problem, take a step of the state machine."""
from dataclasses import dataclass, field
from datetime import date

from ..accounts.models import Unit, User
from ..errors import Conflict, DomainError, InvalidInput, NotAllowed
from ..extensions import db
from ..posts.models import Post
from ..timeutil import now, zh_date
from .models import (
    CONFIRMING,
    DISPUTING,
    SATISFACTION,
    CoSign,
    Instruction,
    OutcomeFigure,
    Problem,
    ProblemEvent,
)
from .workflow import STEPS, WHO_LABELS, may_act, state_allows

MAX_FIGURES = 10


# A workflow rule broken: the shared domain errors (400 / 403 / 409).
ProblemError = DomainError
StateConflict = Conflict


@dataclass
class Figure:
    """A measured figure given with a resolution (新增探头 16 组)."""

    label: str
    value: float | None
    unit: str = ""


@dataclass
class StepInput:
    """What a user submits with a step; which fields matter depends on the action."""

    note: str = ""
    unit: Unit | None = None
    deadline: date | None = None
    outcome: str = ""
    figures: list[Figure] = field(default_factory=list)
    satisfaction: str | None = None


def open_problem(post: Post, reporter: User, **fields) -> Problem:
    """A submitted problem report gets its tracking record in state `raised`."""
    if post.problem is not None:
        return post.problem
    fields.setdefault("created_at", now())
    problem = Problem(post=post, state="raised", **fields)
    db.session.add(problem)
    db.session.add(ProblemEvent(problem=problem, actor=reporter, action="raise",
                                at=problem.created_at, from_state=None, to_state="raised",
                                note="提出问题"))
    return problem


def on_post_submitted(post: Post, *, fields: dict) -> None:
    """A problem report, once submitted, is tracked from state `raised`."""
    if post.kind == "problem":
        open_problem(post, post.author, **fields)


def on_post_revised(post: Post, *, fields: dict) -> None:
    """Until a problem is accepted its reporter may still reword the SARA fields."""
    problem = post.problem
    if problem is not None and problem.state == "raised":
        for name, value in fields.items():
            setattr(problem, name, value)


def take_step(problem: Problem, actor: User, action: str, data: StepInput | None = None) -> Problem:
    """Check who and when, validate the input, apply the step and record its event.

    The caller commits. Nothing is changed when an error is raised.
    """
    step = STEPS.get(action)
    if step is None:
        raise InvalidInput(f"未知操作：{action}。")
    data = data or StepInput()
    if not may_act(step, problem, actor):
        raise NotAllowed(f"只有{WHO_LABELS[step.who]}可以{step.label}。")
    if not state_allows(step, problem):
        raise StateConflict(f"问题当前为“{problem.state_label}”，不能{step.label}。")
    before = problem.state
    note = APPLY[action](problem, actor, data)
    problem.state = step.next_state(before)
    db.session.add(ProblemEvent(problem=problem, actor=actor, action=action, at=now(),
                                from_state=before, to_state=problem.state, note=note))
    db.session.flush()
    return problem


def _text(value: str | None, limit: int = 5000) -> str:
    return (value or "").strip()[:limit]


def _require(value: str, message: str) -> str:
    if not value:
        raise InvalidInput(message)
    return value


def _accept(problem: Problem, actor: User, data: StepInput) -> str:
    return _text(data.note) or "已受理"


def _decline(problem: Problem, actor: User, data: StepInput) -> str:
    reason = _require(_text(data.note), "不予采纳须说明理由。")
    problem.decline_reason = reason
    problem.closed_at = now()
    return reason


def _assign(problem: Problem, actor: User, data: StepInput) -> str:
    if data.unit is None:
        raise InvalidInput("请选择责任单位。")
    if data.deadline is None:
        raise InvalidInput("请填写办理时限。")
    if data.deadline < now().date():
        raise InvalidInput("办理时限不能早于今天。")
    problem.responsible_unit = data.unit
    problem.deadline = data.deadline
    summary = f"交办{data.unit.name}，办理时限 {zh_date(data.deadline)}。"
    return summary + _text(data.note)


def _instruct(problem: Problem, actor: User, data: StepInput) -> str:
    text = _require(_text(data.note), "批示内容不能为空。")
    db.session.add(Instruction(problem=problem, leader=actor, text=text, at=now()))
    return text


def _start(problem: Problem, actor: User, data: StepInput) -> str:
    return _text(data.note) or "开始办理"


def _progress(problem: Problem, actor: User, data: StepInput) -> str:
    return _require(_text(data.note), "请填写办理进展。")


def _resolve(problem: Problem, actor: User, data: StepInput) -> str:
    outcome = _require(_text(data.outcome or data.note), "办结须填写办理结果。")
    figures = [f for f in data.figures if f.label.strip()]
    if not figures:
        raise InvalidInput("办结须至少填写一项成效数据（如：新增探头 16 组）。")
    if any(f.value is None for f in figures):
        raise InvalidInput("请填写每项成效的数值。")
    if len(figures) > MAX_FIGURES:
        raise InvalidInput(f"成效数据最多 {MAX_FIGURES} 项。")
    problem.outcome = outcome
    problem.figures.clear()
    for figure in figures:
        problem.figures.append(OutcomeFigure(label=figure.label.strip()[:100], value=figure.value,
                                             unit=(figure.unit or "").strip()[:20]))
    problem.resolved_at = now()
    listed = "；".join(f"{f.label.strip()} {format_value(f.value)}{f.unit.strip()}"
                      for f in figures)
    return f"{outcome}（{listed}）"


def _verdict(data: StepInput, allowed: tuple[str, ...]) -> str:
    if data.satisfaction not in allowed:
        choices = "、".join(SATISFACTION[s] for s in allowed)
        raise InvalidInput(f"请选择评价：{choices}。")
    return data.satisfaction


def _confirm(problem: Problem, actor: User, data: StepInput) -> str:
    problem.satisfaction = _verdict(data, CONFIRMING)
    problem.closed_at = now()
    return "；".join(filter(None, [SATISFACTION[problem.satisfaction], _text(data.note)]))


def _dispute(problem: Problem, actor: User, data: StepInput) -> str:
    verdict = _verdict(data, DISPUTING)
    reason = _require(_text(data.note), "提出异议须说明未解决之处。")
    problem.satisfaction = verdict
    problem.reopen_count += 1
    problem.resolved_at = None
    return f"{SATISFACTION[problem.satisfaction]}；{reason}"


def _cosign(problem: Problem, actor: User, data: StepInput) -> str:
    exists = db.session.scalar(
        db.select(CoSign.id).filter_by(problem_id=problem.id, user_id=actor.id))
    if exists:
        raise StateConflict("您已附议过该问题。")
    db.session.add(CoSign(problem=problem, user=actor, at=now()))
    return _text(data.note, 500) or "附议"


APPLY = {
    "accept": _accept, "decline": _decline, "assign": _assign, "instruct": _instruct,
    "start": _start, "progress": _progress, "resolve": _resolve, "confirm": _confirm,
    "dispute": _dispute, "cosign": _cosign,
}
assert set(APPLY) == set(STEPS), "every step of the table needs its rule"


def format_value(value: float) -> str:
    """16.0 → 16, 2.5 → 2.5"""
    return f"{value:g}"


