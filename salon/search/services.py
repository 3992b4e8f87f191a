"""Search as users see it: matching, visibility, filters with counts, ranking, snippets."""
import heapq
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from itertools import chain

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..posts.models import Post
from . import sync
from .query import ParsedQuery, parse
from .snippets import Marked, mark, snippet

PER_PAGE = 10
MAX_PAGE = 100
FACETS = ("kind", "salon", "unit", "tags", "state")
CACHE_LIMIT = 256


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
def _cached(view, key, compute):
    if key not in view.cache:
        if len(view.cache) > CACHE_LIMIT:
            view.cache.clear()
        view.cache[key] = compute()
    return view.cache[key]


def _matches(view, parsed: ParsedQuery) -> set[int]:
    """Documents containing every required piece and none of the excluded ones."""
    if parsed.required:
        sets = sorted((view.piece_docs(p) for p in parsed.required), key=len)
        found = set(sets[0]).intersection(*sets[1:])
    else:
        found = view.live_docs()
    for piece in parsed.excluded:
        found -= view.piece_docs(piece)
    return found


def _drafts(view) -> dict[int, int]:
    """Draft documents and their authors (few), once per index version."""
    def compute():
        status, author = view.facts["status"], view.facts["author_id"]
        return {d: author[d] for d in range(view.facts.size) if status[d] != "submitted"}
    return _cached(view, ("drafts",), compute)


def _visible(view, docs: set[int], user_id: int | None) -> set[int]:
    """Submitted posts, and the user's own drafts."""
    hidden = {d for d, author in _drafts(view).items() if author != user_id}
    return docs - hidden if hidden else docs


def _in_dates(view, docs: set[int], filters: Filters) -> set[int]:
    if not (filters.date_from or filters.date_to):
        return docs
    low = int(datetime.combine(filters.date_from or date.min, time.min).timestamp()) \
        if filters.date_from else None
    high = int(datetime.combine(filters.date_to, time.max).timestamp()) if filters.date_to else None
    created = view.facts["created"]
    return {d for d in docs
            if (low is None or created[d] >= low) and (high is None or created[d] <= high)}


def _passing(view, docs: set[int], name: str, value: str) -> set[int]:
    """Those of `docs` whose facet `name` has `value` (the value's documents cached per version)."""
    def compute():
        column = view.facts[name]
        if name == "tags":
            return frozenset(d for d in range(view.facts.size) if value in column[d])
        return frozenset(d for d in range(view.facts.size) if column[d] == value)
    return docs & _cached(view, ("facet", name, value), compute)


def _count(view, docs: set[int], name: str) -> Counter:
    column = view.facts[name]
    values = map(column.__getitem__, docs)
    counts = Counter(chain.from_iterable(values)) if name == "tags" else Counter(values)
    counts.pop("", None)
    return counts


def narrow(view, base: set[int], filters: Filters) -> tuple[set[int], dict[str, Counter]]:
    """The filtered set, and per facet the counts with every *other* filter applied."""
    base = _in_dates(view, base, filters)
    active = filters.active
    passing = {name: _passing(view, base, name, value) for name, value in active.items()}
    final = base.intersection(*passing.values()) if passing else base
    counts = {}
    for name in FACETS:
        others = [docs for other, docs in passing.items() if other != name]
        subset = base.intersection(*others) if others else base
        counts[name] = _count(view, subset, name)
    return final, counts


# -- ordering and loading --------------------------------------------------------------------
def _newest(view, docs: set[int], limit: int) -> list[int]:
    created, ids = view.facts["created"], view.facts["id"]
    return heapq.nlargest(limit, docs, key=lambda d: (created[d], ids[d]))


def _order(view, parsed: ParsedQuery, docs: set[int], sort: str, limit: int):
    if sort == "newest" or parsed.is_empty:
        return [(d, 0.0) for d in _newest(view, docs, limit)]
    ranked = view.ranked(parsed.required, docs, limit)
    if len(ranked) < min(limit, len(docs)):
        # One-character pieces are matched by prefix, which ranking skips: newest fill the rest.
        seen = {d for d, _ in ranked}
        rest = _newest(view, docs - seen, limit - len(ranked))
        ranked += [(d, 0.0) for d in rest]
    return ranked


def load_posts(ids: list[int]) -> dict[int, Post]:
    """The posts behind the hits, with what the result list shows, in one round of queries."""
    options = [selectinload(Post.author), selectinload(Post.unit), selectinload(Post.salon),
               selectinload(Post.tags)]
    if hasattr(Post, "problem"):
        options.append(selectinload(Post.problem))
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
    key = ("narrow", parsed, filters.key(), user_id)
    final, counts = _cached(view, key, lambda: narrow(
        view, _visible(view, _matches(view, parsed), user_id), filters))
    ordered = _order(view, parsed, final, sort, page * per_page)[(page - 1) * per_page:]
    post_ids = [view.facts["id"][d] for d, _ in ordered]
    posts = load_posts(post_ids)
    hits = [Hit(posts[pid], score, mark(posts[pid].title, parsed.highlights),
                snippet(posts[pid].body, parsed.highlights))
            for pid, (_d, score) in zip(post_ids, ordered, strict=True) if pid in posts]
    return SearchResult(parsed, hits, len(final), page, per_page, counts)


# -- related posts and similar problems ------------------------------------------------------
def _public(view, kind: str | None = None) -> set[int]:
    """Live submitted documents (of one kind), cached per index version."""
    def compute():
        status, kinds = view.facts["status"], view.facts["kind"]
        return {d for d in view.live_docs()
                if status[d] == "submitted" and (kind is None or kinds[d] == kind)}
    return _cached(view, ("public", kind), compute)


def _like(view, text: str, kind: str | None, exclude_id: int | None, limit: int) -> list[Post]:
    words = view.key_terms(text, 10)
    allowed = _public(view, kind)
    if exclude_id is not None:
        ids = view.facts["id"]
        allowed = {d for d in allowed if ids[d] != exclude_id}
    ranked = view.like_terms(words, allowed, limit)
    post_ids = [view.facts["id"][d] for d, _ in ranked]
    posts = load_posts(post_ids)
    return [posts[pid] for pid in post_ids if pid in posts]


def related_posts(post: Post, limit: int = 5) -> list[Post]:
    """相关经验: published posts sharing this post's most telling words."""
    sync.ensure_fresh()
    view = sync.search_index().view()
    key = ("related", post.id, limit)
    if key in view.cache:
        posts = load_posts(view.cache[key])
        return [posts[i] for i in view.cache[key] if i in posts]
    found = _like(view, f"{post.title}\n{post.title}\n{post.body}", None, post.id, limit)
    view.cache[key] = [p.id for p in found]
    return found


def similar_problems(title: str, body: str, limit: int = 5) -> list[Post]:
    """Existing problem reports like the one being written (to co-sign instead of duplicating)."""
    text = f"{title}\n{title}\n{body}"[:2000]
    if len(text.strip()) < 2:
        return []
    sync.ensure_fresh()
    return _like(sync.search_index().view(), text, "problem", None, limit)


def hit_json(hit: Hit) -> dict:
    """A hit for the API and the CLI; the snippet is HTML with the matches in <mark>."""
    return {"id": hit.post.id, "kind": hit.post.kind, "title": hit.post.title,
            "score": round(hit.score, 4), "snippet": str(hit.snippet.html())}


def salon_labels() -> dict[str, str]:
    """Month → 第N期（…）for the salon filter."""
    from ..salons.models import Salon

    return {s.month: s.label for s in db.session.scalars(select(Salon).order_by(Salon.month))}
