"""Notifications: write them in the caller's transaction, read them, mark them read.

Contract (what other features code against):

- `notify(recipients, kind, text, link="", dedupe_key=None, exclude=None) -> int`
  adds one notification per recipient in the CALLER's transaction and never commits: the
  messages commit or roll back with the event that causes them (as the search change log
  does). `recipients` is any iterable of `User` objects or user ids, repeats allowed;
  inactive users and the users in `exclude` (a user, an id, or an iterable of them, e.g. the
  actor of a step) are skipped. `kind` is a short key (see `models.KINDS`: "problem",
  "remind", "review", …), `text` one plain-text sentence in Chinese (no Markdown, no HTML;
  it is escaped when shown), `link` a site-relative URL of the subject ("/posts/12").
  With a `dedupe_key` (≤ 160 characters, e.g. f"remind:overdue:{problem.id}:{deadline}"),
  a person receives that key at most once, ever: a second call with the same key for the
  same person writes nothing, also when two transactions race (INSERT … ON CONFLICT DO
  NOTHING on the unique (user_id, dedupe_key), on SQLite and PostgreSQL). Without a key,
  every call writes. Returns how many rows were written. It flushes the session first
  (so people created in the same transaction can be told); its cost is measured by
  `benchmarks/notify_bench.py` (figures in the README).
- `unread_count(user) -> int`: the badge (one COUNT query).
- `messages_of(user, page=1, per_page=None, unread_only=False)`: a Flask-SQLAlchemy
  pagination of the user's notifications, unread first, newest first within each group.
- `mark_read(user, ids | "all") -> int`: marks the user's own notifications read (ids of
  other people's are ignored); the caller commits. Returns how many changed.
"""
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.models import User
from ..errors import InvalidInput
from ..extensions import db
from ..paging import MAX_LIMIT, MAX_PAGE, Paging, paginate
from ..timeutil import now
from .models import Notification

TEXT_MAX = 500
LINK_MAX = 300
KEY_MAX = 160
BATCH = 500  # ids per IN list


def _id_of(person) -> int:
    """A user's id without loading the user (an expired object keeps its identity)."""
    if isinstance(person, User):
        identity = inspect(person).identity
        return identity[0] if identity else person.id
    return int(person)


def _ids(people) -> set[int]:
    """User ids from a user, an id, or an iterable of them (None: nobody)."""
    if people is None:
        return set()
    if isinstance(people, (User, int)):
        people = [people]
    return {_id_of(p) for p in people}


def _active_ids(recipients: Iterable, skip: set[int]) -> list[int]:
    """The recipients' ids in first-seen order, without the skipped and the inactive
    (one query, however the recipients were given)."""
    wanted = [i for i in dict.fromkeys(_id_of(p) for p in recipients) if i not in skip]
    active: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        active.update(db.session.scalars(db.select(User.id).where(
            User.id.in_(wanted[start:start + BATCH]), User.active.is_(True))))
    return [i for i in wanted if i in active]


def _insert(dedupe: bool):
    """One row's INSERT (… ON CONFLICT DO NOTHING with a key) RETURNING the id written.

    Core, on the session's connection (so in the caller's transaction), and executed with a
    list of rows: SQLAlchemy sends them as a few multi-row statements whose compiled form
    is cached, where an ORM insert with the rows inlined is compiled anew each call."""
    table = Notification.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    if dedupe:
        statement = statement.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
    # RETURNING names only the rows written (rowcount is not reliable here on psycopg).
    return statement.returning(table.c.id)


def notify(recipients: Iterable, kind: str, text: str, link: str = "",
           dedupe_key: str | None = None, exclude=None) -> int:
    """Tell these people something, in the caller's transaction (see the module contract)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("消息内容不能为空。")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= KEY_MAX:
        raise InvalidInput(f"消息去重键须为 1–{KEY_MAX} 个字符。")
    db.session.flush()  # users created in this transaction get their ids (and rows) first
    ids = _active_ids(recipients, _ids(exclude))
    if not ids:
        return 0
    moment = now()
    rows = [{"user_id": i, "kind": kind[:20], "text": text[:TEXT_MAX], "link": link[:LINK_MAX],
             "dedupe_key": dedupe_key, "created_at": moment, "read_at": None,
             "mailed_at": None} for i in ids]
    result = db.session.connection().execute(_insert(dedupe_key is not None), rows)
    return len(result.all())


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def messages_query(user: User, unread_only: bool = False):
    """The user's notifications, unread first, then newest first."""
    query = db.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                          Notification.id.desc())


def messages_of(user: User, page: int = 1, per_page: int | None = None,
                unread_only: bool = False):
    """One page of the user's notifications (unread first, or only those), with its total."""
    per_page = per_page or current_app.config["NOTIFICATIONS_PER_PAGE"]
    # A page beyond the cap is an empty page, not an error.
    return paginate(messages_query(user, unread_only), Paging(page=min(max(1, page), MAX_PAGE),
                                                 limit=min(max(1, per_page), MAX_LIMIT)))


def mark_read(user: User, ids) -> int:
    """Mark the user's notifications read: a list of ids, or "all". The caller commits."""
    statement = db.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids != "all":
        wanted = _ids(ids)
        if not wanted:
            return 0
        statement = statement.where(Notification.id.in_(wanted))
    result = db.session.execute(statement.values(read_at=now()),
                                execution_options={"synchronize_session": False})
    return result.rowcount or 0
