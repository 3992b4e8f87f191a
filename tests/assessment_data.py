"""A hand-built quarter for the assessment tests (figures worked out in test_assessment.py)."""
from datetime import date, datetime

from salon.accounts.models import Unit, User
from salon.accounts.services import create_user
from salon.assessment.models import Figure, Indicator
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.models import Problem

from .conftest import PASSWORD_HASH


def _user(username: str, unit: str, role: str = "officer") -> User:
    user = create_user(username, username, unit, role)
    user.password_hash = PASSWORD_HASH
    return user


def indicators() -> dict[str, Indicator]:
    rows = {
        "shuxi": Indicator(code="shuxi", name="熟识率", source="entered", direction="higher",
                           weight=10, normalisation="none", rollup="mean", value_unit="%",
                           min_value=0, max_value=100, definition="熟识住户 ÷ 抽查住户",
                           position=1),
        "faan": Indicator(code="faan", name="发案率", source="entered", direction="lower",
                          weight=20, normalisation="per_10k_residents", applies_complexity=True,
                          rollup="sum", value_unit="起", min_value=0, max_value=10000,
                          definition="发案起数 ÷ 辖区人口 × 10000 ÷ 复杂程度系数", position=2),
        "posts": Indicator(code="posts", name="人均稿件", source="computed", metric="posts",
                           direction="higher", weight=5, normalisation="per_officer",
                           rollup="sum", value_unit="篇", definition="稿件 ÷ 在岗人数",
                           position=3),
        "ontime": Indicator(code="ontime", name="按期办结率", source="computed",
                            metric="on_time_rate", direction="higher", weight=5,
                            normalisation="none", rollup="none", value_unit="%",
                            definition="按期报结 ÷ 到期问题", position=4),
    }
    db.session.add_all(rows.values())
    return rows


def build_quarter() -> dict[str, Unit]:
    """城关派出所 (2 officers, 20000 residents) with 城东警务室 (1, 5000); 曹甸派出所 (4, 10000,
    complexity 1.5); 夏集派出所 (1, 8000). Figures for 2026Q4; 夏集 did not report 熟识率."""
    _user("g2", "城关派出所")
    _user("e1", "城东警务室")
    for name in ("c2", "c3", "c4"):
        _user(name, "曹甸派出所")
    _user("x1", "夏集派出所")
    units = {u.name: u for u in db.session.scalars(db.select(Unit))}
    g, e, c, x = (units[n] for n in ("城关派出所", "城东警务室", "曹甸派出所", "夏集派出所"))
    assert e.kind == "post"
    e.parent = g
    g.population, e.population, c.population, x.population = 20000, 5000, 10000, 8000
    c.complexity = 1.5
    rows = indicators()
    organizer = db.session.scalar(db.select(User).filter_by(username="organizer"))
    figures = {("shuxi", g): 80, ("shuxi", e): 60, ("shuxi", c): 90,
               ("faan", g): 10, ("faan", e): 2, ("faan", c): 12, ("faan", x): 4}
    for (code, unit), value in figures.items():
        db.session.add(Figure(unit=unit, period="2026Q4", indicator=rows[code], value=value,
                              evidence="调查表", entered_by=organizer))
    authors = {n: db.session.scalar(db.select(User).filter_by(username=n))
               for n in ("officer", "g2", "e1", "officer2", "c2")}
    in_quarter = datetime(2026, 11, 10, 9, 0)
    for name in ("officer", "g2", "e1", "officer2", "c2"):
        _post(authors[name], "submitted", in_quarter)
    _post(authors["officer"], "draft", in_quarter)  # drafts do not count
    _post(authors["g2"], "submitted", datetime(2026, 9, 30, 23, 0))  # Q3
    # problems: raised by the desk (not an assessed unit), assigned to the stations
    _problem(organizer, c, date(2026, 11, 20), datetime(2026, 11, 18, 10, 0))  # on time
    _problem(organizer, c, date(2026, 11, 25), datetime(2026, 11, 28, 10, 0))  # late
    _problem(organizer, g, date(2026, 12, 10), datetime(2026, 12, 1, 10, 0))  # on time
    _problem(organizer, g, date(2027, 1, 10), None)  # due next quarter: not counted
    db.session.commit()
    return units


def _post(author: User, status: str, at: datetime) -> Post:
    post = Post(kind="experience", title="经验", body="正文", author=author, unit=author.unit,
                status=status, created_at=at, updated_at=at)
    db.session.add(post)
    return post


def _problem(author: User, unit: Unit, deadline: date, reported: datetime | None) -> Problem:
    post = Post(kind="problem", title="问题", body="正文", author=author, unit=author.unit,
                status="submitted", created_at=datetime(2026, 9, 1),
                updated_at=datetime(2026, 9, 1))
    problem = Problem(post=post, state="resolved" if reported else "in_progress",
                      responsible_unit=unit, deadline=deadline, reported_at=reported,
                      resolved_at=reported)
    db.session.add(problem)
    return problem
