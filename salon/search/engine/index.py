"""One process's handle on the index folder: a warm view of the newest version, the writer
and its merge policy."""
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index
from whoosh.filedb.filestore import RamStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F

from . import whoosh_seam
from .facts import read_facts
from .folders import read_index_id
from .schema import schema
from .view import View

# A full build writes in rounds of this many documents per worker process: each worker's
# postings then fit in memory (~250 KB per post, ~600 MB), where a longer run spills sorted
# runs to disk with one pickle per posting and merges them back (far more CPU time).
ROUND_DOCS = 2500
TINY = 100  # a request's commit merges segments smaller than this (bounded, quick)
MERGE_BELOW = 1000  # the background merges segments smaller than this; a rebuild's are larger
MERGE_AT = 10  # segments of one size tier (1-9, 10-99, … documents) merged together


class SearchIndex:
    """One process's handle on the index folder, keeping a warm view of its latest version.

    Only a build (rebuild.py) creates the index. Until one has, the view is of an empty
    index in memory and there is no writer: nothing is written that a build would not hold.
    """

    REFRESH_EVERY = 0.2  # seconds between checks that the index on disk changed

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self._lock = threading.RLock()
        self._ix = None
        self._ix_id = None
        self._view: View | None = None
        self._previous: View | None = None
        self._checked = 0.0

    def exists(self) -> bool:
        return index.exists_in(str(self.folder))

    def _index(self):
        """The open index, reopened when a rebuild swapped a new folder in; None if none."""
        current_id = read_index_id(self.folder)
        if self._ix is None or current_id != self._ix_id:
            self._drop_view()
            self._ix, self._ix_id = None, None
            if not self.exists():
                return None
            self._ix, self._ix_id = index.open_dir(str(self.folder)), current_id
        return self._ix

    def _drop_view(self):
        for view in (self._view, self._previous):
            if view is not None:
                view.searcher.close()
        self._view = self._previous = None

    def view(self) -> View:
        """The current view, replaced (with fresh caches) when the index changed on disk."""
        with self._lock:
            now = time.monotonic()
            if self._view is not None and now - self._checked < self.REFRESH_EVERY:
                return self._view
            self._checked = now
            ix = self._index() or _EMPTY.index()
            if self._view is not None and self._view.searcher.up_to_date():
                return self._view
            # A fresh searcher: refresh() would reuse segment readers whose cached deletion
            # sets are stale. The view before last is closed; requests are shorter than that.
            searcher = ix.searcher(weighting=BM25F())
            version = (self._ix_id, searcher.reader().generation())
            if self._previous is not None:
                self._previous.searcher.close()
            if self._view is not None:
                self._view.forget()
            self._previous, self._view = self._view, View(searcher, read_facts(searcher), version)
            return self._view

    def close(self):
        with self._lock:
            self._drop_view()
            self._ix = None

    @contextmanager
    def writer(self, timeout: float, merge_up_to: int | None = None):
        """The index's write lock for `timeout` seconds, or None when someone else holds it
        (or there is no index yet).

        The commit merges small segments only below `merge_up_to` (default TINY) documents
        each, so a request's commit stays cheap; a background catch-up merges larger tiers.
        """
        merge_up_to = merge_up_to or TINY
        with self._lock:
            ix = self._index()
        try:
            writer = ix.writer(timeout=timeout) if ix is not None else None
        except LockError:
            writer = None
        if writer is None:
            yield None
            return
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit(mergetype=lambda w, segments: merge_tiers(w, segments, merge_up_to))
            self._checked = 0.0  # this process's next search sees its own write at once

    def segments(self) -> list:
        """The segments of the newest version on disk (none without an index)."""
        with self._lock:
            ix = self._index()
        return whoosh_seam.index_segments(ix) if ix is not None else []

    def wants_merge(self, merge_up_to: int | None = None) -> bool:
        """Whether some size tier below `merge_up_to` (default MERGE_BELOW) has enough
        segments to merge."""
        return bool(_tiers_to_merge(self.segments(), merge_up_to or MERGE_BELOW))


class _EmptyIndex:
    """An empty index in memory, viewed while no index has been built yet."""

    def __init__(self):
        self._ix = None
        self._lock = threading.Lock()

    def index(self):
        with self._lock:
            if self._ix is None:
                self._ix = RamStorage().create_index(schema())
            return self._ix


_EMPTY = _EmptyIndex()


def _tiers_to_merge(segments, merge_up_to: int) -> list[list]:
    tiers: dict[int, list] = {}
    for segment in segments:
        count = segment.doc_count_all()
        if count < merge_up_to:
            tiers.setdefault(len(str(count)), []).append(segment)
    return [tier for tier in tiers.values() if len(tier) >= MERGE_AT]


def merge_tiers(writer, segments, merge_up_to: int) -> list:
    """Merge policy: ten segments of a size tier become one; big ones are never rewritten.

    Whoosh's default policy (Fibonacci sizes) would, given the many equal segments a parallel
    rebuild writes, rewrite half the index during some later request's commit. Segments of a
    rebuild's size stay as they are until the next rebuild.
    """
    merging = [segment for tier in _tiers_to_merge(segments, merge_up_to) for segment in tier]
    for segment in merging:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in merging]


def bulk_writer(folder: Path, procs: int):
    """A writer for a full build: analysis in `procs` processes, segments kept as written."""
    ix = index.open_dir(str(folder))
    if procs > 1:
        return ix.writer(procs=procs, multisegment=True, limitmb=1024)
    return ix.writer(limitmb=1024)
