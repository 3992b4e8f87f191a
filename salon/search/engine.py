"""The only module that imports Whoosh: schema, tokenizers, index handles, raw look-ups.

Swapping the Whoosh fork is a change here only. The tokenizer classes are pickled into the
index by their import path `salon.search.engine.*`, so they must not move.

For speed and memory this module also leans on three Whoosh 2.7 internals, each with a
fallback or a test: posting blocks are read whole (`read_postings`, checked against Whoosh's
own matchers in the tests), segment files are read without a private copy (`_MemoryStream`),
and field lengths are read once per segment while writing (`_doc_field_length`).
"""
import json
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np
from whoosh import columns, fields, index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader
from whoosh.filedb import structfile
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from . import analysis

# A full build writes in rounds of this many documents per worker process: each worker's
# postings then fit in memory (~250 KB per post, ~600 MB), where a longer run spills sorted
# runs to disk with one pickle per posting and merges them back (1.7× the CPU time).
ROUND_DOCS = 2500


TINY = 100  # a request's commit merges segments smaller than this (bounded, quick)
MERGE_BELOW = 1000  # the background merges segments smaller than this; a rebuild's are larger
MERGE_AT = 10  # segments of one size tier (1-9, 10-99, … documents) merged together
ID_FILE = "index-id"
STATE_FILE = "sync-state.json"


class _MemoryStream:
    """A read-only file over a memoryview, without copying it.

    Whoosh's `BufferFile` wraps each sub-file of a memory-mapped segment in a `BytesIO`, which
    copies it: every searcher held a private copy of all posting lists (1.3 GB of a web
    worker's memory at 20,000 posts). Reading through the memoryview leaves the data in the
    shared page cache.
    """

    def __init__(self, buf):
        self._buf, self._pos = buf, 0

    def read(self, size=-1):
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(start + size, len(self._buf))
        self._pos = end
        return self._buf[start:end].tobytes()

    def peek(self, size=0):
        """Lets the C unpickler read a block header in one call instead of one per opcode; a
        short answer is allowed (it prefetches 128 KB otherwise)."""
        return self._buf[self._pos:self._pos + 256].tobytes()

    def readinto(self, target):
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        rest = self._buf[self._pos:].tobytes() if size is None or size < 0 \
            else self._buf[self._pos:self._pos + size].tobytes()
        line = rest[: rest.find(b"\n") + 1] or rest
        self._pos += len(line)
        return line

    def seek(self, offset, whence=0):
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = base + offset
        return self._pos

    def tell(self):
        return self._pos

    def flush(self):
        pass

    def close(self):
        pass


def _buffer_file_init(self, buf, name=None, onclose=None):
    structfile.StructFile.__init__(self, _MemoryStream(memoryview(buf)), name=name,
                                   onclose=onclose)
    self._buf = buf
    self.is_real = False


structfile.BufferFile.__init__ = _buffer_file_init


def _doc_field_length(self, docnum, fieldname, default=0):
    """Whoosh asks a field's length once per posting when it writes a segment (a third of a
    rebuild went there, through four calls each); read each field's lengths once instead."""
    cache = self.__dict__.setdefault("_salon_lengths", {})
    if fieldname not in cache:
        reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        cache[fieldname] = None if reader is None else list(reader)
    lengths = cache[fieldname]
    if lengths is None or docnum >= len(lengths):
        return _original_doc_field_length(self, docnum, fieldname, default)
    return byte_to_length(lengths[docnum]) if lengths[docnum] else None


