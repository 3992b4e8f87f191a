"""Keeping the index true: a change log written with each commit, replayed under the write lock.

- `after_flush` writes a SearchChange row for every post whose index entry may have changed,
  inside the user's transaction: a rollback takes the row with it.
- `catch_up` takes the index's write lock and replays the log past what the index has
  applied (freshness.py says when: after each commit, before each search, in retries). If
  another process holds the lock, it replays our rows too: it loops until the log is drained.
- Replaying a change re-reads the post from the database (upsert if it exists, delete if
  not), so replays are idempotent and their order does not matter; a crash at any point is
  repaired by the next catch-up. Ids that are missing when the log is read (a transaction
  that has not committed yet, on PostgreSQL) are remembered as gaps and looked at again.
"""
import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy import func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from ..accounts.models import Unit, User
from ..extensions import db
from ..posts.models import Post, Tag, post_tags
from ..problems.models import Problem
from ..salons.models import Salon
from . import analysis
from .documents import post_document, posts_query
from .engine.folders import read_state, write_state
from .engine.index import SearchIndex
from .engine.schema import to_document
from .models import SearchChange

log = logging.getLogger(__name__)

BATCH = 1000
GAP_TTL = 3600  # seconds a missing change id is waited for (longer than any transaction)
_handles: dict[str, SearchIndex] = {}
_handles_lock = threading.Lock()


def search_index(app: Flask | None = None) -> SearchIndex:
    """This process's handle on the app's index folder."""
    folder = (app or current_app).config["SEARCH_INDEX_DIR"]
    with _handles_lock:
        if folder not in _handles:
            _handles[folder] = SearchIndex(folder)
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
        # Comments and other collections hang off a post without changing what the index
        # holds of it; of the collections only its tags are indexed.
        if (obj in session.new or session.is_modified(obj, include_collections=False)
                or _changed(obj, "tags")):
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


# -- replaying the log -----------------------------------------------------------------------
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
        writer.update_document(**to_document(post_document(post)))
    for missing in post_ids - {post.id for post in posts}:
        writer.delete_by_term("id", str(missing))


def catch_up(app: Flask | None = None, timeout: float = 5.0,
             merge_up_to: int | None = None) -> int | None:
    """Apply every pending change; the number applied, or None if another process holds the
    lock or no index has been built yet (then a rebuild is due: freshness.py schedules it).

    Small segments left by earlier commits are merged up to `merge_up_to` documents each; a
    request merges only tiny ones and leaves larger merges to a background retry.
    """
    app = app or current_app._get_current_object()
    handle = search_index(app)
    applied = 0
    with handle.writer(timeout, merge_up_to) as writer:
        if writer is None:
            return None
        state = read_state(handle.folder)
        with Session(db.engine) as session:
            while rows := _pending_changes(session, state):
                apply_posts(session, writer, {row.post_id for row in rows})
                state = advance(state, [row.id for row in rows])
                applied += len(rows)
                if len(rows) < BATCH:
                    break
    if applied or state != read_state(handle.folder):
        write_state(handle.folder, state)
    return applied


def needs_rebuild(handle: SearchIndex) -> bool:
    """No index yet, or one built with another version of the user dictionary."""
    if not handle.exists():
        return True
    return read_state(handle.folder).get("dictionary") != analysis.dictionary_version()


def pending(app: Flask | None = None) -> int:
    """How many logged changes the index has not applied yet (cheap: one indexed query)."""
    handle = search_index(app)
    state = read_state(handle.folder)
    gaps = [int(g) for g in state.get("gaps", {})]
    condition = SearchChange.id > state["upto"]
    if gaps:
        condition = or_(condition, SearchChange.id.in_(gaps))
    # A connection of its own (not the request's session, whose snapshot may be older);
    # plain Core, as this runs before every search and on every post page.
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(SearchChange.__table__)
                                 .where(condition))


def log_snapshot(session: Session) -> dict:
    """The log position a full rebuild starts from: the newest id, ids missing below it."""
    upto = session.scalar(select(func.max(SearchChange.id))) or 0
    recent = set(session.scalars(select(SearchChange.id).where(SearchChange.id > upto - 1000)))
    now = time.time()
    gaps = {str(i): now for i in range(max(1, upto - 999), upto + 1) if i not in recent}
    return {"upto": upto, "gaps": gaps}
