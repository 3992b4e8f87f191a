"""Salons, posts and problems for the bulletin tests, made with the models directly."""
from datetime import date, datetime, timedelta

from salon.accounts.models import Unit, User
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.models import Instruction, OutcomeFigure, Problem
from salon.salons.models import Salon, SignUp

PARAGRAPH = ("社区民警要把工作做在平时，做在群众身边。我们坚持每周走访辖区商户和出租房屋，"
             "建立了网格化的信息台账，做到底数清、情况明。")


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def unit(name: str) -> Unit:
    found = db.session.scalar(db.select(Unit).filter_by(name=name))
    if found is None:
        found = Unit(name=name, kind="station")
        db.session.add(found)
    return found


def salon(number: int, month: str, status: str = "held", topic: str | None = None) -> Salon:
    made = Salon(number=number, month=month, topic=topic or f"第{number}期主题：社区警务",
                 description="围绕**社区警务**开展交流。", status=status, place="局三楼会议室",
                 starts_at=datetime(int(month[:4]), int(month[5:]), 20, 14, 30))
    db.session.add(made)
    db.session.flush()
    return made


def post(salon_: Salon, title: str, *, kind: str = "experience", author: str = "officer",
         body: str | None = None, status: str = "submitted", **flags) -> Post:
    writer = user(author)
    made = Post(kind=kind, title=title, body=body or f"{PARAGRAPH}\n\n{title}的做法。",
                author=writer, unit=writer.unit, salon=salon_, status=status,
                created_at=datetime(int(salon_.month[:4]), int(salon_.month[5:]), 5, 9), **flags)
    db.session.add(made)
    db.session.flush()
    return made


def problem(post_: Post, state: str = "raised", *, deadline: date | None = None,
            unit_name: str | None = None, outcome: str = "") -> Problem:
    made = Problem(post=post_, state=state, deadline=deadline, outcome=outcome,
                   responsible_unit=unit(unit_name) if unit_name else None,
                   created_at=post_.created_at + timedelta(days=1))
    db.session.add(made)
    db.session.flush()
    return made


def instruct(problem_: Problem, text: str) -> Instruction:
    made = Instruction(problem=problem_, leader=user("leader"), text=text,
                       at=problem_.created_at + timedelta(days=2))
    db.session.add(made)
    return made


def figure(problem_: Problem, label: str, value: float, unit_: str) -> None:
    db.session.add(OutcomeFigure(problem=problem_, label=label, value=value, unit=unit_))


def signup(salon_: Salon, username: str, attended: bool | None) -> None:
    db.session.add(SignUp(salon=salon_, user=user(username), attended=attended))


def signed_off(salon_: Salon, organizer: str = "organizer", leader: str = "leader") -> None:
    """送审 by the organizer and 签发 by a leader, through the sign-off service (committed)."""
    from salon.bulletin.content import bulletin_for
    from salon.signoff.services import sign, submit

    bulletin = bulletin_for(salon_)
    submit("bulletin", bulletin.id, user(organizer))
    sign("bulletin", bulletin.id, user(leader))
    db.session.commit()