_original_doc_field_length = W3PerDocReader.doc_field_length
W3PerDocReader.doc_field_length = _doc_field_length


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
    """Per-document facts as arrays indexed by docnum: post id, kind, salon, unit, tags, …

    Text facts are stored as codes into one process-wide table (`label`/`code`), so arrays of
    different segments and index versions agree; tags, several per post, are kept as pairs
    (`tag_doc`, `tag_code`).
    """

    CODED = ("kind", "status", "state", "salon", "unit")
    _codes: dict[str, int] = {"": 0}
    _labels: list[str] = [""]

    def __init__(self, arrays: dict[str, np.ndarray], size: int):
        self.arrays, self.size = arrays, size

    @classmethod
    def code(cls, value: str) -> int:
        if value not in cls._codes:
            cls._codes[value] = len(cls._labels)
            cls._labels.append(value)
        return cls._codes[value]

    @classmethod
    def known_code(cls, value: str) -> int:
        """The code of a value, or -1 for one never seen (it matches no document)."""
        return cls._codes.get(value, -1)

    @classmethod
    def label(cls, code: int) -> str:
        return cls._labels[code]

    @classmethod
    def read(cls, reader) -> "Facts":
        size = reader.doc_count_all()

        def column(name):
            return list(reader.column_reader(name)) if reader.has_column(name) else [b""] * size

        arrays = {
            "id": np.array([int(v) if v else 0 for v in column("id")], dtype=np.int64),
            "author_id": np.array([int(v) if v else 0 for v in column("author_id")],
                                  dtype=np.int64),
            "created": np.array(column("created") if reader.has_column("created") else
                                [0] * size, dtype=np.int64),
        }
        for name in cls.CODED:
            arrays[name] = np.array([cls.code(v) for v in column(name)], dtype=np.int32)
        pairs = [(doc, cls.code(tag)) for doc, value in enumerate(column("tags")) if value
                 for tag in value.decode().split("\x1f")]
        arrays["tag_doc"] = np.array([d for d, _ in pairs], dtype=np.int64)
        arrays["tag_code"] = np.array([c for _, c in pairs], dtype=np.int32)
        return cls(arrays, size)

    @classmethod
    def join(cls, parts: list["Facts"]) -> "Facts":
        offsets = np.cumsum([0] + [part.size for part in parts])
        arrays = {}
        for name in parts[0].arrays:
            pieces = [part.arrays[name] for part in parts]
            if name == "tag_doc":
                pieces = [piece + offset for piece, offset in zip(pieces, offsets, strict=False)]
            arrays[name] = np.concatenate(pieces)
        return cls(arrays, int(offsets[-1]))

    @classmethod
    def empty(cls) -> "Facts":
        names = ("id", "author_id", "created", "tag_doc")
        arrays = {name: np.zeros(0, dtype=np.int64) for name in names}
        arrays.update({name: np.zeros(0, dtype=np.int32) for name in (*cls.CODED, "tag_code")})
        return cls(arrays, 0)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def tag_mask(self, code: int) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.arrays["tag_doc"][self.arrays["tag_code"] == code]] = True
        return mask


_segment_cache: dict[tuple, object] = {}  # per segment: facts and field lengths (read once)


class PostingsCache:
    """A thread-safe LRU map of posting arrays holding at most `budget` postings in all."""

    def __init__(self, budget: int):
        self.budget, self._held = budget, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        """Keep `value`, a tuple whose first item is the array of docnums."""
        with self._lock:
            if key in self._items:
                self._held -= len(self._items.pop(key)[0])
            self._items[key] = value
            self._held += len(value[0])
            while len(self._items) > 1 and self._held > self.budget:
                _key, dropped = self._items.popitem(last=False)
                self._held -= len(dropped[0])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0


# Per segment and term, (docnums, frequencies), shared by every index version: ~32 MB.
_segment_postings = PostingsCache(4_000_000)


def segment_postings(leaf, field: str, text: str, values: bool = False) -> tuple:
    """One term's postings in one segment as arrays, remembered across index versions.

    Segments never change, so after a new post only its small new segment is read: a search
    right after a change costs about what it did before it.
    """
    key = (leaf.segment().segment_id(), field, text)
    kept = _segment_postings.get(key)
    if kept is not None and not values:
        return kept[0], kept[1], None
    ids, tfs, encoded = read_postings(leaf, field, text, values)
    arrays = (np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float32))
    _segment_postings.put(key, arrays)
    return arrays[0], arrays[1], encoded


