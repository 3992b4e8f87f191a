"""The problem state machine as one table: state × action → next state, and who may act."""
from dataclasses import dataclass

from ..accounts.models import User
from .models import Problem

# Who may take a step: a role, or a relation of the user to the problem.
LEADER = "leader"  # 局领导 (role)
UNIT = "unit"  # a member of the responsible unit (责任单位)
REPORTER = "reporter"  # the officer who raised the problem
OTHERS = "others"  # any signed-in user except the reporter (附议)

WHO_LABELS = {LEADER: "局领导", UNIT: "责任单位民警", REPORTER: "问题提出人", OTHERS: "其他民警"}


@dataclass(frozen=True)
class Step:
    """One row of the table: from these states, this action leads to `target` (None: stays)."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    who: str

    def next_state(self, current: str) -> str:
        return self.target or current


OPEN = ("raised", "accepted", "assigned", "in_progress")

STEPS: dict[str, Step] = {step.action: step for step in (
    Step("accept", "受理", ("raised",), "accepted", LEADER),
    Step("decline", "不予采纳", ("raised",), "declined", LEADER),
    Step("assign", "交办", ("accepted",), "assigned", LEADER),
    Step("instruct", "批示", (*OPEN, "resolved"), None, LEADER),
    Step("start", "开始办理", ("assigned",), "in_progress", UNIT),
    Step("progress", "办理进展", ("in_progress",), None, UNIT),
    Step("resolve", "办结", ("in_progress",), "resolved", LEADER),
    Step("confirm", "确认办结", ("resolved",), "confirmed", REPORTER),
    Step("dispute", "提出异议", ("resolved",), "in_progress", REPORTER),
    Step("cosign", "附议", OPEN, None, OTHERS),
)}

# The actions of the API contract (附议 is a site button, progress notes are the unit's).
API_ACTIONS = ("accept", "assign", "start", "resolve", "confirm", "dispute", "decline",
               "instruct", "progress", "cosign")


def relation_holds(who: str, problem: Problem, user: User) -> bool:
    """Whether the user stands in the relation a step requires."""
    if not user.is_authenticated or not user.active:
        return False
    if who == LEADER:
        return user.has_role("leader")
    if who == UNIT:
        unit_id = problem.responsible_unit_id
        return unit_id is not None and user.unit_id == unit_id
    if who == REPORTER:
        return problem.post.author_id == user.id
    if who == OTHERS:
        return problem.post.author_id != user.id and not user.has_role("admin")
    return False


def may_act(step: Step, problem: Problem, user: User) -> bool:
    """The role/relation half of the rule (403 when false). Admins manage users and units
    only: no step is theirs, whatever unit they belong to or relation they hold."""
    if user.is_authenticated and user.has_role("admin"):
        return False
    return relation_holds(step.who, problem, user)


def state_allows(step: Step, problem: Problem) -> bool:
    """The state half of the rule (409 when false)."""
    return problem.state in step.sources


def available_steps(problem: Problem, user: User) -> list[Step]:
    """The steps this user may take on this problem now, in table order."""
    return [s for s in STEPS.values() if state_allows(s, problem) and may_act(s, problem, user)]
