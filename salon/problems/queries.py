"""Problem queries: the filtered list (ledger), 我的待办, due and overdue."""
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import and_, false, func, or_
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import Unit, User
from ..accounts.services import responsible_units
from ..extensions import db
from ..paging import paginate
from ..posts.models import Post
from ..salons.models import Salon
from ..textnorm import ascii_int, parse_date
from ..timeutil import today
from .models import DONE_ACTIONS, OVERDUE_STATES, Problem, ProblemEvent, ProblemResult
from .workflow import DONE_STATES, SATISFACTION, STATES, WORKING

DUE_SOON_DAYS = 3
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class ProblemFilters:
    """The list's filters, parsed from query arguments; unknown values are ignored."""

    states: list[str] = field(default_factory=list)
    unit: int | None = None  # responsible unit
    from_unit: int | None = None  # the reporter's unit
    salon: str | None = None  # salon month YYYY-MM
    overdue: bool = False
    reopened: bool = False
    satisfaction: str | None = None
    on_time: bool | None = None
    start: date | None = None  # raised on or after
    end: date | None = None  # raised on or before

    @classmethod
    def from_args(cls, args) -> "ProblemFilters":
        states = [s for value in args.getlist("state") for s in value.split(",") if s in STATES]
        on_time = args.get("on_time")
        satisfaction = args.get("satisfaction")
        return cls(
            states=states,
            unit=_int(args.get("unit")),
            from_unit=_int(args.get("from_unit")),
            salon=args.get("salon") if MONTH.match(args.get("salon", "")) else None,
            overdue=args.get("overdue") == "1",
            reopened=args.get("reopened") == "1",
            satisfaction=satisfaction if satisfaction in SATISFACTION else None,
            on_time={"1": True, "0": False}.get(on_time or ""),
            start=_date(args.get("start")),
            end=_date(args.get("end")),
        )

    def to_args(self, **changes) -> dict:
        """Query arguments that reproduce these filters (for links and exports)."""
        values = {
            "state": ",".join(self.states) or None, "unit": self.unit, "from_unit": self.from_unit,
            "salon": self.salon, "overdue": "1" if self.overdue else None,
            "reopened": "1" if self.reopened else None, "satisfaction": self.satisfaction,
            "on_time": None if self.on_time is None else ("1" if self.on_time else "0"),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.to_args())


def _int(value: str | None) -> int | None:
    return ascii_int(value)


def _date(value: str | None) -> date | None:
    return parse_date(value)


def overdue_clause():
    """SQL for 已超期: with the unit and not reported, with a deadline before today."""
    return and_(Problem.state.in_(OVERDUE_STATES), Problem.deadline.is_not(None),
                Problem.deadline < today())


@cache
def revisit_due_clause():
    """SQL for 待回访: a 群众建议 办结 and no 回访 since its latest 办结 (a citizen who was not
    satisfied reopened it; the new result is to be put to them again). Built once: it depends
    on nothing, and building its aliased subqueries anew weighed on every page's badge
    (README: 督办工单前后)."""
    done, visit = aliased(ProblemEvent), aliased(ProblemEvent)
    last_done = (db.select(func.max(done.id))
                 .where(done.problem_id == Problem.id, done.action.in_(DONE_ACTIONS))
                 .correlate(Problem).scalar_subquery())
    revisited = (db.select(visit.id)
                 .where(visit.problem_id == Problem.id, visit.action == "revisit",
                        visit.id > func.coalesce(last_done, 0))
                 .correlate(Problem).exists())
    return and_(Problem.source == "public", Problem.state.in_(DONE_STATES), ~revisited)


def on_time_clause():
    """SQL for 办结 and reported by the deadline (the day of the deadline counts as on time)."""
    return and_(Problem.state.in_(DONE_STATES), Problem.deadline.is_not(None),
                func.date(Problem.reported_at) <= Problem.deadline)


