"""A full rebuild: into a new folder using every core, then swapped in, then caught up.

One rebuild at a time per index folder (a file lock shared by every process on the
machine). A rebuild that is only *needed* (no index yet, or another dictionary) looks again
once it holds the lock: the workers that waited while another one rebuilt find the index
current and do not rebuild it again. `reindex()` (the command, a restore) always rebuilds.
"""
import fcntl
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..posts.models import Post
from . import analysis, sync
from .documents import post_document, posts_query
from .engine import index
from .engine.folders import create, read_state, swap_in, write_state
from .engine.schema import to_document

PARALLEL_FROM = 2000  # below this many posts, starting worker processes costs more than it saves
Progress = Callable[[int, int], None]


@contextmanager
def rebuild_lock(folder: Path):
    """One rebuild at a time per index folder; a second caller waits for the first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".rebuild-lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reindex(app: Flask | None = None, procs: int | None = None,
            progress: Progress | None = None) -> int:
    """Rebuild the index from the database; the old index serves until the swap. Returns posts."""
    return _rebuild(app or current_app._get_current_object(), procs, progress, forced=True)


def rebuild_if_needed(app: Flask | None = None, procs: int | None = None) -> int | None:
    """Rebuild if the index is missing or was built with another dictionary, checked again
    once the lock is held; the posts indexed, or None when no rebuild was needed."""
    return _rebuild(app or current_app._get_current_object(), procs, None, forced=False)


def _rebuild(app: Flask, procs: int | None, progress: Progress | None,
             forced: bool) -> int | None:
    handle = sync.search_index(app)
    with rebuild_lock(handle.folder):
        if not forced and not sync.needs_rebuild(handle):
            return None  # rebuilt by another worker while this one waited for the lock
        count = _build(handle.folder, procs or os.cpu_count() or 1, progress)
    handle.close()
    sync.catch_up(app)
    return count


def _write_in_rounds(folder: Path, procs: int, documents, report: Callable[[int], None]) -> int:
    """Documents in rounds of one segment per worker process, committed without merging."""
    done, writer = 0, None
    try:
        for document in documents:
            writer = writer or index.bulk_writer(folder, procs)
            writer.add_document(**document)
            done += 1
            if done % (index.ROUND_DOCS * procs) == 0:
                writer.commit(merge=False)
                writer = None
            if done % 500 == 0:
                report(done)
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    if writer is not None:
        writer.commit(merge=False)
    return done


def _build(live: Path, procs: int, progress: Progress | None) -> int:
    new = live.with_name(f"{live.name}.new-{os.getpid()}")
    shutil.rmtree(new, ignore_errors=True)
    create(new)
    try:
        with Session(db.engine) as session:
            # The log position first: anything committed while we read is replayed afterwards.
            state = sync.log_snapshot(session)
            total = session.scalar(select(func.count()).select_from(Post))
            procs = procs if total >= PARALLEL_FROM else 1
            analysis.segmenter()  # load the dictionary before forking, once for all workers
            posts = session.scalars(posts_query().order_by(Post.id)
                                    .execution_options(yield_per=500))
            documents = (to_document(post_document(post)) for post in posts)
            done = _write_in_rounds(new, procs, documents,
                                    lambda n: progress(n, total) if progress else None)
        if progress:
            progress(done, total)
        write_state(new, {**read_state(new), **state,
                          "dictionary": analysis.dictionary_version()})
        swap_in(new, live)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return done
