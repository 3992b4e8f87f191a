"""When the index is brought up to date: after each commit, before each search, in retries.

A request never waits for a rebuild (no index yet, or a new dictionary). It schedules one in
a background thread and goes on with the index it has: searches keep using the current
index, and commits keep catching up into it, until the rebuilt one is swapped in. Outside
a request (a command, a script, a background thread) a needed rebuild runs at once.
"""
import logging
import threading
import weakref

from flask import Flask, current_app, has_app_context, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from . import rebuild, sync
from .engine.index import MERGE_BELOW

log = logging.getLogger(__name__)


def ensure_fresh(app: Flask | None = None) -> None:
    """Before a search: apply anything pending if the lock is free; never wait, never fail."""
    app = app or current_app._get_current_object()
    try:
        if index_usable(app) and sync.pending(app):
            sync.catch_up(app, timeout=0.05)
    except Exception:
        log.exception("检索索引追赶失败")


def index_usable(app: Flask) -> bool:
    """Whether there is an index to search and catch up; a needed rebuild is scheduled
    (in a request) or run now (anywhere else)."""
    handle = sync.search_index(app)
    if not sync.needs_rebuild(handle):  # (which found an index: asked once, not twice)
        return True
    if has_request_context():
        schedule_rebuild(app)
    else:
        rebuild.rebuild_if_needed(app)
    return handle.exists()


def apply_after_commit(session) -> None:
    """after_commit: bring the index up to date now, without ever failing the request."""
    if not session.info.pop("search_changed", False) or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config["SEARCH_SYNC_ON_COMMIT"]:
        return
    try:
        if not index_usable(app):
            return  # the scheduled rebuild reads the log from before this commit on
        if sync.catch_up(app, timeout=app.config["SEARCH_WRITER_TIMEOUT"]) is None \
                or sync.search_index(app).wants_merge():
            schedule_retry(app)
    except Exception:  # the commit stands; the next catch-up repairs the index
        log.exception("检索索引同步失败，稍后重试")
        schedule_retry(app)


def forget_changes(session, *_args) -> None:
    session.info.pop("search_changed", None)


# -- background threads: one pending of each kind per index folder per process --------------
_lock = threading.Lock()
_pending: set[tuple[str, str]] = set()
_timers: "weakref.WeakSet[threading.Timer]" = weakref.WeakSet()


def _in_background(app: Flask, kind: str, delay: float, work) -> None:
    folder = app.config["SEARCH_INDEX_DIR"]
    with _lock:
        if (kind, folder) in _pending:
            return
        _pending.add((kind, folder))

    def run():
        with _lock:
            _pending.discard((kind, folder))
        try:
            with app.app_context():
                work()
        except Exception:
            log.exception("检索索引后台任务失败：%s", kind)

    timer = threading.Timer(delay, run)
    timer.daemon = True
    _timers.add(timer)
    timer.start()


def schedule_retry(app: Flask, delay: float | None = None) -> None:
    """Catch up again shortly: the lock was busy, or larger segments are due a merge."""
    def retry():
        if not index_usable(app):
            return  # rebuilt by now, or failing: the next commit or search schedules again
        if sync.catch_up(app, timeout=2.0, merge_up_to=MERGE_BELOW) is None and sync.pending(app):
            schedule_retry(app)
    _in_background(app, "retry", delay or app.config["SEARCH_RETRY_DELAY"], retry)


def schedule_rebuild(app: Flask) -> None:
    """Rebuild in the background if still needed once the rebuild lock is held."""
    _in_background(app, "rebuild", 0, lambda: rebuild.rebuild_if_needed(app))


def stop_background() -> None:
    """Cancel pending retries and wait for running ones (an app being torn down, e.g. in tests)."""
    for timer in list(_timers):
        timer.cancel()
        timer.join()


def init_app(app: Flask) -> None:
    """Listen on Flask-SQLAlchemy's session class (once per process)."""
    if not event.contains(FlaskSession, "after_flush", sync.record_changes):
        event.listen(FlaskSession, "after_flush", sync.record_changes)
        event.listen(FlaskSession, "after_commit", apply_after_commit)
        event.listen(FlaskSession, "after_rollback", forget_changes)
        event.listen(FlaskSession, "after_soft_rollback", forget_changes)