def late_clause():
    """Resolved after the deadline, or still open past it."""
    resolved_late = and_(Problem.state.in_(DONE_STATES), Problem.deadline.is_not(None),
                         func.date(Problem.reported_at) > Problem.deadline)
    return or_(resolved_late, overdue_clause())


def needs_post(filters: ProblemFilters) -> bool:
    """Whether filter_conditions(filters) refers to the problem's post (joined with Post)."""
    return bool(filters.from_unit or filters.salon)


def filter_conditions(filters: ProblemFilters) -> list:
    """WHERE conditions for these filters (Problem joined with Post)."""
    conditions = []
    if filters.states:
        conditions.append(Problem.state.in_(filters.states))
    if filters.unit:
        conditions.append(Problem.responsible_unit_id == filters.unit)
    if filters.from_unit:
        conditions.append(Post.unit_id == filters.from_unit)
    if filters.salon:
        conditions.append(Post.salon.has(Salon.month == filters.salon))
    if filters.overdue:
        conditions.append(overdue_clause())
    if filters.reopened:
        conditions.append(Problem.reopen_count > 0)
    if filters.satisfaction:
        # the reporter's answer now, or one kept with an earlier result (the 看板 counts both)
        conditions.append(or_(Problem.satisfaction == filters.satisfaction, Problem.id.in_(
            db.select(ProblemResult.problem_id).where(
                ProblemResult.satisfaction == filters.satisfaction))))
    if filters.on_time is True:
        conditions.append(on_time_clause())
    elif filters.on_time is False:
        conditions.append(late_clause())
    if filters.start:
        conditions.append(Problem.created_at >= datetime.combine(filters.start, time()))
    if filters.end:
        next_day = datetime.combine(filters.end + timedelta(days=1), time())
        conditions.append(Problem.created_at < next_day)
    return conditions


def problem_list_query(filters: ProblemFilters | None = None, with_details: bool = False):
    """Problems matching the filters, newest first, with what a list shows loaded up front."""
    options = [
        selectinload(Problem.post).selectinload(Post.author),
        selectinload(Problem.post).selectinload(Post.unit),
        selectinload(Problem.post).selectinload(Post.salon),
        selectinload(Problem.responsible_unit),
    ]
    if with_details:
        options += [selectinload(Problem.instructions), selectinload(Problem.figures),
                    selectinload(Problem.events), selectinload(Problem.stages),
                    selectinload(Problem.results), selectinload(Problem.reviews)]
    query = (db.select(Problem).join(Problem.post)
             .where(*filter_conditions(filters or ProblemFilters())).options(*options))
    return query.order_by(Problem.created_at.desc(), Problem.id.desc())


EXPORT_BATCH = 500


def count_problems(filters: ProblemFilters) -> int:
    return db.session.scalar(
        db.select(db.func.count(Problem.id)).join(Problem.post)
        .where(*filter_conditions(filters))) or 0


def problems_in_batches(filters: ProblemFilters, size: int | None = None) -> Iterator[list]:
    """The list in order, a batch at a time with every detail loaded: an export of any size
    holds one batch in memory (the ids first, then each batch by its ids)."""
    size = size or EXPORT_BATCH
    ids = list(db.session.scalars(
        db.select(Problem.id).join(Problem.post).where(*filter_conditions(filters))
        .order_by(Problem.created_at.desc(), Problem.id.desc())))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        loaded = {p.id: p for p in db.session.scalars(
            problem_list_query(ProblemFilters(), with_details=True)
            .where(Problem.id.in_(chunk)).order_by(None))}
        yield [loaded[i] for i in chunk if i in loaded]


def load_problem(problem_id: int) -> Problem | None:
    """One problem with everything its page shows."""
    return db.session.scalar(
        db.select(Problem).where(Problem.id == problem_id).options(
            selectinload(Problem.post).selectinload(Post.author),
            selectinload(Problem.post).selectinload(Post.salon),
            selectinload(Problem.responsible_unit),
            selectinload(Problem.instructions), selectinload(Problem.figures),
            selectinload(Problem.events), selectinload(Problem.stages),
            selectinload(Problem.results), selectinload(Problem.reviews)))


