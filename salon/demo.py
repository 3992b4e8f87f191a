"""`flask demo`: realistic demo data, then every feature's own `demo.seed()`."""
import unicodedata
from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.security import check_password_hash, generate_password_hash

from . import demo_data as data
from .accounts.models import User
from .accounts.services import create_user, get_or_create_unit
from .extensions import db
from .notifications.models import Notification
from .posts import review
from .posts.models import Post
from .posts.services import PostInput, add_comment, create_post
from .salons import rhythm
from .salons import services as salons
from .salons.models import Salon
from .timeutil import now


class DemoError(click.ClickException):
    """The demo data cannot be loaded; one line says why."""


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="数据库中已有用户时什么也不做（正常退出）。")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """载入演示数据：单位、各角色用户、三期沙龙、稿件与问题。"""
    if database_has_users():
        if if_empty:
            click.echo("数据库中已有用户，未载入演示数据。")
            print_accounts("演示账号（仍用演示密码）：", unchanged_demo_accounts())
            return
        raise DemoError("数据库中已有用户，拒绝载入演示数据（只在空库时载入请加 --if-empty）。")
    try:
        with review.paused():  # the demo's history was published before review was on
            users = load_demo()
        run_feature_seeds()
        db.session.commit()
    except Exception as error:  # one clear line for the operator, nothing half-written
        db.session.rollback()
        raise DemoError(f"载入演示数据失败：{error}") from error
    print_summary(users)


def database_has_users() -> bool:
    """True when any user exists; a missing schema is reported as such."""
    try:
        return db.session.scalar(db.select(User.id).limit(1)) is not None
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        raise DemoError("数据库尚未初始化，请先运行 flask db upgrade。") from None


def load_demo() -> list[tuple[User, str]]:
    """Units, users, three salons with sign-ups, posts, problems and comments (flushed)."""
    for name, kind in data.UNITS:
        get_or_create_unit(name, kind)
    users = create_users()
    by_name = {user.username: user for user, _ in users}
    months = recent_months(len(data.SALONS))
    posts: list[Post] = []
    for index, (spec, month) in enumerate(zip(data.SALONS, months, strict=True)):
        salon = create_salon(index, spec, month, by_name)
        posts += create_posts(salon, index, by_name)
        finish_salon(salon, spec, index, by_name)
    create_comments(posts, by_name)
    db.session.flush()
    return users


def create_users() -> list[tuple[User, str]]:
    """Users of every role; passwords are hashed once each (scrypt is slow on purpose)."""
    hashes = {}
    users = []
    for username, name, unit, role, police_no in data.USERS:
        password = data.ADMIN_PASSWORD if role == "admin" else data.DEMO_PASSWORD
        if password not in hashes:
            hashes[password] = generate_password_hash(password, method="scrypt")
        user = create_user(username, name, unit, role, police_no=police_no,
                           unit_head=username in data.UNIT_HEADS)
        user.password_hash = hashes[password]
        users.append((user, password))
    db.session.flush()
    return users


