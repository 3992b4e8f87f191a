"""What goes into a bulletin: the salon, the chosen posts, problems, attendance and figures."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..extensions import db
from ..markup import as_html
from ..posts.models import Post
from ..problems.models import Instruction, Problem, ProblemReview
from ..problems.outcomes import OutcomeTotal, outcome_totals
from ..problems.workflow import DONE_STATES, OPEN_STATES, STATES
from ..salons.models import AgendaItem, Salon, SignUp
from ..timeutil import today
from . import charts
from .models import Bulletin


@dataclass
class Lookback:
    """A still-open problem from an earlier salon (回头看)."""

    problem: Problem
    salon: Salon
    owner: str
    days_open: int


@dataclass
class AttendanceRow:
    unit: str
    signed_up: int
    attended: list[str]


@dataclass
class BulletinContent:
    """Everything the template needs, gathered in a fixed number of queries."""

    salon: Salon
    bulletin: Bulletin
    title: str
    editor_unit: str
    signed_on: date | None  # the leader's 签发 date (None: not signed yet)
    distribution: dict[str, list[str]]
    print_count: int
    experiences: list[Post]
    problems: list[Post]
    lookback: list[Lookback]
    attendance: list[AttendanceRow]
    charts: dict[str, bytes] = field(default_factory=dict)
    # 回头看 proper: 办结 problems re-checked for relapse since the previous issue.
    reviews: list[ProblemReview] = field(default_factory=list)
    # Problems of earlier salons 办结 since the previous issue, and what they achieved.
    done_since: list[Problem] = field(default_factory=list)
    outcomes: list[OutcomeTotal] = field(default_factory=list)
    since: datetime | None = None
    agenda: list[AgendaItem] = field(default_factory=list)
    minutes: str = ""  # the 纪要 as sanitised HTML
    signer: str | None = None  # 签发人: the leader whose signature counts for this content
    words_fingerprint: str | None = None  # what a leader signs (signing.words_of)

    @property
    def articles(self) -> list[Post]:
        return self.experiences + self.problems

    @property
    def issue_label(self) -> str:
        return f"第{self.salon.number}期"

    @property
    def month_label(self) -> str:
        year, month = self.salon.month.split("-")
        return f"{year}年{int(month)}月"


def bulletin_for(salon: Salon, create: bool = True) -> Bulletin:
    """The salon's bulletin settings; created on first use (not committed here), or for
    reading only an unsaved empty one, so that looking at a page writes nothing."""
    bulletin = db.session.scalar(db.select(Bulletin).filter_by(salon_id=salon.id))
    if bulletin is None:
        bulletin = Bulletin(salon_id=salon.id, editor_note="")
        if create:
            db.session.add(bulletin)
            db.session.flush()
    return bulletin


def chosen_posts(salon: Salon) -> list[Post]:
    """Posts marked 入选专刊; when none are, every submitted post of the salon."""
    query = (
        db.select(Post)
        .where(Post.salon_id == salon.id, Post.status == "submitted")
        .options(
            selectinload(Post.author),
            selectinload(Post.unit),
            selectinload(Post.problem).selectinload(Problem.responsible_unit),
            selectinload(Post.problem).selectinload(Problem.instructions)
            .selectinload(Instruction.leader),
            selectinload(Post.problem).selectinload(Problem.figures),
        )
        .order_by(Post.exemplary.desc(), Post.created_at, Post.id)
    )
    marked = db.session.scalars(query.where(Post.in_bulletin)).all()
    return list(marked) or list(db.session.scalars(query).all())


def has_posts(salon: Salon) -> bool:
    """Whether the salon has any submitted post (a bulletin needs at least one)."""
    return bool(db.session.scalar(
        db.select(db.func.count(Post.id)).where(Post.salon_id == salon.id,
                                                Post.status == "submitted")
    ))


def lookback(salon: Salon, as_of: date | None = None) -> list[Lookback]:
    """Every problem from an earlier salon that is not yet resolved, oldest salon first
    (days open counted to `as_of`, default today)."""
    rows = db.session.execute(
        db.select(Problem, Salon)
        .join(Post, Problem.post_id == Post.id)
        .join(Salon, Post.salon_id == Salon.id)
        .where(Salon.number < salon.number, Problem.state.in_(OPEN_STATES))
        .options(selectinload(Problem.responsible_unit),
                 selectinload(Problem.post).selectinload(Post.unit))
        .order_by(Salon.number, Problem.created_at, Problem.id)
    ).all()
    day = as_of or today()
    return [
        Lookback(
            problem=problem,
            salon=earlier,
            owner=(problem.responsible_unit or problem.post.unit).name,
            days_open=(day - problem.created_at.date()).days,
        )
        for problem, earlier in rows
    ]


def since_last_issue(salon: Salon) -> datetime | None:
    """Where this issue's 回头看 begins: when the previous salon met (None: the first)."""
    previous = db.session.scalar(db.select(Salon).where(Salon.number < salon.number)
                                 .order_by(Salon.number.desc()).limit(1))
    if previous is None:
        return None
    year, month = previous.month.split("-")
    return previous.starts_at or datetime(int(year), int(month), 1)


