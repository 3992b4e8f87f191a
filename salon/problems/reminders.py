"""`flask problems remind`: tell people what is nearly due, overdue, or due for 回头看.

Every reminder goes through `notifications.services.notify` with a dedupe key built from the
problem, its deadline (or its 办结 date) and, for overdue items, the week of lateness: running
the command twice a day, or from two servers, tells nobody anything twice, while a problem
that stays overdue is raised again each week and a moved deadline starts afresh.

The queries are small functions on purpose: when the work order gains states, change
`WAITING_ON_UNIT` and `review_due_query`, and the rest follows.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import heads_or_members, users_with_role
from ..extensions import db
from ..notifications.services import notify
from ..timeutil import today, zh_date
from .models import Problem, ProblemEvent, ProblemStage
from .queries import DUE_SOON_DAYS, problem_list_query
from .workflow import DONE_STATES, WORKING

# States in which the responsible unit still owes the work (its deadline runs).
WAITING_ON_UNIT = WORKING
REVIEW_ACTION = "review"  # the 回头看 step of the work order


@dataclass
class Reminder:
    """One thing to tell: about which problem, to whom, and the key that makes it once only."""

    kind: str  # due_soon / overdue / review
    problem: Problem
    recipients: list[User]
    text: str
    dedupe_key: str
    stage: ProblemStage | None = None  # a stage of a long plan falling due on its own

    @property
    def link(self) -> str:
        return f"/posts/{self.problem.post_id}"


def deadline_query(day: date):
    """Problems the unit still owes whose deadline is within DUE_SOON_DAYS days or past."""
    return problem_list_query().order_by(None).where(
        Problem.state.in_(WAITING_ON_UNIT), Problem.deadline.is_not(None),
        Problem.responsible_unit_id.is_not(None),
        Problem.deadline <= day + timedelta(days=DUE_SOON_DAYS),
    ).order_by(Problem.deadline, Problem.id)


def stage_query(day: date):
    """Stages not yet done, of problems the unit still owes, due within DUE_SOON_DAYS days or
    past: each stage of a long plan runs to its own date (the problem's may be years away)."""
    return (db.select(ProblemStage).join(ProblemStage.problem)
            .where(Problem.state.in_(WAITING_ON_UNIT), Problem.responsible_unit_id.is_not(None),
                   ProblemStage.done_at.is_(None),
                   ProblemStage.due <= day + timedelta(days=DUE_SOON_DAYS))
            .options(selectinload(ProblemStage.problem).selectinload(Problem.post),
                     selectinload(ProblemStage.problem).selectinload(Problem.responsible_unit))
            .order_by(ProblemStage.due, ProblemStage.id))


def review_due_query(day: date, after_days: int):
    """办结 at least `after_days` days ago, and no 回头看 recorded since."""
    cutoff = datetime.combine(day - timedelta(days=after_days), time.max)
    reviewed = exists().where(ProblemEvent.problem_id == Problem.id,
                              ProblemEvent.action == REVIEW_ACTION,
                              ProblemEvent.at >= Problem.resolved_at)
    return problem_list_query().order_by(None).where(
        Problem.state.in_(DONE_STATES), Problem.resolved_at.is_not(None),
        Problem.resolved_at <= cutoff, ~reviewed,
    ).order_by(Problem.resolved_at, Problem.id)


@dataclass(frozen=True)
class Wording:
    """How a deadline reminder names its item: a problem's 时限 or a stage's 阶段时限."""

    key: str        # dedupe-key prefix ("stage-" for stages; "" keeps the problems' keys)
    limit: str      # 时限 / 阶段时限
    hurry: str      # what an overdue item is asked to do
    finish: str     # what a nearly due item is asked to do


def _once_per_unit(lookup):
    """`lookup(unit_id)` asked once per unit within one run, however many items it has."""
    found: dict[int, list[User]] = {}

    def get(unit_id: int) -> list[User]:
        if unit_id not in found:
            found[unit_id] = lookup(unit_id)
        return found[unit_id]
    return get


def _due_reminder(day: date, problem: Problem, due: date, owners, desk: list[User],
                  about: str, words: Wording, stage: ProblemStage | None = None) -> Reminder:
    """Overdue: the unit and the desk, again each week late. Nearly due: the unit."""
    late = (day - due).days
    unit = problem.responsible_unit_id
    if late > 0:
        return Reminder(
            "overdue", problem, owners(unit) + desk,
            f"{about}（{problem.responsible_unit.name}承办）已超期 {late} 天，"
            f"{words.limit} {zh_date(due)}，请抓紧{words.hurry}。",
            f"remind:{words.key}overdue:{stage.id if stage else problem.id}:{due}:{late // 7}",
            stage)
    when = "今天到期" if late == 0 else f"还有 {-late} 天到期"
    return Reminder(
        "due_soon", problem, owners(unit),
        f"{about}{when}（{words.limit} {zh_date(due)}），请按时{words.finish}。",
        f"remind:{words.key}due:{stage.id if stage else problem.id}:{due}", stage)


def reminders(day: date | None = None) -> list[Reminder]:
    """Everything to tell today, in order: overdue, nearly due, 回头看."""
    day = day or today()
    desk = users_with_role("organizer")
    found: list[Reminder] = []
    owners = _once_per_unit(heads_or_members)
    for problem in db.session.scalars(deadline_query(day)):
        found.append(_due_reminder(
            day, problem, problem.deadline, owners, desk, f"问题“{problem.post.title}”",
            Wording("", "时限", "办理并报结", "办结")))
    for stage in db.session.scalars(stage_query(day)):
        problem = stage.problem
        found.append(_due_reminder(
            day, problem, stage.due, owners, desk,
            f"问题“{problem.post.title}”的阶段“{stage.title}”",
            Wording("stage-", "阶段时限", "完成并记录阶段成效", "完成并记录阶段成效"), stage))
    after = int(current_app.config["REVIEW_AFTER_DAYS"])
    for problem in db.session.scalars(review_due_query(day, after)):
        resolved = problem.resolved_at.date()
        found.append(Reminder(
            "review", problem, desk,
            f"问题“{problem.post.title}”办结已满 {after} 天（{zh_date(resolved)}办结），"
            f"请组织回头看，核实是否反弹。",
            f"review:due:{problem.id}:{resolved}"))
    found.sort(key=lambda r: ("overdue", "due_soon", "review").index(r.kind))
    return found


def send(found: list[Reminder]) -> int:
    """Write the notifications (the caller commits); how many new ones were written."""
    kinds = {"overdue": "remind", "due_soon": "remind", "review": "review"}
    return sum(notify(r.recipients, kinds[r.kind], r.text, r.link, r.dedupe_key) for r in found)
