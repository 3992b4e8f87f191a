"""Search as users see it: matching, visibility, filters with counts, ranking, snippets."""
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time

import numpy as np
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..posts.models import Post
from . import sync
from .engine import Facts, ranking_terms
from .query import ParsedQuery, parse
from .snippets import Marked, mark, snippet

PER_PAGE = 10
MAX_PAGE = 100
FACETS = ("kind", "salon", "unit", "tags", "state")


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

    def key(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass
class Hit:
    post: Post
    score: float
    title: Marked
    snippet: Marked


@dataclass
class SearchResult:
    query: ParsedQuery
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    counts: dict[str, Counter] = field(default_factory=dict)
    approximate: bool = False  # the total and counts are estimates (约)

    @property
    def pagination(self) -> Pagination:
        return ResultsPagination(self.hits, self.total, self.page, self.per_page)


class ResultsPagination(Pagination):
    """Flask-SQLAlchemy's pagination (for the shared macro) over results already fetched."""

    def __init__(self, items, total, page, per_page):
        self._items, self._total = items, total
        super().__init__(page=page, per_page=per_page, error_out=False)

    def _query_items(self):
        return self._items

    def _query_count(self):
        return self._total


# -- matching --------------------------------------------------------------------------------
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


def _matches(view, parsed: ParsedQuery, exact: bool = False) -> Matched:
    """Documents containing every required piece and none of the excluded ones."""
    docs, weight, unsure = view.live.copy(), None, {}
    for piece in parsed.required:
        found = view.piece(piece, exact)
        docs &= found.docs
        if found.unsure is not None:
            weight = np.ones(view.size, dtype=np.float32) if weight is None else weight
            weight[found.unsure] *= found.rate
            unsure[piece] = found.unsure
    for piece in parsed.excluded:
        docs &= ~view.piece(piece, exact=True).docs
    return Matched(docs, weight, unsure)


def _visible(view, user_id: int | None) -> np.ndarray:
    """Submitted posts, and the user's own drafts."""
    def compute():
        facts = view.facts
        draft = facts["status"] != Facts.known_code("submitted")
        return ~(draft & (facts["author_id"] != (user_id or 0)))
    return view.memo(("visible", user_id), compute)


def _in_dates(view, filters: Filters) -> np.ndarray | None:
    if not (filters.date_from or filters.date_to):
        return None
    created = view.facts["created"]
    mask = np.ones(view.size, dtype=bool)
    if filters.date_from:
        mask &= created >= int(datetime.combine(filters.date_from, time.min).timestamp())
    if filters.date_to:
        mask &= created <= int(datetime.combine(filters.date_to, time.max).timestamp())
    return mask


def _passing(view, name: str, value: str) -> np.ndarray:
    """Documents whose facet `name` has `value`."""
    code = Facts.known_code(value)
    if name == "tags":
        return view.facts.tag_mask(code)
    return view.facts[name] == code


def _count(view, matched: Matched, docs: np.ndarray, name: str) -> Counter:
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


def narrow(view, matched: Matched, filters: Filters) -> tuple[np.ndarray, dict[str, Counter]]:
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


# -- ordering and loading --------------------------------------------------------------------
def _candidates(view, parsed: ParsedQuery, docs: np.ndarray, sort: str, limit: int):
    """At least `limit` of `docs` (all if fewer), best first, as (docnum, score) pairs."""
    chosen = np.flatnonzero(docs)
    created, ids = view.facts["created"][chosen], view.facts["id"][chosen]
    if sort == "newest" or parsed.is_empty:
        scores = np.zeros(len(chosen), dtype=np.float32)
    else:
        scores = view.memo(("scores", parsed.required), lambda: view.scores(
            term for piece in parsed.required for term in ranking_terms(piece)))
        scores = scores[chosen]
    if len(chosen) > limit:  # the top `limit` by score, ties broken by the newest
        keep = np.argpartition(-scores, limit - 1)[:limit]
        cut = scores[keep].min()
        keep = np.flatnonzero(scores >= cut)
        chosen, created, ids, scores = chosen[keep], created[keep], ids[keep], scores[keep]
    order = np.lexsort((-ids, -created, -scores))
    return [(int(chosen[i]), float(scores[i])) for i in order]


def _really_matching(view, matched: Matched, pairs: list) -> list:
    """Drop shown candidates that an estimated piece does not really contain."""
    for piece, unsure in matched.unsure.items():
        checks = np.array([d for d, _ in pairs if unsure[d]], dtype=np.int64)
        if len(checks):
            false = set(checks[~view.contains(piece, checks)].tolist())
            pairs = [(d, s) for d, s in pairs if d not in false]
    return pairs


def _order(view, parsed: ParsedQuery, matched: Matched, docs: np.ndarray, sort: str,
           limit: int) -> list:
    ordered = _candidates(view, parsed, docs, sort, limit)
    if matched.unsure:
        checked = _really_matching(view, matched, ordered)
        if len(checked) < limit <= len(ordered):  # false ones left a gap: rank them all
            checked = _really_matching(view, matched, _candidates(
                view, parsed, docs, sort, int(docs.sum())))
        ordered = checked
    return ordered[:limit]


def load_posts(ids: list[int], brief: bool = False) -> dict[int, Post]:
    """The posts behind the hits, with what the result list shows, in one round of queries;
    `brief`: only the unit (a side panel of titles)."""
    options = [selectinload(Post.unit)]
    if not brief:
        options += [selectinload(Post.author), selectinload(Post.salon), selectinload(Post.tags),
                    selectinload(Post.problem)]
    posts = db.session.scalars(select(Post).where(Post.id.in_(ids)).options(*options)).all()
    return {post.id: post for post in posts}


def search(text: str | None, user_id: int | None, filters: Filters = Filters(),
           sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
    """One page of results for what a user typed, as that user may see them."""
    sync.ensure_fresh()
    parsed = parse(text)
    page = min(max(page, 1), MAX_PAGE)
    if parsed.is_empty and not filters.active and not (filters.date_from or filters.date_to):
        return SearchResult(parsed, [], 0, page, per_page)
    view = sync.search_index().view()

    def compute():
        matched = _matches(view, parsed).restricted(_visible(view, user_id))
        final, counts = narrow(view, matched, filters)
        return matched, final, counts, matched.total(final)
    matched, final, counts, total = view.memo(("narrow", parsed, filters.key(), user_id), compute)
    ordered = _order(view, parsed, matched, final, sort, page * per_page)[(page - 1) * per_page:]
    post_ids = [int(view.facts["id"][d]) for d, _ in ordered]
    posts = load_posts(post_ids)
    hits = [Hit(posts[pid], score, mark(posts[pid].title, parsed.highlights),
                snippet(posts[pid].body, parsed.highlights))
            for pid, (_d, score) in zip(post_ids, ordered, strict=True) if pid in posts]
    return SearchResult(parsed, hits, total, page, per_page, counts,
                        approximate=matched.weight is not None)


# -- related posts and similar problems ------------------------------------------------------
def _public(view, kind: str | None = None) -> np.ndarray:
    """Live submitted documents (of one kind), cached per index version."""
    def compute():
        mask = view.live & (view.facts["status"] == Facts.known_code("submitted"))
        if kind is not None:
            mask &= view.facts["kind"] == Facts.known_code(kind)
        return mask
    return view.memo(("public", kind), compute)


def _like(view, text: str, kind: str | None, exclude_id: int | None, limit: int) -> list[int]:
    """Ids of the allowed posts sharing most of the text's telling words, best first."""
    words = view.key_terms(text, 10)
    allowed = _public(view, kind)
    if exclude_id is not None:
        allowed = allowed & (view.facts["id"] != exclude_id)
    scores = view.scores((field, word, 1.0) for word in words for field in ("title", "body"))
    chosen = np.flatnonzero(allowed & (scores > 0))
    if len(chosen) > limit:
        chosen = chosen[np.argpartition(-scores[chosen], limit - 1)[:limit]]
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")]
    return [int(view.facts["id"][d]) for d in chosen]


def _in_order(post_ids: list[int], brief: bool = False) -> list[Post]:
    posts = load_posts(post_ids, brief)
    return [posts[pid] for pid in post_ids if pid in posts]


def related_posts(post: Post, limit: int = 5) -> list[Post]:
    """相关经验: published posts sharing this post's most telling words (title, unit, date
    shown, so only the unit is loaded with them)."""
    sync.ensure_fresh()
    view = sync.search_index().view()
    post_ids = view.memo(("related", post.id, limit), lambda: _like(
        view, f"{post.title}\n{post.title}\n{post.body}", None, post.id, limit))
    return _in_order(post_ids, brief=True)


def similar_problems(title: str, body: str, limit: int = 5) -> list[Post]:
    """Existing problem reports like the one being written (to co-sign instead of duplicating)."""
    text = f"{title}\n{title}\n{body}"[:2000]
    if len(text.strip()) < 2:
        return []
    sync.ensure_fresh()
    return _in_order(_like(sync.search_index().view(), text, "problem", None, limit))


def hit_json(hit: Hit) -> dict:
    """A hit for the API and the CLI; the snippet is HTML with the matches in <mark>."""
    return {"id": hit.post.id, "kind": hit.post.kind, "title": hit.post.title,
            "score": round(hit.score, 4), "snippet": str(hit.snippet.html())}


def salon_labels() -> dict[str, str]:
    """Month → 第N期（…）for the salon filter."""
    from ..salons.models import Salon

    return {s.month: s.label for s in db.session.scalars(select(Salon).order_by(Salon.month))}
