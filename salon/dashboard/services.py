"""看板 figures: problems by state, unit and salon, speed, punctuality, reopenings,
satisfaction, the overdue list and participation by unit, from a few grouped queries."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import median

from sqlalchemy import func

from ..accounts.models import Unit, User
from ..extensions import db
from ..posts.models import Post
from ..problems.models import DONE_STATES, Problem, ProblemResult, ProblemReview
from ..problems.outcomes import OutcomeTotal, outcome_totals
from ..problems.queries import (
    ProblemFilters,
    filter_conditions,
    late_clause,
    needs_post,
    on_time_clause,
    overdue_clause,
    problem_list_query,
)
from ..salons.models import Salon, SignUp

OVERDUE_SHOWN = 20  # the rest are one click away, in the filtered list


@dataclass
class Participation:
    """One unit's participation, also per officer so small stations are not punished."""

    unit: Unit
    officers: int
    posts: int
    problems: int
    signups: int
    attended: int

    def per_officer(self, count: int) -> float | None:
        return round(count / self.officers, 2) if self.officers else None


@dataclass
class UnitRow:
    unit: Unit | None
    total: int = 0
    open: int = 0
    done: int = 0
    overdue: int = 0


@dataclass
class Dashboard:
    """Everything the 看板 shows for one choice of period and unit."""

    filters: ProblemFilters
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_unit: list[UnitRow] = field(default_factory=list)
    by_salon: list[tuple[str, str, int]] = field(default_factory=list)  # month, label, count
    median_days: float | None = None
    resolved_count: int = 0
    on_time: int = 0
    late: int = 0
    reopened_problems: int = 0
    reopen_total: int = 0
    satisfaction: dict[str, int] = field(default_factory=dict)
    overdue: list[Problem] = field(default_factory=list)  # the longest overdue, OVERDUE_SHOWN
    overdue_count: int = 0
    participation: list[Participation] = field(default_factory=list)
    outcomes: list[OutcomeTotal] = field(default_factory=list)  # 成效, summed by label and unit

    @property
    def on_time_rate(self) -> float | None:
        """Share resolved by the deadline among problems whose deadline has been tested."""
        judged = self.on_time + self.late
        return round(100 * self.on_time / judged, 1) if judged else None

    # The work order's pace (median days) and what came of it after 办结.
    sign_days: float | None = None  # 交办 → 签收
    report_days: float | None = None  # 签收 → 报结
    approve_days: float | None = None  # 报结 → 审核通过
    solved: dict[str, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)  # held / relapsed

    @property
    def reopen_rate(self) -> float | None:
        """Reopened problems among those ever 办结 (still 办结, or reopened since)."""
        ever_done = self.resolved_count + self.reopened_open
        return round(100 * self.reopened_problems / ever_done, 1) if ever_done else None

    reopened_open: int = 0  # reopened and not 办结 again

    @property
    def solved_rate(self) -> float | None:
        """已解决 among the reporters' answers (satisfaction is counted apart)."""
        answered = sum(self.solved.values())
        return round(100 * self.solved.get("solved", 0) / answered, 1) if answered else None

    @property
    def relapse_rate(self) -> float | None:
        done = sum(self.reviews.values())
        return round(100 * self.reviews.get("relapsed", 0) / done, 1) if done else None

    @property
    def satisfied_rate(self) -> float | None:
        answered = sum(self.satisfaction.values())
        pleased = sum(self.satisfaction.get(k, 0) for k in ("satisfied", "basically"))
        return round(100 * pleased / answered, 1) if answered else None


def build_dashboard(filters: ProblemFilters) -> Dashboard:
    """All figures for the period, responsible unit and salon in `filters` (others ignored).

    The bulletin calls it with `ProblemFilters(salon="YYYY-MM")` for one salon's figures.
    """
    scope = ProblemFilters(unit=filters.unit, start=filters.start, end=filters.end,
                           salon=filters.salon)
    where = Where(tuple(filter_conditions(scope)), joins_post=needs_post(scope))
    board = Dashboard(filters=scope)
    board.by_state = _counts(Problem.state, where)
    board.total = sum(board.by_state.values())
    board.by_unit = _by_unit(where)
    board.by_salon = _by_salon(where)
    board.resolved_count, board.median_days = _median_days(where)
    board.on_time = _count(where + [on_time_clause()])
    board.late = _count(where + [late_clause()])
    board.reopened_problems = _count(where + [Problem.reopen_count > 0])
    board.reopen_total = _scalar(func.coalesce(func.sum(Problem.reopen_count), 0), where)
    board.satisfaction = _answers(Problem.satisfaction, ProblemResult.satisfaction, where)
    board.solved = _answers(Problem.solved, ProblemResult.solved, where)
    board.reopened_open = _count(where + [Problem.reopen_count > 0,
                                          Problem.state.not_in(DONE_STATES)])
    board.sign_days = _median_between(Problem.assigned_at, Problem.signed_at, where)
    board.report_days = _median_between(Problem.signed_at, Problem.reported_at, where)
    board.approve_days = _median_between(Problem.reported_at, Problem.resolved_at, where)
    board.reviews = dict(db.session.execute(
        _base([ProblemReview.verdict, func.count(ProblemReview.id)], where)
        .join(ProblemReview, ProblemReview.problem_id == Problem.id)
        .group_by(ProblemReview.verdict)).all())
    board.overdue_count = _count(where + [overdue_clause()])
    board.overdue = list(db.session.scalars(
        problem_list_query(scope).where(overdue_clause()).order_by(None)
        .order_by(Problem.deadline, Problem.id).limit(OVERDUE_SHOWN)))
    board.participation = participation(scope)
    board.outcomes = outcome_totals(*where.conditions)
    return board