@dataclass
class PieceMatch:
    """Documents holding a query piece. `unsure` ones (a subset of `docs`) were not checked
    one by one; `rate` is the share of a checked sample of them that really hold it."""

    docs: np.ndarray
    unsure: np.ndarray | None = None
    rate: float = 1.0


class View:
    """One version of the index as a request sees it: searcher, facts and caches together.

    Matching and ranking read whole posting lists a block at a time into numpy arrays and
    work on boolean masks over docnums: Whoosh's own matchers handle one posting at a time in
    Python, which is what made common terms slow at 100,000 posts.
    """

    VERIFY_ALL = 2000   # unsure documents checked one by one; above this, a sample
    SAMPLE = 400
    POSTINGS_KEPT = 800_000
    MEMO_ENTRIES = 128

    def __init__(self, searcher, facts: Facts, version: tuple):
        self.searcher, self.facts, self.version = searcher, facts, version
        self.size = facts.size
        self.leaves = [(leaf, offset) for leaf, offset in searcher.reader().leaf_readers()
                       if leaf.segment()]
        self.cache: dict = {}
        self._postings = PostingsCache(self.POSTINGS_KEPT)
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            deleted = leaf.deleted_docs_set
            if deleted:
                self.live[np.fromiter(deleted, dtype=np.int64) + offset] = False

    def memo(self, key, compute):
        """This version's cache; two threads racing may both compute, which is harmless."""
        try:
            return self.cache[key]
        except KeyError:
            pass
        value = compute()
        if len(self.cache) >= self.MEMO_ENTRIES:
            self.cache.clear()
        self.cache[key] = value
        return value

    def forget(self) -> None:
        """Drop the caches (a newer version took over; requests still on this one recompute)."""
        self.cache.clear()
        self._postings.clear()

    # -- postings ------------------------------------------------------------------------
    def postings(self, field: str, text: str, values: bool = False) -> tuple:
        """(docnums, term frequencies, encoded values if asked) of one term over every
        segment, in docnum order, deleted ones included.

        Only recent ones are kept (up to POSTINGS_KEPT postings): a query reads a term for
        matching and again for ranking, but keeping every list would cost memory for as
        long as the index version lives.
        """
        key = (field, text)
        found = self._postings.get(key)
        if found is not None and (found[2] is not None or not values):
            return found
        ids, tfs, encoded = [], [], [] if values else None
        for leaf, offset in self.leaves:
            leaf_ids, leaf_tfs, leaf_values = segment_postings(leaf, field, text, values)
            ids.append(leaf_ids + np.int32(offset))
            tfs.append(leaf_tfs)
            if values:
                encoded.extend(leaf_values)
        found = (np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32),
                 np.concatenate(tfs) if tfs else np.zeros(0, dtype=np.float32), encoded)
        self._postings.put(key, found)
        return found

    def term_mask(self, field: str, text: str) -> np.ndarray:
        def compute():
            mask = np.zeros(self.size, dtype=bool)
            mask[self.postings(field, text)[0]] = True
            return mask & self.live
        return self.memo(("term", field, text), compute)

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in tokens for one field (as Whoosh stores it, ~1 byte)."""
        def compute():
            parts = [segment_lengths(leaf, field) for leaf, _ in self.leaves]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self.memo(("lengths", field), compute)

    # -- matching ------------------------------------------------------------------------
    def piece(self, piece: str, exact: bool = False) -> PieceMatch:
        """Documents whose folded text contains `piece` (a Han run or a letter/digit run)."""
        return self.memo(("piece", piece, exact), lambda: self._match_piece(piece, exact))

    def _match_piece(self, piece: str, exact: bool) -> PieceMatch:
        if not analysis.HAN_RUN.fullmatch(piece):
            return PieceMatch(self.term_mask("grams", piece.lower()))
        if len(piece) == 1:
            mask = np.zeros(self.size, dtype=bool)
            for leaf, offset in self.leaves:
                for term in leaf.expand_prefix("grams", piece):
                    ids = read_postings(leaf, "grams", term)[0]
                    mask[np.asarray(ids, dtype=np.int64) + offset] = True
            return PieceMatch(mask & self.live)
        grams = analysis.gram_sequence(piece)
        if len(grams) == 1:
            return PieceMatch(self.term_mask("grams", grams[0]))
        # Every bigram present: a candidate. The piece as a segmented word: surely a match.
        for gram in grams:  # read once with the positions that `contains` checks
            self.postings("grams", gram, values=True)
        candidates = np.logical_and.reduce([self.term_mask("grams", g) for g in grams])
        sure = candidates & np.logical_or.reduce(
            [self.term_mask(f, piece) for f in ("title", "body", "tagwords")])
        unsure = np.flatnonzero(candidates & ~sure)
        if exact or len(unsure) <= self.VERIFY_ALL:
            sure[unsure[self.contains(piece, unsure)]] = True
            return PieceMatch(sure)
        # Too many to check now: check an even sample, drop what it disproves, and let the
        # caller estimate counts and check the few documents it shows.
        sample = unsure[np.linspace(0, len(unsure) - 1, self.SAMPLE).astype(np.int64)]
        found = self.contains(piece, sample)
        candidates[sample[~found]] = False
        sure[sample[found]] = True
        return PieceMatch(candidates, candidates & ~sure, float(found.mean()))

    def contains(self, piece: str, docnums: np.ndarray) -> np.ndarray:
        """For each of the (sorted) docnums, whether its bigrams of `piece` are consecutive:
        the positions come from the posting lists already read for matching."""
        decode = self.searcher.schema["grams"].format.decoder("positions")
        starts: list[set | None] = [None] * len(docnums)
        for shift, gram in enumerate(analysis.gram_sequence(piece)):
            ids, _tfs, encoded = self.postings("grams", gram, values=True)
            where = np.minimum(np.searchsorted(ids, docnums), max(len(ids) - 1, 0))
            for i, (doc, at) in enumerate(zip(docnums.tolist(), where.tolist(), strict=True)):
                if starts[i] == set() or not len(ids) or ids[at] != doc:
                    starts[i] = set()
                    continue
                found = {p - shift for p in decode(encoded[at])}
                starts[i] = found if starts[i] is None else starts[i] & found
        return np.array([bool(s) for s in starts], dtype=bool)

    # -- ranking and similar -------------------------------------------------------------
    def scores(self, terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
        """BM25 per document for (field, term, boost) triples, computed over whole arrays."""
        total = np.zeros(self.size, dtype=np.float32)
        live = max(int(self.live.sum()), 1)
        for field, term, boost in terms:
            ids, tfs, _values = self.postings(field, term)
            if not len(ids):
                continue
            lengths = self.lengths(field)
            norm = 1 - BM25_B + BM25_B * lengths[ids] / max(float(lengths.mean()), 1.0)
            idf = np.log(1 + (live - len(ids) + 0.5) / (len(ids) + 0.5))
            total[ids] += boost * idf * tfs * (BM25_K1 + 1) / (tfs + BM25_K1 * norm)
        return total

    def key_terms(self, text: str, count: int) -> list[str]:
        """The words of `text` that best tell it apart from the rest of the index."""
        found = self.searcher.key_terms_from_text("body", text, numterms=count)
        return [term for term, _weight in found]

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
        """The index's write lock for `timeout` seconds, or None when someone else holds it.

        The commit merges small segments only below `merge_up_to` (default TINY) documents
        each, so a request's commit stays cheap; a background catch-up merges larger tiers.
        """
        merge_up_to = merge_up_to or TINY
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
            writer.commit(mergetype=lambda w, segments: merge_tiers(w, segments, merge_up_to))
            self._checked = 0.0  # this process's next search sees its own write at once

    def wants_merge(self, merge_up_to: int | None = None) -> bool:
        """Whether some size tier below `merge_up_to` (default MERGE_BELOW) has enough
        segments to merge."""
        merge_up_to = merge_up_to or MERGE_BELOW
        with self._lock:
            segments = self._index()._segments()
        return bool(_tiers_to_merge(segments, merge_up_to))




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


def segment_readers(searcher) -> list:
    """The index's per-segment readers; an empty index has one segment-less reader, skipped."""
    return [leaf for leaf, _offset in searcher.reader().leaf_readers() if leaf.segment()]


