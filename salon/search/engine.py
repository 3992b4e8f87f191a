"""The only module that imports Whoosh: schema, tokenizers, index handles, raw look-ups.

Swapping the Whoosh fork is a change here only. The tokenizer classes are pickled into the
index by their import path `salon.search.engine.*`, so they must not move.
"""
import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import columns, fields, index, query
from whoosh.analysis import Token, Tokenizer
from whoosh.index import LockError
from whoosh.scoring import BM25F

from . import analysis

ID_FILE = "index-id"
STATE_FILE = "sync-state.json"
Scored = tuple[int, float]
FACT_COLUMNS = ("id", "kind", "status", "state", "salon", "unit", "author_id", "created", "tags")


class SegmentTokenizer(Tokenizer):
    """Folded, search-mode segmented words with sequential positions and character offsets."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(analysis.words(value), start_pos):
            token.text, token.boost, token.stopped = word, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class GramTokenizer(Tokenizer):
    """Han bigrams positioned at their character offset, so consecutive bigrams = a substring."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for gram, start, end in analysis.grams(value):
            token.text, token.boost, token.stopped = gram, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + start
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def schema() -> fields.Schema:
    """Segmented fields rank; the bigram field `grams` (title, tags, body) guarantees recall."""
    words = SegmentTokenizer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(sortable=True),
        status=fields.ID(sortable=True),
        state=fields.ID(sortable=True),
        salon=fields.ID(sortable=True),
        unit=fields.ID(sortable=True),
        author=fields.ID(),
        author_id=fields.ID(sortable=True),
        created=fields.NUMERIC(bits=64, sortable=True),
        tags=fields.COLUMN(columns.VarBytesColumn()),
        sig=fields.COLUMN(columns.VarBytesColumn()),
        title=fields.TEXT(analyzer=words, field_boost=3.0, phrase=False),
        body=fields.TEXT(analyzer=words, phrase=False),
        tagwords=fields.TEXT(analyzer=words, field_boost=2.0, phrase=False),
        grams=fields.TEXT(analyzer=GramTokenizer(), phrase=True),
    )


def to_document(post: dict) -> dict:
    """Whoosh field values for one post given as a plain dict (see sync.post_document)."""
    tags = post["tags"]
    return {
        "id": str(post["id"]),
        "kind": post["kind"],
        "status": post["status"],
        "state": post["state"] or "",
        "salon": post["salon"] or "",
        "unit": post["unit"] or "",
        "author": post["author"] or "",
        "author_id": str(post["author_id"]),
        "created": post["created"],
        "tags": "\x1f".join(tags).encode(),
        "sig": post["sig"].encode(),
        "title": post["title"],
        "body": post["body"],
        "tagwords": " ".join(tags),
        "grams": "\n".join([post["title"], " ".join(tags), post["body"]]),
    }


class Facts:
    """Per-document facts (post id, kind, salon, …) read from columns, indexed by docnum."""

    def __init__(self, data: dict[str, list], size: int):
        self.data, self.size = data, size

    @classmethod
    def read(cls, reader) -> "Facts":
        data = {}
        for name in FACT_COLUMNS:
            values = list(reader.column_reader(name)) if reader.has_column(name) else []
            if name == "tags":
                values = [tuple(v.decode().split("\x1f")) if v else () for v in values]
            elif name in ("id", "author_id"):
                values = [int(v) if v else 0 for v in values]
            elif name != "created":
                values = [sys.intern(v) for v in values]  # a few distinct values, many docs
            data[name] = values
        return cls(data, reader.doc_count_all())

    @classmethod
    def join(cls, parts: list["Facts"]) -> "Facts":
        data = {name: [v for part in parts for v in part.data[name]] for name in FACT_COLUMNS}
        return cls(data, sum(part.size for part in parts))

    def __getitem__(self, name: str) -> list:
        return self.data[name]


_segment_facts: dict[str, Facts] = {}


class View:
    """One version of the index as a request sees it: searcher, facts and caches together."""

    def __init__(self, searcher, facts: Facts, version: tuple):
        self.searcher, self.facts, self.version = searcher, facts, version
        self.cache: dict = {}

    def live_docs(self) -> set[int]:
        """Every undeleted document number."""
        return set(self.searcher.reader().all_doc_ids())

    def piece_docs(self, piece: str) -> frozenset[int]:
        """Documents whose text contains the folded `piece` (a Han run or a letter/digit run)."""
        key = ("piece", piece)
        if key not in self.cache:
            self.cache[key] = frozenset(self.searcher.docs_for_query(piece_query(piece)))
        return self.cache[key]

    def ranked(self, pieces: Iterable[str], allowed: set[int], limit: int) -> list[Scored]:
        """The best `limit` of `allowed` for the pieces as (docnum, score), BM25F."""
        subqueries = [q for piece in pieces for q in ranking_queries(piece)]
        if not subqueries or not allowed:
            return []
        results = self.searcher.search(query.Or(subqueries), limit=limit, filter=allowed)
        return [(hit.docnum, hit.score) for hit in results]

    def key_terms(self, text: str, count: int) -> list[str]:
        """The words of `text` that best tell it apart from the rest of the index."""
        found = self.searcher.key_terms_from_text("body", text, numterms=count)
        return [term for term, _weight in found]

    def like_terms(self, words: list[str], allowed: set[int], limit: int) -> list[Scored]:
        """Documents among `allowed` sharing the most of these key words, best first."""
        if not words or not allowed:
            return []
        subqueries = [query.Term(field, word) for word in words for field in ("title", "body")]
        results = self.searcher.search(query.Or(subqueries), limit=limit, filter=allowed)
        return [(hit.docnum, hit.score) for hit in results]

    def all_ids(self) -> Iterator[tuple[int, str]]:
        """(post id, signature) of every live document, for `flask search check`."""
        for leaf in segment_readers(self.searcher):
            ids = list(leaf.column_reader("id"))
            sigs = list(leaf.column_reader("sig"))
            for docnum in leaf.all_doc_ids():
                yield int(ids[docnum]), sigs[docnum].decode()