@dataclass(frozen=True)
class Where:
    """The scope's conditions; the problems are joined with their posts only when a condition
    needs them (a salon or a reporter's unit): every figure reads the problem table alone
    otherwise, at about half the cost on a large ledger."""

    conditions: tuple
    joins_post: bool = False

    def __add__(self, more: list) -> "Where":
        return Where(self.conditions + tuple(more), self.joins_post)


def _base(columns, where: Where):
    query = db.select(*columns).select_from(Problem)
    if where.joins_post:
        query = query.join(Problem.post)
    return query.where(*where.conditions)


def _count(where) -> int:
    return _scalar(func.count(Problem.id), where)


def _scalar(column, where) -> int:
    return db.session.scalar(_base([column], where)) or 0


def _counts(column, where) -> dict:
    rows = db.session.execute(_base([column, func.count(Problem.id)], where).group_by(column))
    return {key: count for key, count in rows}


def _answers(current, earlier, where) -> dict[str, int]:
    """The reporters' answers: the one standing on each problem and those kept with results
    that did not stand (a 不满意 reopens the problem, and still counts: history, not current)."""
    counts = {key: count for key, count in _counts(current, where).items() if key}
    rows = db.session.execute(
        _base([earlier, func.count(ProblemResult.id)], where)
        .join(ProblemResult, ProblemResult.problem_id == Problem.id).group_by(earlier))
    for key, count in rows:
        if key:
            counts[key] = counts.get(key, 0) + count
    return counts


def _by_unit(where) -> list[UnitRow]:
    """Per responsible unit: total, open, resolved, overdue (unassigned problems last)."""
    is_open = func.sum(db.case((Problem.state.in_(("assigned", "in_progress")), 1), else_=0))
    is_done = func.sum(db.case((Problem.state.in_(DONE_STATES), 1), else_=0))
    is_late = func.sum(db.case((overdue_clause(), 1), else_=0))
    rows = db.session.execute(
        _base([Problem.responsible_unit_id, func.count(Problem.id), is_open, is_done, is_late],
              where).group_by(Problem.responsible_unit_id))
    units = {u.id: u for u in db.session.scalars(db.select(Unit))}
    result = [UnitRow(units.get(uid), total, open_ or 0, done or 0, late or 0)
              for uid, total, open_, done, late in rows]
    return sorted(result, key=lambda r: (r.unit is None, -r.total, r.unit.name if r.unit else ""))


def _by_salon(where) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        _base([Salon.month, Salon.number, func.count(Problem.id)],
              Where(where.conditions, joins_post=True))
        .join(Post.salon).group_by(Salon.month, Salon.number).order_by(Salon.month))
    return [(month, f"第{number}期（{month}）", count) for month, number, count in rows]


def _median_days(where) -> tuple[int, float | None]:
    """Median days from raised to resolved, over resolved and confirmed problems."""
    rows = db.session.execute(
        _base([Problem.created_at, Problem.resolved_at],
              where + [Problem.state.in_(DONE_STATES), Problem.resolved_at.is_not(None)]))
    days = [(resolved - raised).total_seconds() / 86400 for raised, resolved in rows]
    return len(days), (round(median(days), 1) if days else None)


def _median_between(start, end, where) -> float | None:
    """Median days between two moments of the work order, where both are known."""
    rows = db.session.execute(_base([start, end], where + [start.is_not(None), end.is_not(None)]))
    days = [(b - a).total_seconds() / 86400 for a, b in rows if b >= a]
    return round(median(days), 1) if days else None


def participation(scope: ProblemFilters) -> list[Participation]:
    """Per unit with officers: posts, problems raised, sign-ups and attendance in the period."""
    period_posts = [Post.status == "submitted"]
    if scope.start:
        period_posts.append(Post.created_at >= datetime.combine(scope.start, time()))
    if scope.end:
        period_posts.append(Post.created_at < datetime.combine(scope.end + timedelta(1), time()))
    period_salons = []
    if scope.start:
        period_salons.append(Salon.month >= f"{scope.start:%Y-%m}")
    if scope.end:
        period_salons.append(Salon.month <= f"{scope.end:%Y-%m}")

    officers = dict(db.session.execute(
        db.select(User.unit_id, func.count(User.id))
        .where(User.active.is_(True), User.role != "admin").group_by(User.unit_id)).all())
    posts = _grouped(db.select(Post.unit_id, func.count(Post.id)).where(*period_posts)
                     .group_by(Post.unit_id))
    problems = _grouped(db.select(Post.unit_id, func.count(Post.id))
                        .where(*period_posts, Post.kind == "problem").group_by(Post.unit_id))
    signup_query = (db.select(User.unit_id, func.count(SignUp.id),
                              func.sum(db.case((SignUp.attended.is_(True), 1), else_=0)))
                    .join(SignUp.user).join(SignUp.salon).where(*period_salons)
                    .group_by(User.unit_id))
    signups = {uid: (count, attended or 0)
               for uid, count, attended in db.session.execute(signup_query)}
    units = db.session.scalars(db.select(Unit).order_by(Unit.kind.desc(), Unit.name)).all()
    rows = [Participation(u, officers.get(u.id, 0), posts.get(u.id, 0), problems.get(u.id, 0),
                          *signups.get(u.id, (0, 0)))
            for u in units if officers.get(u.id) or posts.get(u.id)]
    if scope.unit:
        rows = [r for r in rows if r.unit.id == scope.unit]
    return rows


def _grouped(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())

