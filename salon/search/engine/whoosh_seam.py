"""Every use of Whoosh's private parts, in one place, for a Whoosh version they were checked on.

Three internals of Whoosh 2.7 are used for speed and memory:
- segment files are read through the memory map instead of a private copy (`_MemoryStream`,
  installed over `BufferFile.__init__`): Whoosh's `BufferFile` copies each sub-file of a
  mapped segment into a `BytesIO`, so every searcher held its own copy of all posting lists;
- while a segment is written, each field's lengths are read once instead of once per
  posting (`W3PerDocReader.doc_field_length`);
- posting lists are read a whole block at a time (`read_postings`), and per-document field
  lengths and deletions straight from the segment (`length_column`, `deleted_docnums`).

`install()` applies the two patches at start-up, only for a version in CHECKED; on another
version nothing is patched and every read takes Whoosh's public, slower way, so an upgrade
makes search slower, never wrong. `tests/test_whoosh_seam.py` fails on such an upgrade.
"""
import logging
from itertools import accumulate

import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader
from whoosh.filedb import structfile
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

log = logging.getLogger(__name__)

CHECKED = ((2, 7, 5),)  # Whoosh-Reloaded versions whose internals this module was checked on
SUPPORTED = tuple(whoosh.__version__[:3]) in CHECKED


class _MemoryStream:
    """A read-only file over a memoryview, without copying it: the data stays in the page
    cache that every process mapping the segment shares."""

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


def _doc_field_length(self, docnum, fieldname, default=0):
    """Whoosh asks a field's length once per posting when it writes a segment (a third of a
    rebuild went there, through four calls each); read each field's lengths once instead."""
    cache = self.__dict__.setdefault("_salon_lengths", {})
    if fieldname not in cache:
        reader = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        cache[fieldname] = None if reader is None else list(reader)
    lengths = cache[fieldname]
    if lengths is None or docnum >= len(lengths):
        return _ORIGINAL["doc_field_length"](self, docnum, fieldname, default)
    return byte_to_length(lengths[docnum]) if lengths[docnum] else None


_ORIGINAL = {"buffer_file_init": structfile.BufferFile.__init__,
             "doc_field_length": W3PerDocReader.doc_field_length}


def install() -> bool:
    """Apply the patches (once per process; called by the search feature at start-up).
    Whether they are in place: not on a Whoosh version they were not checked on."""
    if not SUPPORTED:
        log.warning("Whoosh %s 未经核对：检索不打补丁，改走 Whoosh 的公开接口（较慢）",
                    whoosh.versionstring())
        return False
    structfile.BufferFile.__init__ = _buffer_file_init
    W3PerDocReader.doc_field_length = _doc_field_length
    return True


def uninstall() -> None:
    """Whoosh as shipped (for tests that compare the patched and the original behaviour)."""
    structfile.BufferFile.__init__ = _ORIGINAL["buffer_file_init"]
    W3PerDocReader.doc_field_length = _ORIGINAL["doc_field_length"]


def installed() -> bool:
    return structfile.BufferFile.__init__ is _buffer_file_init


# -- reads of private attributes -------------------------------------------------------------
def read_postings(leaf, field: str, text: str, values: bool = False) -> tuple:
    """One term's (docnums, frequencies, encoded values or None) in one segment, deleted
    documents included.

    Whoosh 2.7 stores postings in blocks of up to 128; reading a block's pickled tuple at once
    (C-speed delta decoding with `accumulate`) is far faster than its matcher's `next()` loop.
    Other matchers (inlined short lists, another version) take the public, slower way.
    """
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return [], [], [] if values else None
    if isinstance(matcher, FilterMatcher):  # deletions: the caller masks them out
        matcher = matcher.child
    # Encoded values are read in blocks only when each is a separate string (positions).
    if SUPPORTED and type(matcher) is W3LeafMatcher and not matcher._byteids \
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


def length_column(leaf, field: str):
    """Each document's length in `field`, one byte each (Whoosh's hidden column), or None."""
    if not SUPPORTED:
        return None
    try:
        return leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    except (AttributeError, KeyError):
        return None


def deleted_docnums(leaf) -> frozenset:
    """The segment's deleted documents (read once per segment reader)."""
    if SUPPORTED:
        return leaf.deleted_docs_set
    return frozenset(set(range(leaf.doc_count_all())) - set(leaf.all_doc_ids()))


def index_segments(ix) -> list:
    """The segments of the index's latest generation."""
    if SUPPORTED:
        return ix._segments()
    with ix.reader() as reader:
        return [leaf.segment() for leaf, _offset in reader.leaf_readers() if leaf.segment()]


def byte_lengths() -> list[float]:
    """The field length each of the 256 stored byte values stands for."""
    return [byte_to_length(b) for b in range(256)]
