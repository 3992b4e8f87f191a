"""One version of the index as a request sees it: its searcher, facts, postings and caches."""
from collections.abc import Iterator

import numpy as np
from whoosh.classify import Bo1Model

from ...cache import LRUCache
from . import whoosh_seam
from .facts import Facts
from .segments import segment_lengths, segment_postings, segment_readers, term_frequency


class View:
    """A searcher with the index's facts, live documents and per-version caches.

    Matching and ranking (evaluate.py) read whole posting lists into numpy arrays and work
    on boolean masks over docnums: Whoosh's own matchers handle one posting at a time in
    Python, which is what made common terms slow at 100,000 posts.
    """

    POSTINGS_KEPT = 800_000
    MEMO_ENTRIES = 128
    IDF_KEPT = 200_000  # one float a term: the telling words of 1,500 posts ask ~400,000 times

    def __init__(self, searcher, facts: Facts, version: tuple):
        self.searcher, self.facts, self.version = searcher, facts, version
        self.size = facts.size
        self.leaves = [(leaf, offset) for leaf, offset in searcher.reader().leaf_readers()
                       if leaf.segment()]
        self.cache = LRUCache(self.MEMO_ENTRIES)
        self._postings = LRUCache(self.POSTINGS_KEPT, weigh=lambda found: len(found[0]))
        # Its own cache: in the 128-entry memo each term's idf pushed out the next (and the
        # search's term masks), so nearly every lookup went to the segments again.
        self._idfs = LRUCache(self.IDF_KEPT)
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            deleted = whoosh_seam.deleted_docnums(leaf)
            if deleted:
                self.live[np.fromiter(deleted, dtype=np.int64) + offset] = False

    def memo(self, key, compute):
        """This version's cache; two threads racing may both compute, which is harmless."""
        return self.cache.get_or_compute(key, compute)

    def forget(self) -> None:
        """Drop the caches (a newer version took over; requests still on this one recompute)."""
        self.cache.clear()
        self._postings.clear()
        self._idfs.clear()

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
        """The live documents holding the term."""
        def compute():
            mask = np.zeros(self.size, dtype=bool)
            mask[self.postings(field, text)[0]] = True
            return mask & self.live
        return self.memo(("term", field, text), compute)

    def prefix_mask(self, field: str, prefix: str) -> np.ndarray:
        """The live documents holding any term that starts with `prefix`."""
        mask = np.zeros(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            for term in leaf.expand_prefix(field, prefix):
                ids = whoosh_seam.read_postings(leaf, field, term)[0]
                mask[np.asarray(ids, dtype=np.int64) + offset] = True
        return mask & self.live

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in tokens for one field (as Whoosh stores it, ~1 byte)."""
        def compute():
            parts = [segment_lengths(leaf, field) for leaf, _ in self.leaves]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self.memo(("lengths", field), compute)

    def positions_decoder(self, field: str):
        """Turns one encoded posting value of `field` into its positions."""
        return self.searcher.schema[field].format.decoder("positions")

    def key_terms(self, text: str, count: int) -> list[str]:
        """The words of `text` that best tell it apart from the rest of the index: what
        Whoosh's `key_terms_from_text` answers (Bo1 model, normalised weights, ties by
        word), with each word's collection frequency read once per segment and kept
        (`term_frequency`), so a new index version looks up only its new segments. Whoosh
        looks every word up in every segment twice, per call."""
        field = self.searcher.schema["body"]
        weights: dict[str, float] = {}
        total = 0
        for btext, _frequency, weight, _value in field.index(text):
            word = field.from_bytes(btext)
            weights[word] = weights.get(word, 0.0) + weight
            total += weight
        if not weights:
            return []
        reader = self.searcher.reader()
        model = Bo1Model(reader.doc_count_all(), reader.field_length("body"))
        scored, top = [], 0
        for word, weight in weights.items():
            frequency = self.collection_frequency("body", field.to_bytes(word))
            if frequency is None:
                continue
            score = model.score(weight, frequency, total)
            top = max(top, score)
            scored.append((score, word))
        norm = model.normalizer(top, total)
        scored = [(score / norm, word) for score, word in scored]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [word for _score, word in scored[:count]]

    def collection_frequency(self, field: str, btext: bytes) -> float | None:
        """A term's frequency over every segment (deleted documents included, as Whoosh
        counts it), None when no segment holds it. Each segment keeps its own answers."""
        found = [term_frequency(leaf, field, btext) for leaf, _offset in self.leaves]
        present = [f for f in found if f is not None]
        return sum(present) if present else None

    def telling_words(self, text: str, count: int) -> list[str]:
        """The words of `text` that weigh most by tf·idf against the index's posts: the
        body analyzer and document frequencies, without Whoosh's expansion model, which
        costs several times more per text and ranks the same words first."""
        tokens = [token.text for token in self.searcher.schema["body"].analyzer(text)]
        frequency: dict[str, int] = {}
        for token in tokens:
            frequency[token] = frequency.get(token, 0) + 1
        # A term's weight is at most n × the largest idf. Taking terms by n, most first, once
        # the `count`-th best weight beats that bound no later term can enter, and the
        # document-frequency lookups (nine tenths of the time, a term seen once each) stop.
        # The same words come out as weighing every term.
        ceiling = float(np.log((self.size + 1) / 0.5))
        weighed: list[tuple[float, str]] = []
        for term, n in sorted(frequency.items(), key=lambda item: -item[1]):
            if len(weighed) >= count and n * ceiling < weighed[count - 1][0]:
                break
            weighed.append((n * self._idf(term), term))
            weighed.sort(reverse=True)
            del weighed[count:]
        return [term for _weight, term in weighed]

    def _idf(self, term: str) -> float:
        def compute():
            found = self.searcher.doc_frequency("body", term)
            return float(np.log((self.size + 1) / (found + 0.5)))
        return self._idfs.get_or_compute(term, compute)

    def all_ids(self) -> Iterator[tuple[int, str]]:
        """(post id, signature) of every live document, for `flask search check`."""
        for leaf in segment_readers(self.searcher):
            ids = list(leaf.column_reader("id"))
            sigs = list(leaf.column_reader("sig"))
            for docnum in leaf.all_doc_ids():
                yield int(ids[docnum]), sigs[docnum].decode()
