"""Problem workflow rules: open a problem, take a step of the work order (one table)."""
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..database import claim_version
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..posts.models import Post
from ..timeutil import now
from .handover import notify_step
from .inputs import Figure, Outcome, StepInput, format_value
from .models import Problem, ProblemEvent
from .rules import APPLY
from .workflow import (
    CONDITION_LABELS,
    FIELD_LABELS,
    STEPS,
    WHO_LABELS,
    Step,
    may_act,
    state_allows,
)

__all__ = ["Figure", "StepInput", "format_value", "open_problem", "take_step"]

# A state that does not allow the step: the shared 409.
StateConflict = Conflict
PROMPTS = {"figures": "请至少填写一项成效数据（如：新增探头 16 组）。"}
RACE_LOST = "该问题刚刚已被他人处理，您的操作未生效。请刷新页面查看最新状态后再操作。"


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


def check_step(problem: Problem, actor: User, action: str) -> Step:
    """The step, if this user may take it now: 400 unknown, 403 who, 409 state."""
    step = STEPS.get(action)
    if step is None:
        raise InvalidInput(f"未知操作 {action}。", field="action")
    if not may_act(step, problem, actor):
        raise NotAllowed(f"只有{WHO_LABELS[step.who]}可以{step.label}。")
    if not state_allows(step, problem):
        if problem.state in step.sources and step.when:
            raise StateConflict(f"{CONDITION_LABELS[step.when]}，不能{step.label}。")
        raise StateConflict(f"问题当前为“{problem.state_label}”，不能{step.label}。")
    return step


def take_step(problem: Problem, actor: User, action: str, data: StepInput | None = None,
              ) -> ProblemEvent:
    """Check who and when, validate the input, apply the step and record its event.

    The caller commits; on any error it rolls back, so nothing is changed. Of two steps sent
    on one problem at the same moment only the first to claim it wins (409 for the other).
    """
    step = check_step(problem, actor, action)
    data = data or StepInput()
    for name in step.needs:
        if not data.given(name):
            label = step.note_label if name == "note" else FIELD_LABELS[name]
            raise InvalidInput(PROMPTS.get(name) or f"请填写{label}。", field=name)
    before = problem.state
    claim(problem)
    outcome: Outcome = APPLY[action](problem, actor, data)
    problem.state = step.next_state(before, outcome.reopened)
    event = ProblemEvent(problem=problem, actor=actor, action=action, at=now(),
                         from_state=before, to_state=problem.state, note=outcome.note,
                         data=outcome.data or None)
    db.session.add(event)
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict(RACE_LOST) from None
    notify_step(problem, actor, step, event)
    return event


def claim(problem: Problem) -> None:
    """Only one of two concurrent steps on a problem goes through (salon.database)."""
    claim_version(problem, StateConflict(RACE_LOST))


assert set(APPLY) == set(STEPS), "every step of the table needs its rule"