def _per_segment(leaf, what: str, compute):
    """Something read once per segment (segments never change; merged ones are dropped)."""
    key = (leaf.segment().segment_id(), what)
    if key not in _segment_cache:
        if len(_segment_cache) > 512:
            _segment_cache.clear()
        _segment_cache[key] = compute()
    return _segment_cache[key]


def read_facts(searcher) -> Facts:
    """Facts for every document, reusing segments already read (most never change)."""
    parts = [_per_segment(leaf, "facts", lambda leaf=leaf: Facts.read(leaf))
             for leaf in segment_readers(searcher)]
    return Facts.join(parts) if parts else Facts.empty()


def segment_lengths(leaf, field: str) -> np.ndarray:
    def compute():
        lengths = np.zeros(leaf.doc_count_all(), dtype=np.float32)
        reader = _length_column(leaf, field)
        if reader is not None:
            lengths[:] = _BYTE_TO_LENGTH[np.fromiter(reader, dtype=np.int64, count=len(lengths))]
        return lengths
    return _per_segment(leaf, ("lengths", field), compute)


def _length_column(leaf, field: str):
    """Whoosh 2.7 keeps each field's per-document length, one byte each, in a hidden column."""
    try:
        return leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    except (AttributeError, KeyError):
        return None


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def read_postings(leaf, field: str, text: str, values: bool = False) -> tuple:
    """One term's (docnums, frequencies, encoded values or None) in one segment, deleted
    documents included.

    Whoosh 2.7 stores postings in blocks of up to 128; reading a block's pickled tuple at once
    (C-speed delta decoding with `accumulate`) is ~50× faster than its matcher's `next()` loop.
    Other matchers (inlined short lists, another fork) take the public, slower way.
    """
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return [], [], [] if values else None
    if isinstance(matcher, FilterMatcher):  # deletions: the caller masks them out
        matcher = matcher.child
    # Encoded values are read in blocks only when each is a separate string (positions).
    if type(matcher) is W3LeafMatcher and not matcher._byteids \
            and (not values or matcher._fixedsize in (None, -1)):
        return _read_blocks(matcher, values)
    ids, tfs, encoded = [], [], [] if values else None
    while matcher.is_active():
        ids.append(matcher.id())
        tfs.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return ids, tfs, encoded


