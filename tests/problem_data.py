"""Building posts and problems for the problem-tracking tests, with models and open_problem."""
from datetime import date, datetime

from salon.accounts.models import Unit, User
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.services import Figure, StepInput, open_problem, take_step
from salon.salons.models import Salon
from salon.timeutil import frozen


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def unit(name: str) -> Unit:
    return db.session.scalar(db.select(Unit).filter_by(name=name))


def salon(month: str = "2026-11", number: int | None = None) -> Salon:
    found = db.session.scalar(db.select(Salon).filter_by(month=month))
    if found:
        return found
    number = number or (db.session.scalar(db.select(db.func.max(Salon.number))) or 0) + 1
    found = Salon(number=number, month=month, topic=f"第{number}期主题", status="open")
    db.session.add(found)
    return found


def make_problem(title: str = "监控探头模糊、位置不合理", reporter: str = "officer",
                 month: str | None = "2026-11", at: datetime | None = None, commit: bool = True,
                 **fields):
    """A submitted problem post and its record in state raised (committed unless told)."""
    author = user(reporter)
    moment = at or datetime(2026, 11, 2, 9, 0)
    with frozen(moment):
        post = Post(kind="problem", title=title, body=f"{title}。巡逻也不规律。", author=author,
                    unit=author.unit, status="submitted", created_at=moment,
                    salon=salon(month) if month else None)
        db.session.add(post)
        problem = open_problem(post, author, scan=fields.pop("scan", "夜间路段案件多发"),
                               analysis=fields.pop("analysis", "探头老化"),
                               proposal=fields.pop("proposal", "新增并调整探头"), **fields)
        problem.created_at = moment
        if commit:
            db.session.commit()
    return problem


def step(problem, username: str, action: str, at: datetime | None = None, **data):
    """Take a step through the service as `username`, at a fixed time (committed)."""
    if "figures" in data:
        data["figures"] = [Figure(*f) for f in data["figures"]]
    with frozen(at or datetime(2026, 11, 3, 10, 0)):
        take_step(problem, user(username), action, StepInput(**data))
        db.session.commit()
    return problem


MEMBERS = {"曹甸派出所": "officer2", "城关派出所": "officer", "治安大队": "organizer"}


def walk(problem, to: str, unit_name: str = "曹甸派出所", deadline: date = date(2026, 12, 1),
         times: dict | None = None):
    """Move a raised problem along the main path up to state `to`."""
    times = times or {}
    path = ["accepted", "assigned", "in_progress", "reported", "resolved", "confirmed"]
    plan = {
        "accepted": ("organizer", "accept", {}),
        "assigned": ("organizer", "assign", {"unit": unit(unit_name), "deadline": deadline}),
        "in_progress": (MEMBERS[unit_name], "sign", {}),
        "reported": (MEMBERS[unit_name], "report", {
            "outcome": "新增探头并调整点位",
            "figures": [("新增探头", 16, "组"), ("调整", 27, "组")]}),
        "resolved": ("leader", "approve", {}),
        "confirmed": (None, "confirm", {"satisfaction": "satisfied", "solved": "solved"}),
    }
    for state in path[: path.index(to) + 1]:
        who, action, data = plan[state]
        at = times.get(state) or (times.get("resolved") if state == "reported" else None)
        step(problem, who or problem.post.author.username, action, at=at, **data)
    return problem