def units_for_assignment() -> list[Unit]:
    """The units a problem may be assigned to (never 局党委)."""
    return responsible_units()


def salon_months() -> list[tuple[str, str]]:
    """(month, label) of every salon, newest first, for the filter."""
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all()
    return [(s.month, s.label) for s in salons]


# 我的待办 ------------------------------------------------------------------------------

# Every kind of item that waits on somebody: (key, whose, title, what "none" reads).
TODO_KINDS = {
    "to_accept": ("desk", "待受理（已提出）", "没有待受理的问题。"),
    "to_assign": ("desk", "待交办（已受理）", "没有待交办的问题。"),
    "extensions": ("desk", "待审批的延期申请", "没有待审批的延期申请。"),
    "revisits_due": ("desk", "待回访的群众建议", "没有待回访的群众建议。"),
    "reviews_due": ("desk", "到期的回头看", "没有到期的回头看。"),
    "overdue": ("desk", "已超期、待催办", "没有已超期的问题。"),
    "to_approve": ("leader", "待审核的报结", "没有待审核的报结。"),
    "to_sign": ("unit", "交办本单位、待签收", "本单位没有待签收的问题。"),
    "in_hand": ("unit", "本单位办理中", "本单位没有办理中的问题。"),
    "to_confirm": ("reporter", "待我确认的办理结果", "没有待确认的办理结果。"),
}


def todo_conditions(user: User) -> dict[str, object]:
    """What waits on this user, by kind: the desk receives, assigns, extends, revisits and
    reviews; leaders approve; the unit signs and works; the reporter confirms."""
    mine = {
        "to_accept": Problem.state == "raised",
        "to_assign": Problem.state == "accepted",
        "extensions": and_(Problem.state.in_(WORKING), Problem.extension_until.is_not(None)),
        "revisits_due": revisit_due_clause(),
        "reviews_due": and_(Problem.state.in_(DONE_STATES), Problem.review_due <= today()),
        "overdue": overdue_clause(),
        "to_approve": Problem.state == "reported",
        "to_sign": and_(Problem.responsible_unit_id == user.unit_id, Problem.state == "assigned"),
        "in_hand": and_(Problem.responsible_unit_id == user.unit_id,
                        Problem.state == "in_progress"),
        "to_confirm": and_(Post.author_id == user.id, Problem.state == "resolved"),
    }
    whose = {"desk": user.has_role("organizer"), "leader": user.has_role("leader"),
             "unit": not user.has_role("admin") and user.unit_id is not None,
             "reporter": not user.has_role("admin")}
    return {kind: mine[kind] for kind, (who, _, _) in TODO_KINDS.items() if whose[who]}


def todo_count(user: User) -> int:
    """The badge in the navigation: one COUNT query."""
    conditions = todo_conditions(user) if user.is_authenticated else {}
    condition = or_(*conditions.values()) if conditions else false()
    return db.session.scalar(
        db.select(func.count(Problem.id)).join(Problem.post).where(condition)) or 0


def todo_lists(user: User, paging_of) -> dict[str, object]:
    """The 我的待办 page: each kind with one page of its problems (`paging_of(kind)`)."""
    return {kind: paginate(problem_list_query().where(condition), paging_of(kind))
            for kind, condition in todo_conditions(user).items()}


def due_soon_and_overdue(unit_id: int | None = None, limit: int | None = None) -> list[Problem]:
    """Open problems with a deadline within DUE_SOON_DAYS days or past it, soonest first."""
    query = problem_list_query().where(
        Problem.state.in_(OVERDUE_STATES), Problem.deadline.is_not(None),
        Problem.deadline <= today() + timedelta(days=DUE_SOON_DAYS))
    if unit_id is not None:
        query = query.where(Problem.responsible_unit_id == unit_id)
    query = query.order_by(None).order_by(Problem.deadline, Problem.id)
    return list(db.session.scalars(query if limit is None else query.limit(limit)))