def _read_blocks(matcher, values: bool) -> tuple:
    ids, tfs, encoded = [], [], [] if values else None
    while not matcher._atend:
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        ids.extend(accumulate(deltas))
        if weights is None or isinstance(weights, float):
            tfs.extend([weights or 1.0] * len(deltas))
        else:
            tfs.extend(weights)
        if values:
            encoded.extend(matcher._data[2])
        matcher._next_block()
    return ids, tfs, encoded


BM25_K1, BM25_B = 1.2, 0.75
FIELD_BOOSTS = (("title", 3.0), ("tagwords", 2.0), ("body", 1.0))


def ranking_terms(piece: str) -> list[tuple[str, str, float]]:
    """Whole words weigh most (title, tags, body); bigrams give every sub-word match a score."""
    terms = [(field, word, boost) for word in analysis.query_words(piece)
             for field, boost in FIELD_BOOSTS]
    if analysis.HAN_RUN.fullmatch(piece):
        terms += [("grams", g, 0.5) for g in analysis.gram_sequence(piece) if len(g) == 2]
    else:
        terms.append(("grams", piece.lower(), 0.5))
    return terms


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
        return ix.writer(procs=procs, multisegment=True, limitmb=1024)
    return ix.writer(limitmb=1024)


def swap_in(new: Path, live: Path) -> None:
    """Replace the live folder by the freshly built one; readers notice the new index id."""
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(new, live)
    shutil.rmtree(old, ignore_errors=True)


def index_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
