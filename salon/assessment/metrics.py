"""What the platform itself measures per unit and period (the computed indicators): one grouped
query per measure, whatever the number of units."""
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func

from ..accounts.models import User
from ..extensions import db
from ..lectures.services import lecture_counts
from ..posts.models import Post
from ..problems.models import Problem, ProblemResult
from ..salons.models import Salon, SignUp
from ..suggestions.models import Suggestion
from .scoring import Period

PLEASED = ("satisfied", "basically")


def _between(column, period: Period) -> list:
    return [column >= datetime.combine(period.start, time()),
            column < datetime.combine(period.end + timedelta(days=1), time())]


def _grouped(query) -> dict[int, float]:
    return {unit_id: float(count or 0) for unit_id, count in db.session.execute(query).all()}


def _rate(query) -> dict[int, float]:
    """(unit, hits, total) rows → percentage per unit (units with no total are absent)."""
    return {unit_id: round(hits / total * 100, 2) for unit_id, hits, total
            in db.session.execute(query).all() if total}


def measure(period: Period) -> dict[str, dict[int, float]]:
    """metric → unit id → value. Counts: a unit with nothing is absent (0); rates: absent means
    there was nothing to count (无数据)."""
    posts = [Post.status == "submitted", *_between(Post.created_at, period)]
    salons = [Salon.month >= f"{period.start:%Y-%m}", Salon.month <= f"{period.end:%Y-%m}"]
    signups = (db.select(User.unit_id, func.count(SignUp.id),
                         func.sum(db.case((SignUp.attended.is_(True), 1), else_=0)))
               .join(SignUp.user).join(SignUp.salon).where(*salons).group_by(User.unit_id))
    signup_rows = db.session.execute(signups).all()
    due = [Problem.deadline >= period.start, Problem.deadline <= period.end,
           Problem.responsible_unit_id.is_not(None)]
    on_time = and_(Problem.reported_at.is_not(None),
                   func.date(Problem.reported_at) <= Problem.deadline)
    resolved = [*_between(Problem.resolved_at, period), Problem.responsible_unit_id.is_not(None)]
    verdicts = _verdicts(period)
    return {
        "posts": _grouped(db.select(Post.unit_id, func.count(Post.id)).where(*posts)
                          .group_by(Post.unit_id)),
        "problems_raised": _grouped(db.select(Post.unit_id, func.count(Post.id))
                                    .where(*posts, Post.kind == "problem").group_by(Post.unit_id)),
        "signups": {u: float(n) for u, n, _ in signup_rows},
        "attendance": {u: float(a or 0) for u, _, a in signup_rows},
        "on_time_rate": _rate(
            db.select(Problem.responsible_unit_id,
                      func.sum(db.case((on_time, 1), else_=0)), func.count(Problem.id))
            .where(*due).group_by(Problem.responsible_unit_id)),
        "reopen_rate": _rate(
            db.select(Problem.responsible_unit_id,
                      func.sum(db.case((Problem.reopen_count > 0, 1), else_=0)),
                      func.count(Problem.id))
            .where(*resolved).group_by(Problem.responsible_unit_id)),
        "satisfaction_rate": verdicts,
        "exemplary": _grouped(db.select(Post.unit_id, func.count(Post.id))
                              .where(*posts, Post.exemplary.is_(True)).group_by(Post.unit_id)),
        "lectures": {u: float(n) for u, n in lecture_counts(period.start, period.end).items()},
        "suggestions_taken": _grouped(
            db.select(Suggestion.unit_id, func.count(Suggestion.id))
            .where(Suggestion.status.in_(("adopted", "merged")),
                   Suggestion.unit_id.is_not(None), *_between(Suggestion.triaged_at, period))
            .group_by(Suggestion.unit_id)),
    }


def _verdicts(period: Period) -> dict[int, float]:
    """满意率: the reporter's verdict at confirm and the citizen's at 回访, of problems of the
    unit resolved in the period, counted together (满意 and 基本满意 are pleased), with the
    verdicts kept on earlier results resolved in the period."""
    rows = db.session.execute(
        db.select(Problem.responsible_unit_id, Problem.satisfaction, Problem.revisit_satisfaction)
        .where(*_between(Problem.resolved_at, period), Problem.responsible_unit_id.is_not(None))
    ).all()
    # A 不满意 that reopened a problem stays with its earlier result, and still counts.
    rows += [(unit_id, verdict, None) for unit_id, verdict in db.session.execute(
        db.select(Problem.responsible_unit_id, ProblemResult.satisfaction)
        .join(ProblemResult, ProblemResult.problem_id == Problem.id)
        .where(*_between(ProblemResult.resolved_at, period),
               Problem.responsible_unit_id.is_not(None)))]
    tally: dict[int, list[int]] = {}
    for unit_id, mine, citizen in rows:
        for verdict in (mine, citizen):
            if verdict:
                hits = tally.setdefault(unit_id, [0, 0])
                hits[0] += verdict in PLEASED
                hits[1] += 1
    return {u: round(h / n * 100, 2) for u, (h, n) in tally.items() if n}