class SearchIndex:
    """One process's handle on the index folder, keeping a warm view of its latest version."""

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
        """The open index, reopened when a rebuild swapped a new folder in."""
        current_id = read_index_id(self.folder)
        if self._ix is None or current_id != self._ix_id:
            self._drop_view()
            if not self.exists():
                create(self.folder)
                current_id = read_index_id(self.folder)
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
            ix = self._index()
            if self._view is not None and self._view.searcher.up_to_date():
                return self._view
            # A fresh searcher: refresh() would reuse segment readers whose cached deletion
            # sets are stale. The view before last is closed; requests are shorter than that.
            searcher = ix.searcher(weighting=BM25F())
            version = (self._ix_id, searcher.reader().generation())
            if self._previous is not None:
                self._previous.searcher.close()
            self._previous, self._view = self._view, View(searcher, read_facts(searcher), version)
            return self._view

    def close(self):
        with self._lock:
            self._drop_view()
            self._ix = None

    @contextmanager
    def writer(self, timeout: float):
        """The index's write lock for `timeout` seconds, or None when someone else holds it."""
        with self._lock:
            ix = self._index()
        try:
            writer = ix.writer(timeout=timeout)
        except LockError:
            yield None
            return
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit()
            self._checked = 0.0  # this process's next search sees its own write at once


def segment_readers(searcher) -> list:
    """The index's per-segment readers; an empty index has one segment-less reader, skipped."""
    return [leaf for leaf, _offset in searcher.reader().leaf_readers() if leaf.segment()]


def read_facts(searcher) -> Facts:
    """Facts for every document, reusing segments already read (most never change)."""
    parts, keys = [], []
    for leaf in segment_readers(searcher):
        key = leaf.segment().segment_id()
        if key not in _segment_facts:
            _segment_facts[key] = Facts.read(leaf)
        parts.append(_segment_facts[key])
        keys.append(key)
    if len(_segment_facts) > 256:  # segments merged away are never read again
        for key in set(_segment_facts) - set(keys):
            del _segment_facts[key]
    return Facts.join(parts) if parts else Facts({n: [] for n in FACT_COLUMNS}, 0)


def piece_query(piece: str):
    """Exact-substring query for one folded run on the bigram field."""
    if not analysis.HAN_RUN.fullmatch(piece):
        return query.Term("grams", piece.lower())
    if len(piece) == 1:
        return query.Prefix("grams", piece)
    sequence = analysis.gram_sequence(piece)
    if len(sequence) == 1:
        return query.Term("grams", sequence[0])
    return query.Phrase("grams", sequence)


def ranking_queries(piece: str) -> list:
    """Whole words weigh most (title, tags, body); bigrams give every sub-word match a score."""
    subqueries = []
    for word in analysis.query_words(piece):
        subqueries += [query.Term(f, word) for f in ("title", "tagwords", "body")]
    if analysis.HAN_RUN.fullmatch(piece):
        subqueries += [query.Term("grams", g, boost=0.5) for g in analysis.gram_sequence(piece)]
    else:
        subqueries.append(query.Term("grams", piece.lower(), boost=0.5))
    return subqueries


# -- index folders --------------------------------------------------------------------------
def create(folder: Path, extra_state: dict | None = None) -> None:
    """A new empty index with its own id and the current dictionary version."""
    folder.mkdir(parents=True, exist_ok=True)
    index.create_in(str(folder), schema())
    (folder / ID_FILE).write_text(uuid.uuid4().hex)
    write_state(folder, {"upto": 0, "gaps": {}, "dictionary": analysis.dictionary_version(),
                         **(extra_state or {})})


def read_index_id(folder: Path) -> str | None:
    try:
        return (folder / ID_FILE).read_text()
    except FileNotFoundError:
        return None


def read_state(folder: Path) -> dict:
    """What the index has applied from the change log (kept beside the index it describes)."""
    try:
        return json.loads((folder / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {"upto": 0, "gaps": {}, "dictionary": None}


def write_state(folder: Path, state: dict) -> None:
    """Atomic replace, so a crash leaves the old state (replaying changes is harmless)."""
    tmp = folder / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / STATE_FILE)


def bulk_writer(folder: Path, procs: int):
    """A writer for a full build: analysis in `procs` processes, segments kept as written."""
    ix = index.open_dir(str(folder))
    if procs > 1:
        return ix.writer(procs=procs, multisegment=True, limitmb=256)
    return ix.writer(limitmb=256)


def swap_in(new: Path, live: Path) -> None:
    """Replace the live folder by the freshly built one; readers notice the new index id."""
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(new, live)
    shutil.rmtree(old, ignore_errors=True)


def index_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
