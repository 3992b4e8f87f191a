"""Keeping the index true: a change log written with each commit, replayed under the write lock.

- `after_flush` writes a SearchChange row for every post whose index entry may have changed,
  inside the user's transaction: a rollback takes the row with it.
- `after_commit` tries to take the index's write lock for a moment and replays the log past
  what the index has applied. If another process holds the lock, it replays our rows too
  (it loops until the log is drained) and a retry timer covers the last race.
- Replaying a change re-reads the post from the database (upsert if it exists, delete if
  not), so replays are idempotent and their order does not matter; a crash at any point is
  repaired by the next catch-up. Ids that are missing when the log is read (a transaction
  that has not committed yet, on PostgreSQL) are remembered as gaps and looked at again.
"""
import hashlib
import logging
import threading
import time
import weakref

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..accounts.models import Unit, User
from ..extensions import db
from ..posts.models import Post, Tag, post_tags
from ..problems.models import Problem
from ..salons.models import Salon
from . import engine
from .models import SearchChange

log = logging.getLogger(__name__)

BATCH = 1000
GAP_TTL = 3600  # seconds a missing change id is waited for (longer than any transaction)
_handles: dict[str, engine.SearchIndex] = {}
_handles_lock = threading.Lock()


def search_index(app: Flask | None = None) -> engine.SearchIndex:
    """This process's handle on the app's index folder."""
    folder = (app or current_app).config["SEARCH_INDEX_DIR"]
    with _handles_lock:
        if folder not in _handles:
            _handles[folder] = engine.SearchIndex(folder)
        return _handles[folder]


# -- recording changes ----------------------------------------------------------------------
def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


# A rename of one of these shows in the index entry of every post that refers to it.
_REFERENCED = {
    Tag: ("name", lambda obj: select(post_tags.c.post_id).where(post_tags.c.tag_id == obj.id)),
    Salon: ("month", lambda obj: select(Post.id).where(Post.salon_id == obj.id)),
    Unit: ("name", lambda obj: select(Post.id).where(Post.unit_id == obj.id)),
    User: ("name", lambda obj: select(Post.id).where(Post.author_id == obj.id)),
}


def _post_ids_for(session, obj) -> tuple[set[int], set[int]]:
    """(upserts, deletes): the posts whose index entry a change to `obj` may alter."""
    if isinstance(obj, Post):
        if obj in session.deleted:
            return set(), {obj.id}
        if obj in session.new or session.is_modified(obj):
            return {obj.id}, set()
    elif isinstance(obj, Problem):
        if obj in session.new or obj in session.deleted or _changed(obj, "state"):
            return {obj.post_id}, set()
    elif type(obj) in _REFERENCED and obj not in session.new:
        attribute, referring = _REFERENCED[type(obj)]
        if _changed(obj, attribute):
            return set(session.connection().execute(referring(obj)).scalars()), set()
    return set(), set()


def record_changes(session, _flush_context) -> None:
    """after_flush: log every affected post in the same transaction."""
    upserts, deletes = set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        more, gone = _post_ids_for(session, obj)
        upserts |= more
        deletes |= gone
    rows = [{"post_id": pid, "op": "upsert"} for pid in sorted(upserts - deletes) if pid]
    rows += [{"post_id": pid, "op": "delete"} for pid in sorted(deletes) if pid]
    if rows:
        session.connection().execute(insert(SearchChange.__table__), rows)
        session.info["search_changed"] = True


def apply_after_commit(session) -> None:
    """after_commit: bring the index up to date now, without ever failing the request."""
    if not session.info.pop("search_changed", False) or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config["SEARCH_SYNC_ON_COMMIT"]:
        return
    try:
        if catch_up(app, timeout=app.config["SEARCH_WRITER_TIMEOUT"]) is None \
                or search_index(app).wants_merge():
            schedule_retry(app)
    except Exception:  # the commit stands; the next catch-up repairs the index
        log.exception("检索索引同步失败，稍后重试")
        schedule_retry(app)


def forget_changes(session, *_args) -> None:
    session.info.pop("search_changed", None)


_retry_lock = threading.Lock()
_retry_pending: set[str] = set()


def schedule_retry(app: Flask, delay: float | None = None) -> None:
    """Try again shortly in a background thread (one pending retry per index per process)."""
    folder = app.config["SEARCH_INDEX_DIR"]
    with _retry_lock:
        if folder in _retry_pending:
            return
        _retry_pending.add(folder)

    def retry():
        with _retry_lock:
            _retry_pending.discard(folder)
        try:
            with app.app_context():
                if catch_up(app, timeout=2.0, merge_up_to=engine.MERGE_BELOW) is None \
                        and pending(app):
                    schedule_retry(app)
        except Exception:
            log.exception("检索索引重试同步失败")

    timer = threading.Timer(delay or app.config["SEARCH_RETRY_DELAY"], retry)
    timer.daemon = True
    _retry_timers.add(timer)
    timer.start()


_retry_timers: "weakref.WeakSet[threading.Timer]" = weakref.WeakSet()


def stop_retries() -> None:
    """Cancel pending retries and wait for running ones (an app being torn down, e.g. in tests)."""
    for timer in list(_retry_timers):
        timer.cancel()
        timer.join()