def _earlier(salon: Salon):
    return (db.select(Post.id).join(Salon, Post.salon_id == Salon.id)
            .where(Salon.number < salon.number))


def reviews(salon: Salon, since: datetime | None = None) -> list[ProblemReview]:
    """回头看 checks (巩固 or 反弹, with figures) since `since` on earlier salons' problems."""
    query = (db.select(ProblemReview).join(Problem, ProblemReview.problem_id == Problem.id)
             .where(Problem.post_id.in_(_earlier(salon)))
             .options(selectinload(ProblemReview.problem).selectinload(Problem.post),
                      selectinload(ProblemReview.problem).selectinload(Problem.responsible_unit))
             .order_by(ProblemReview.at, ProblemReview.id))
    if since is not None:
        query = query.where(ProblemReview.at >= since)
    return list(db.session.scalars(query))


def done_since(salon: Salon, since: datetime | None = None) -> list[Problem]:
    """Earlier salons' problems 办结 (and still so) since `since`, in the order they closed."""
    query = (db.select(Problem).where(Problem.post_id.in_(_earlier(salon)),
                                      Problem.state.in_(DONE_STATES))
             .options(selectinload(Problem.post), selectinload(Problem.responsible_unit),
                      selectinload(Problem.figures))
             .order_by(Problem.resolved_at, Problem.id))
    if since is not None:
        query = query.where(Problem.resolved_at >= since)
    return list(db.session.scalars(query))


def outcomes(salon: Salon, since: datetime | None = None) -> list[OutcomeTotal]:
    """本期成效: the figures of every problem (this salon's or earlier) 办结 since `since`."""
    conditions = [Post.salon_id.in_(db.select(Salon.id).where(Salon.number <= salon.number))]
    if since is not None:
        conditions.append(Problem.resolved_at >= since)
    return outcome_totals(*conditions)


def attendance(salon: Salon) -> list[AttendanceRow]:
    """Who signed up and who came, by unit."""
    signups = db.session.scalars(
        db.select(SignUp).where(SignUp.salon_id == salon.id)
        .options(selectinload(SignUp.user).selectinload(User.unit))
        .order_by(SignUp.created_at, SignUp.id)
    ).all()
    by_unit: dict[str, list[SignUp]] = defaultdict(list)
    for signup in signups:
        by_unit[signup.user.unit.name].append(signup)
    return [
        AttendanceRow(unit, len(rows), [s.user.name for s in rows if s.attended])
        for unit, rows in sorted(by_unit.items())
    ]


def salon_charts(salon: Salon) -> dict[str, bytes]:
    """Posts by unit and the salon's problems by state, as SVG."""
    unit_counts = db.session.execute(
        db.select(Post.unit_id, db.func.count(Post.id))
        .where(Post.salon_id == salon.id, Post.status == "submitted")
        .group_by(Post.unit_id)
    ).all()
    from ..accounts.models import Unit

    names = dict(db.session.execute(db.select(Unit.id, Unit.name)).all())
    by_unit = sorted(((names[u], n) for u, n in unit_counts), key=lambda r: (-r[1], r[0]))
    states = Counter(db.session.scalars(
        db.select(Problem.state).join(Post, Problem.post_id == Post.id)
        .where(Post.salon_id == salon.id)
    ).all())
    by_state = [(label, states[key]) for key, label in STATES.items() if states[key]]
    result = {"posts-by-unit.svg": charts.posts_by_unit(by_unit)}
    if by_state:
        result["problems-by-state.svg"] = charts.problems_by_state(by_state)
    return result


def gather(salon: Salon, as_of: date | None = None) -> BulletinContent:
    """Collect a salon's bulletin content, as of a day (default today): the content a leader
    signs; `signing.issue_content` adds the 签发人 and date where a signature counts."""
    config = current_app.config
    bulletin = bulletin_for(salon, create=False)
    posts = chosen_posts(salon)
    since = since_last_issue(salon)
    content = BulletinContent(
        salon=salon,
        bulletin=bulletin,
        title=config["BULLETIN_TITLE"],
        editor_unit=config["BULLETIN_EDITOR_UNIT"],
        signed_on=None,
        distribution=config["BULLETIN_DISTRIBUTION"],
        print_count=bulletin.print_count or config["BULLETIN_PRINT_COUNT"],
        experiences=[p for p in posts if p.kind == "experience"],
        problems=[p for p in posts if p.kind == "problem"],
        lookback=lookback(salon, as_of),
        reviews=reviews(salon, since),
        done_since=done_since(salon, since),
        outcomes=outcomes(salon, since),
        since=since,
        agenda=list(salon.agenda),
        minutes=as_html(salon.minutes_html) if salon.minutes else "",
        attendance=attendance(salon),
        charts=salon_charts(salon),
    )
    return content
