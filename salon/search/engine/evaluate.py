"""Query evaluation, all of it: which documents match, facet counts, BM25 ranking, order.

Works on a View's arrays (masks over docnums), with no database and no Whoosh matcher: a
change to matching, ranking or facets is a change here only.
"""
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Protocol

import numpy as np

from .. import analysis
from .facts import Facts
from .view import View

FACETS = ("kind", "salon", "unit", "tags", "state")
VERIFY_ALL = 2000   # unsure documents checked one by one; above this, a sample
SAMPLE = 400
BM25_K1, BM25_B = 1.2, 0.75
FIELD_BOOSTS = (("title", 3.0), ("tagwords", 2.0), ("body", 1.0))


class Query(Protocol):
    """What evaluation needs of a parsed query (query.ParsedQuery)."""

    required: tuple[str, ...]
    excluded: tuple[str, ...]

    @property
    def is_empty(self) -> bool: ...


@dataclass(frozen=True)
class Filters:
    """What the sidebar narrows by; every value is optional and validated by the caller."""

    kind: str = ""
    salon: str = ""
    unit: str = ""
    tags: str = ""
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}

    @property
    def narrows(self) -> bool:
        return bool(self.active or self.date_from or self.date_to)

    def key(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Found:
    """One page's worth of results: (post id, score) best first, the total and facet counts."""

    ranked: list[tuple[int, float]]
    total: int
    counts: dict[str, Counter]
    approximate: bool  # the total and counts are estimates (约)


def search(view: View, query: Query, filters: Filters, user_id: int | None, sort: str,
           limit: int) -> Found:
    """The first `limit` results of a query as the user may see them, with counts."""
    def compute():
        matched = matches(view, query).restricted(visible(view, user_id))
        final, counts = narrow(view, matched, filters)
        return matched, final, counts, matched.total(final)
    matched, final, counts, total = view.memo(("narrow", query, filters.key(), user_id), compute)
    ordered = _order(view, query, matched, final, sort, limit)
    ranked = [(int(view.facts["id"][d]), score) for d, score in ordered]
    return Found(ranked, total, counts, matched.weight is not None)


# -- one piece of a query --------------------------------------------------------------------
@dataclass
class PieceMatch:
    """Documents holding a query piece. `unsure` ones (a subset of `docs`) were not checked
    one by one; `rate` is the share of a checked sample of them that really hold it."""

    docs: np.ndarray
    unsure: np.ndarray | None = None
    rate: float = 1.0


def piece(view: View, text: str, exact: bool = False) -> PieceMatch:
    """Documents whose folded text contains `text` (a Han run or a letter/digit run)."""
    return view.memo(("piece", text, exact), lambda: _match_piece(view, text, exact))


def _match_piece(view: View, text: str, exact: bool) -> PieceMatch:
    if not analysis.HAN_RUN.fullmatch(text):
        return PieceMatch(view.term_mask("grams", text.lower()))
    if len(text) == 1:
        return PieceMatch(view.prefix_mask("grams", text))
    grams = analysis.gram_sequence(text)
    if len(grams) == 1:
        return PieceMatch(view.term_mask("grams", grams[0]))
    # Every bigram present: a candidate. The piece as a segmented word: surely a match.
    for gram in grams:  # read once with the positions that `contains` checks
        view.postings("grams", gram, values=True)
    candidates = np.logical_and.reduce([view.term_mask("grams", g) for g in grams])
    sure = candidates & np.logical_or.reduce(
        [view.term_mask(f, text) for f in ("title", "body", "tagwords")])
    unsure = np.flatnonzero(candidates & ~sure)
    if exact or len(unsure) <= VERIFY_ALL:
        sure[unsure[contains(view, text, unsure)]] = True
        return PieceMatch(sure)
    # Too many to check now: check an even sample, drop what it disproves, and let the
    # caller estimate counts and check the few documents it shows.
    sample = unsure[np.linspace(0, len(unsure) - 1, SAMPLE).astype(np.int64)]
    found = contains(view, text, sample)
    candidates[sample[~found]] = False
    sure[sample[found]] = True
    return PieceMatch(candidates, candidates & ~sure, float(found.mean()))


def contains(view: View, text: str, docnums: np.ndarray) -> np.ndarray:
    """For each of the (sorted) docnums, whether its bigrams of `text` are consecutive: the
    positions come from the posting lists already read for matching."""
    decode = view.positions_decoder("grams")
    starts: list[set | None] = [None] * len(docnums)
    for shift, gram in enumerate(analysis.gram_sequence(text)):
        ids, _tfs, encoded = view.postings("grams", gram, values=True)
        where = np.minimum(np.searchsorted(ids, docnums), max(len(ids) - 1, 0))
        for i, (doc, at) in enumerate(zip(docnums.tolist(), where.tolist(), strict=True)):
            if starts[i] == set() or not len(ids) or ids[at] != doc:
                starts[i] = set()
                continue
            found = {p - shift for p in decode(encoded[at])}
            starts[i] = found if starts[i] is None else starts[i] & found
    return np.array([bool(s) for s in starts], dtype=bool)


# -- the whole query, visibility and facets ----------------------------------------------------
@dataclass
class Matched:
    """The documents a query matches, as a mask over docnums.

    `weight`, when set, is each document's chance of really matching: documents a large
    query did not check one by one count for the share of a checked sample that matched,
    so totals and facet counts are estimates (shown as 约). Shown hits are always checked.
    """

    docs: np.ndarray
    weight: np.ndarray | None = None
    unsure: dict[str, np.ndarray] = field(default_factory=dict)

    def restricted(self, mask: np.ndarray) -> "Matched":
        return Matched(self.docs & mask, self.weight, self.unsure)

    def total(self, docs: np.ndarray | None = None) -> int:
        docs = self.docs if docs is None else docs
        if self.weight is None:
            return int(docs.sum())
        return int(round(float(self.weight[docs].sum())))


def matches(view: View, query: Query, exact: bool = False) -> Matched:
    """Documents containing every required piece and none of the excluded ones."""
    docs, weight, unsure = view.live.copy(), None, {}
    for text in query.required:
        found = piece(view, text, exact)
        docs &= found.docs
        if found.unsure is not None:
            weight = np.ones(view.size, dtype=np.float32) if weight is None else weight
            weight[found.unsure] *= found.rate
            unsure[text] = found.unsure
    for text in query.excluded:
        docs &= ~piece(view, text, exact=True).docs
    return Matched(docs, weight, unsure)


def visible(view: View, user_id: int | None) -> np.ndarray:
    """Submitted posts, and the user's own drafts."""
    def compute():
        facts = view.facts
        draft = facts["status"] != Facts.known_code("submitted")
        return ~(draft & (facts["author_id"] != (user_id or 0)))
    return view.memo(("visible", user_id), compute)


def public(view: View, kind: str | None = None) -> np.ndarray:
    """Live submitted documents (of one kind), cached per index version."""
    def compute():
        mask = view.live & (view.facts["status"] == Facts.known_code("submitted"))
        if kind is not None:
            mask &= view.facts["kind"] == Facts.known_code(kind)
        return mask
    return view.memo(("public", kind), compute)


def _in_dates(view: View, filters: Filters) -> np.ndarray | None:
    if not (filters.date_from or filters.date_to):
        return None
    created = view.facts["created"]
    mask = np.ones(view.size, dtype=bool)
    if filters.date_from:
        mask &= created >= int(datetime.combine(filters.date_from, time.min).timestamp())
    if filters.date_to:
        mask &= created <= int(datetime.combine(filters.date_to, time.max).timestamp())
    return mask


def _passing(view: View, name: str, value: str) -> np.ndarray:
    """Documents whose facet `name` has `value`."""
    code = Facts.known_code(value)
    if name == "tags":
        return view.facts.tag_mask(code)
    return view.facts[name] == code


def _count(view: View, matched: Matched, docs: np.ndarray, name: str) -> Counter:
    if name == "tags":
        chosen = docs[view.facts["tag_doc"]]
        codes = view.facts["tag_code"][chosen]
        weights = matched.weight[view.facts["tag_doc"][chosen]] if matched.weight is not None \
            else None
    else:
        codes = view.facts[name][docs]
        weights = matched.weight[docs] if matched.weight is not None else None
    counts = np.bincount(codes, weights=weights)
    return Counter({Facts.label(code): int(round(counts[code]))
                    for code in np.flatnonzero(counts) if code and round(counts[code])})


def narrow(view: View, matched: Matched, filters: Filters) -> tuple[np.ndarray, dict]:
    """The filtered set, and per facet the counts with every *other* filter applied."""
    base = matched.docs
    dates = _in_dates(view, filters)
    if dates is not None:
        base = base & dates
    passing = {name: _passing(view, name, value) for name, value in filters.active.items()}
    final = np.logical_and.reduce([base, *passing.values()]) if passing else base
    counts = {}
    for name in FACETS:
        others = [docs for other, docs in passing.items() if other != name]
        subset = np.logical_and.reduce([base, *others]) if others else base
        counts[name] = _count(view, matched, subset, name)
    return final, counts


# -- ranking and order -----------------------------------------------------------------------
def ranking_terms(text: str) -> list[tuple[str, str, float]]:
    """Whole words weigh most (title, tags, body); bigrams give every sub-word match a score."""
    terms = [(name, word, boost) for word in analysis.query_words(text)
             for name, boost in FIELD_BOOSTS]
    if analysis.HAN_RUN.fullmatch(text):
        terms += [("grams", g, 0.5) for g in analysis.gram_sequence(text) if len(g) == 2]
    else:
        terms.append(("grams", text.lower(), 0.5))
    return terms


def bm25(view: View, terms) -> np.ndarray:
    """BM25 per document for (field, term, boost) triples, computed over whole arrays."""
    total = np.zeros(view.size, dtype=np.float32)
    live = max(int(view.live.sum()), 1)
    for name, term, boost in terms:
        ids, tfs, _values = view.postings(name, term)
        if not len(ids):
            continue
        lengths = view.lengths(name)
        norm = 1 - BM25_B + BM25_B * lengths[ids] / max(float(lengths.mean()), 1.0)
        idf = np.log(1 + (live - len(ids) + 0.5) / (len(ids) + 0.5))
        total[ids] += boost * idf * tfs * (BM25_K1 + 1) / (tfs + BM25_K1 * norm)
    return total


def _candidates(view: View, query: Query, docs: np.ndarray, sort: str, limit: int) -> list:
    """At least `limit` of `docs` (all if fewer), best first, as (docnum, score) pairs."""
    chosen = np.flatnonzero(docs)
    created, ids = view.facts["created"][chosen], view.facts["id"][chosen]
    if sort == "newest" or query.is_empty:
        scores = np.zeros(len(chosen), dtype=np.float32)
    else:
        scores = view.memo(("scores", query.required), lambda: bm25(
            view, (term for text in query.required for term in ranking_terms(text))))
        scores = scores[chosen]
    if len(chosen) > limit:  # the top `limit` by score, ties broken by the newest
        keep = np.argpartition(-scores, limit - 1)[:limit]
        cut = scores[keep].min()
        keep = np.flatnonzero(scores >= cut)
        chosen, created, ids, scores = chosen[keep], created[keep], ids[keep], scores[keep]
    order = np.lexsort((-ids, -created, -scores))
    return [(int(chosen[i]), float(scores[i])) for i in order]


def _really_matching(view: View, matched: Matched, pairs: list) -> list:
    """Drop shown candidates that an estimated piece does not really contain."""
    for text, unsure in matched.unsure.items():
        checks = np.array([d for d, _ in pairs if unsure[d]], dtype=np.int64)
        if len(checks):
            false = set(checks[~contains(view, text, checks)].tolist())
            pairs = [(d, s) for d, s in pairs if d not in false]
    return pairs


def _order(view: View, query: Query, matched: Matched, docs: np.ndarray, sort: str,
           limit: int) -> list:
    ordered = _candidates(view, query, docs, sort, limit)
    if matched.unsure:
        checked = _really_matching(view, matched, ordered)
        if len(checked) < limit <= len(ordered):  # false ones left a gap: rank them all
            checked = _really_matching(view, matched, _candidates(
                view, query, docs, sort, int(docs.sum())))
        ordered = checked
    return ordered[:limit]


def similar(view: View, text: str, kind: str | None, exclude_id: int | None,
            limit: int) -> list[int]:
    """Ids of the public posts sharing most of the text's telling words, best first."""
    words = view.key_terms(text, 10)
    allowed = public(view, kind)
    if exclude_id is not None:
        allowed = allowed & (view.facts["id"] != exclude_id)
    scores = bm25(view, ((name, word, 1.0) for word in words for name in ("title", "body")))
    chosen = np.flatnonzero(allowed & (scores > 0))
    if len(chosen) > limit:
        chosen = chosen[np.argpartition(-scores[chosen], limit - 1)[:limit]]
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")]
    return [int(view.facts["id"][d]) for d in chosen]