# -- replaying the log -----------------------------------------------------------------------
def post_document(post: Post) -> dict:
    """What the index holds about a post, as plain values."""
    problem = post.problem
    doc = {
        "id": post.id, "kind": post.kind, "status": post.status,
        "state": problem.state if problem else None,
        "salon": post.salon.month if post.salon else None,
        "unit": post.unit.name if post.unit else None,
        "author": post.author.name if post.author else None,
        "author_id": post.author_id,
        "created": int(post.created_at.timestamp()) if post.created_at else 0,
        "tags": [tag.name for tag in post.tags],
        "title": post.title or "", "body": post.body or "",
    }
    doc["sig"] = signature(doc)
    return doc


def signature(doc: dict) -> str:
    """A digest of everything indexed, so `check` can tell a stale entry."""
    parts = [str(doc[k]) for k in ("id", "kind", "status", "state", "salon", "unit", "author",
                                   "author_id", "created", "tags", "title", "body")]
    return hashlib.sha1("\x1e".join(parts).encode()).hexdigest()[:16]


def posts_query():
    """Posts with everything the index needs loaded up front."""
    return select(Post).options(joinedload(Post.author), joinedload(Post.unit),
                                joinedload(Post.salon), selectinload(Post.tags),
                                selectinload(Post.problem))


def _pending_changes(session: Session, state: dict) -> list[SearchChange]:
    gaps = [int(g) for g in state.get("gaps", {})]
    condition = SearchChange.id > state["upto"]
    if gaps:
        condition = or_(condition, SearchChange.id.in_(gaps))
    query = select(SearchChange.id, SearchChange.post_id).where(condition)
    return session.execute(query.order_by(SearchChange.id).limit(BATCH)).all()


def advance(state: dict, seen: list[int]) -> dict:
    """The new (upto, gaps) after applying `seen`: unseen ids below the top become gaps."""
    now = time.time()
    upto = max([state["upto"], *seen])
    gaps = {int(g): t for g, t in state.get("gaps", {}).items() if now - t < GAP_TTL}
    seen_set = set(seen)
    for missing in range(state["upto"] + 1, upto + 1):
        if missing not in seen_set:
            gaps[missing] = now
    for gap in seen_set & set(gaps):
        del gaps[gap]
    return {**state, "upto": upto, "gaps": {str(g): t for g, t in gaps.items()}}


def apply_posts(session: Session, writer, post_ids: set[int]) -> None:
    """Make the index entries of these posts match the database."""
    posts = session.scalars(posts_query().where(Post.id.in_(post_ids))).unique().all()
    for post in posts:
        writer.update_document(**engine.to_document(post_document(post)))
    for missing in post_ids - {post.id for post in posts}:
        writer.delete_by_term("id", str(missing))


def catch_up(app: Flask | None = None, timeout: float = 5.0,
             merge_up_to: int | None = None) -> int | None:
    """Apply every pending change; the number applied, or None if another process holds the lock.

    Small segments left by earlier commits are merged up to `merge_up_to` documents each; a
    request merges only tiny ones and leaves larger merges to a background retry.
    """
    app = app or current_app._get_current_object()
    handle = search_index(app)
    if needs_rebuild(handle):
        from .rebuild import reindex

        reindex(app)
    applied = 0
    with handle.writer(timeout, merge_up_to) as writer:
        if writer is None:
            return None
        state = engine.read_state(handle.folder)
        with Session(db.engine) as session:
            while rows := _pending_changes(session, state):
                apply_posts(session, writer, {row.post_id for row in rows})
                state = advance(state, [row.id for row in rows])
                applied += len(rows)
                if len(rows) < BATCH:
                    break
    if applied or state != engine.read_state(handle.folder):
        engine.write_state(handle.folder, state)
    return applied


def needs_rebuild(handle: engine.SearchIndex) -> bool:
    """No index yet, or one built with another version of the user dictionary."""
    from .analysis import dictionary_version

    if not handle.exists():
        return True
    return engine.read_state(handle.folder).get("dictionary") != dictionary_version()


def pending(app: Flask | None = None) -> int:
    """How many logged changes the index has not applied yet (cheap: one indexed query)."""
    handle = search_index(app)
    state = engine.read_state(handle.folder)
    gaps = [int(g) for g in state.get("gaps", {})]
    condition = SearchChange.id > state["upto"]
    if gaps:
        condition = or_(condition, SearchChange.id.in_(gaps))
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(SearchChange).where(condition))


def ensure_fresh(app: Flask | None = None) -> None:
    """Before a search: apply anything pending if the lock is free; never wait, never fail."""
    app = app or current_app._get_current_object()
    try:
        if needs_rebuild(search_index(app)) or pending(app):
            catch_up(app, timeout=0.05)
    except Exception:
        log.exception("检索索引追赶失败")


def log_snapshot(session: Session) -> dict:
    """The log position a full rebuild starts from: the newest id, ids missing below it."""
    upto = session.scalar(select(func.max(SearchChange.id))) or 0
    recent = set(session.scalars(select(SearchChange.id).where(SearchChange.id > upto - 1000)))
    now = time.time()
    gaps = {str(i): now for i in range(max(1, upto - 999), upto + 1) if i not in recent}
    return {"upto": upto, "gaps": gaps}


def init_app(app: Flask) -> None:
    """Listen on Flask-SQLAlchemy's session class (once per process)."""
    if not event.contains(FlaskSession, "after_flush", record_changes):
        event.listen(FlaskSession, "after_flush", record_changes)
        event.listen(FlaskSession, "after_commit", apply_after_commit)
        event.listen(FlaskSession, "after_rollback", forget_changes)
        event.listen(FlaskSession, "after_soft_rollback", forget_changes)