def recent_months(count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, ending with this month."""
    first = now().date().replace(day=1)
    months = [first]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def create_salon(index: int, spec: tuple, month: date, users: dict) -> Salon:
    """One salon in planning with its agenda and sign-ups, then opened for posts."""
    topic, description, agenda, _minutes, _status = spec
    salon = salons.create_salon(f"{month:%Y-%m}", topic, description,
                                datetime(month.year, month.month, 26, 14, 30), data.PLACE,
                                record=True)
    salon.created_at = datetime(month.year, month.month, 1, 9, 0)
    salons.set_agenda(salon, agenda)
    for username, _attended in data.SIGNUPS[index]:
        salons.sign_up(salon, users[username])
    salons.advance_status(salon, "open")
    backdate_opening_messages(salon)
    return salon


def backdate_opening_messages(salon: Salon) -> None:
    """The 开始征稿 message dates from the salon's opening, and is read once its month is past."""
    db.session.flush()
    past = salon.starts_at < now()
    db.session.execute(db.update(Notification)
                       .where(Notification.dedupe_key == f"salon:{salon.id}:open")
                       .values(created_at=salon.created_at,
                               read_at=salon.created_at + timedelta(hours=2) if past else None))


def finish_salon(salon: Salon, spec: tuple, index: int, users: dict) -> None:
    """Hold the salon, record attendance and minutes, publish it, as far as the spec says."""
    _topic, _description, _agenda, minutes, status = spec
    meeting = salon.starts_at.date()  # set after the posts: a past call would refuse them
    salon.call_deadline, salon.signup_deadline = meeting.replace(day=20), meeting.replace(day=24)
    if status == "open":
        return
    salons.advance_status(salon, "held")
    present = {users[name].id for name, attended in data.SIGNUPS[index] if attended}
    db.session.flush()
    salons.mark_attendance(salon, present)
    signed = {name for name, _attended in data.SIGNUPS[index]}
    walk_in = next(user for name, user in users.items()
                   if name not in signed and user.role == "officer")
    rhythm.mark_walk_in(salon, walk_in)
    salons.save_minutes(salon, minutes)
    if status == "published":
        salons.advance_status(salon, "published")


def create_posts(salon: Salon, index: int, users: dict) -> list[Post]:
    """The salon's posts through the posts service, dated inside the salon's month."""
    posts = []
    specs = [spec for spec in data.POSTS if spec["salon"] == index]
    for number, spec in enumerate(specs):
        flags = spec["flags"].split()
        sara = {name: spec[name] for name in ("scan", "analysis", "proposal", "source")
                if name in spec}
        post = create_post(users[spec["author"]], PostInput(
            kind=spec["kind"], title=spec["title"], body=spec["body"], salon=salon,
            tags=spec["tags"], problem=sara, submit="draft" not in flags))
        post.in_bulletin, post.exemplary = "in_bulletin" in flags, "exemplary" in flags
        backdate(post, post_time(salon, number, len(specs)))
        posts.append(post)
    db.session.flush()
    return posts


def backdate(post: Post, moment: datetime) -> None:
    """Demo posts were written over the month, not all this second."""
    post.created_at = post.updated_at = moment
    problem = post.problem
    if problem is not None:  # not flushed yet, so its first event may still be dated
        problem.created_at = moment
        for event in problem.events:
            event.at = moment


def post_time(salon: Salon, number: int, count: int) -> datetime:
    """Past salons: spread over days 3–24 of the month; the current salon: the last days."""
    if salon.status == "open" and salon.month == f"{now():%Y-%m}":
        return now() - timedelta(hours=5 * (count - number))
    year, month = map(int, salon.month.split("-"))
    return datetime(year, month, 3 + number * 21 // max(count, 1), 9 + number % 8, 15)


def create_comments(posts: list[Post], users: dict) -> None:
    """A few replies under the posts, a few hours after each post."""
    for offset, (index, username, text) in enumerate(data.COMMENTS):
        post = posts[index]
        comment = add_comment(post, users[username], text)
        comment.created_at = post.created_at + timedelta(hours=2 + offset % 5)


def run_feature_seeds() -> None:
    """Each feature's own demo data (`seed_demo()`), in the order of the feature list."""
    from .features import FEATURES

    for feature in FEATURES:
        seed = getattr(feature, "seed_demo", None)
        if seed is not None:
            seed()
            db.session.flush()


def print_summary(users: list[tuple[User, str]]) -> None:
    """What was loaded, and the demo accounts (the only time the passwords are shown)."""
    counts = {
        "单位": len(data.UNITS), "用户": len(users),
        "沙龙": db.session.scalar(db.select(db.func.count(Salon.id))),
        "稿件": db.session.scalar(db.select(db.func.count(Post.id))),
    }
    click.echo("已载入演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()) + "。")
    print_accounts("演示账号：", users)


def unchanged_demo_accounts() -> list[tuple[User, str]]:
    """The demo accounts still active with their demo password (`make run` shows them)."""
    passwords = {username: data.ADMIN_PASSWORD if role == "admin" else data.DEMO_PASSWORD
                 for username, _name, _unit, role, _police_no in data.USERS}
    users = {user.username: user for user in db.session.scalars(
        db.select(User).where(User.username.in_(passwords), User.active.is_(True)))}
    checked: dict[tuple, bool] = {}  # demo users share a hash: one scrypt check each
    found = []
    for username, password in passwords.items():
        user = users.get(username)
        if user is None or not user.password_hash:
            continue
        key = (user.password_hash, password)
        if key not in checked:
            checked[key] = check_password_hash(user.password_hash, password)
        if checked[key]:
            found.append((user, password))
    return found


def print_accounts(heading: str, users: list[tuple[User, str]]) -> None:
    """A table of accounts with their passwords (nothing when there are none)."""
    if not users:
        return
    click.echo(heading)
    rows = [("用户名", "姓名", "单位", "角色", "密码")]
    rows += [(u.username, u.name, u.unit.name, u.title_label, pw) for u, pw in users]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        line = "  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True))
        click.echo(line.rstrip())


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
