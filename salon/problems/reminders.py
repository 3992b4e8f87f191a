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


def reminders(day: date | None = None) -> list[Reminder]:
    """Everything to tell today, in order: overdue, nearly due, 回头看."""
    day = day or today()
    desk = users_with_role("organizer")
    found: list[Reminder] = []
    for problem in db.session.scalars(deadline_query(day)):
        title, unit = problem.post.title, problem.responsible_unit.name
        late = (day - problem.deadline).days
        owners = heads_or_members(problem.responsible_unit_id)
        if late > 0:
            found.append(Reminder(
                "overdue", problem, owners + desk,
                f"问题“{title}”（{unit}承办）已超期 {late} 天，时限 {zh_date(problem.deadline)}，"
                f"请抓紧办理并报结。",
                f"remind:overdue:{problem.id}:{problem.deadline}:{late // 7}"))
        else:
            when = "今天到期" if late == 0 else f"还有 {-late} 天到期"
            found.append(Reminder(
                "due_soon", problem, owners,
                f"问题“{title}”{when}（时限 {zh_date(problem.deadline)}），请按时办结。",
                f"remind:due:{problem.id}:{problem.deadline}"))
    for stage in db.session.scalars(stage_query(day)):
        problem = stage.problem
        about = f"问题“{problem.post.title}”的阶段“{stage.title}”"
        late = (day - stage.due).days
        owners = heads_or_members(problem.responsible_unit_id)
        if late > 0:
            found.append(Reminder(
                "overdue", problem, owners + desk,
                f"{about}（{problem.responsible_unit.name}承办）已超期 {late} 天，"
                f"阶段时限 {zh_date(stage.due)}，请抓紧完成并记录阶段成效。",
                f"remind:stage-overdue:{stage.id}:{stage.due}:{late // 7}", stage))
        else:
            when = "今天到期" if late == 0 else f"还有 {-late} 天到期"
            found.append(Reminder(
                "due_soon", problem, owners,
                f"{about}{when}（阶段时限 {zh_date(stage.due)}），请按时完成并记录阶段成效。",
                f"remind:stage-due:{stage.id}:{stage.due}", stage))
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
