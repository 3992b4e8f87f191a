"""A full rebuild: into a new folder using every core, then swapped in, then caught up."""
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
from . import analysis, engine, sync

PARALLEL_FROM = 2000  # below this many posts, starting worker processes costs more than it saves


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
            progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from the database; the old index serves until the swap. Returns posts."""
    app = app or current_app._get_current_object()
    live = Path(app.config["SEARCH_INDEX_DIR"])
    with rebuild_lock(live):
        count = _build(live, procs or os.cpu_count() or 1, progress)
    sync.search_index(app).close()
    sync.catch_up(app)
    return count


def _write_in_rounds(folder: Path, procs: int, documents, report: Callable[[int], None]) -> int:
    """Documents in rounds of one segment per worker process, committed without merging."""
    done, writer = 0, None
    try:
        for document in documents:
            writer = writer or engine.bulk_writer(folder, procs)
            writer.add_document(**document)
            done += 1
            if done % (engine.ROUND_DOCS * procs) == 0:
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


def _build(live: Path, procs: int, progress) -> int:
    new = live.with_name(f"{live.name}.new-{os.getpid()}")
    shutil.rmtree(new, ignore_errors=True)
    engine.create(new)
    try:
        with Session(db.engine) as session:
            # The log position first: anything committed while we read is replayed afterwards.
            state = sync.log_snapshot(session)
            total = session.scalar(select(func.count()).select_from(Post))
            procs = procs if total >= PARALLEL_FROM else 1
            analysis.segmenter()  # load the dictionary before forking, once for all workers
            posts = session.scalars(sync.posts_query().order_by(Post.id)
                                    .execution_options(yield_per=500))
            documents = (engine.to_document(sync.post_document(post)) for post in posts)
            done = _write_in_rounds(new, procs, documents,
                                    lambda n: progress(n, total) if progress else None)
        if progress:
            progress(done, total)
        engine.write_state(new, {**engine.read_state(new), **state,
                                 "dictionary": analysis.dictionary_version()})
        engine.swap_in(new, live)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return done
