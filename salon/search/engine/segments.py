"""What is read once per segment and kept: segments never change (a merge writes a new one).

Facts, field lengths and posting lists of a segment stay valid for every index version that
still holds it, so after a new post only its small new segment is read.
"""
import numpy as np

from ...cache import LRUCache
from . import whoosh_seam

# Facts and field lengths, per segment (a few hundred segments at most).
_per_segment = LRUCache(512)
# (docnums, frequencies) per segment and term, shared by every index version: ~32 MB.
_postings = LRUCache(4_000_000, weigh=lambda arrays: len(arrays[0]))
_BYTE_TO_LENGTH = np.array(whoosh_seam.byte_lengths(), dtype=np.float32)


def segment_readers(searcher) -> list:
    """The index's per-segment readers; an empty index has one segment-less reader, skipped."""
    return [leaf for leaf, _offset in searcher.reader().leaf_readers() if leaf.segment()]


def per_segment(leaf, what, compute):
    """`compute()` for this segment, read once and kept."""
    return _per_segment.get_or_compute((leaf.segment().segment_id(), what), compute)


def segment_postings(leaf, field: str, text: str, values: bool = False) -> tuple:
    """One term's postings in one segment as arrays, remembered across index versions; the
    encoded values (positions), when asked, are read afresh (they are not kept)."""
    key = (leaf.segment().segment_id(), field, text)
    kept = _postings.get(key)
    if kept is not None and not values:
        return kept[0], kept[1], None
    ids, tfs, encoded = whoosh_seam.read_postings(leaf, field, text, values)
    arrays = (np.asarray(ids, dtype=np.int32), np.asarray(tfs, dtype=np.float32))
    _postings.put(key, arrays)
    return arrays[0], arrays[1], encoded


def term_frequency(leaf, field: str, btext: bytes) -> float | None:
    """A term's total frequency in one segment (Whoosh's `frequency`), None when the segment
    lacks it; looked up once per segment and term and kept with the segment."""
    known = per_segment(leaf, ("frequencies", field), dict)
    if btext not in known:
        known[btext] = leaf.frequency(field, btext) if (field, btext) in leaf else None
    return known[btext]


def segment_lengths(leaf, field: str) -> np.ndarray:
    """Every document's length in tokens for one field, as Whoosh stores it (~1 byte)."""
    def compute():
        lengths = np.zeros(leaf.doc_count_all(), dtype=np.float32)
        reader = whoosh_seam.length_column(leaf, field)
        if reader is not None:
            lengths[:] = _BYTE_TO_LENGTH[np.fromiter(reader, dtype=np.int64, count=len(lengths))]
        elif not whoosh_seam.SUPPORTED:  # Whoosh's public way, one call per document
            for docnum in range(len(lengths)):
                lengths[docnum] = leaf.doc_field_length(docnum, field, 0)
        return lengths
    return per_segment(leaf, ("lengths", field), compute)
