"""Search as users see it: a page of hits with snippets, filters with counts, similar posts.

What matches and in which order is decided in engine/evaluate.py; this module loads the
posts behind the results and shapes them for pages, the API and the command line.
"""
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cache import LRUCache
from ..extensions import db
from ..posts.models import Post
from ..salons.models import Salon
from . import sync
from .engine import evaluate
from .engine.evaluate import NO_FILTERS, Filters
from .freshness import ensure_fresh
from .query import ParsedQuery, parse
from .snippets import Marked, mark, snippet

__all__ = ["Filters", "MAX_PAGE", "PER_PAGE", "SearchResult", "search"]

PER_PAGE = 10
MAX_PAGE = 100


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


def load_posts(ids: list[int], brief: bool = False) -> dict[int, Post]:
    """The posts behind the hits, with what the result list shows, in one round of queries;
    `brief`: only the unit (a side panel of titles)."""
    options = [selectinload(Post.unit)]
    if not brief:
        options += [selectinload(Post.author), selectinload(Post.salon), selectinload(Post.tags),
                    selectinload(Post.problem)]
    posts = db.session.scalars(select(Post).where(Post.id.in_(ids)).options(*options)).all()
    return {post.id: post for post in posts}


def search(text: str | None, user_id: int | None, filters: Filters = NO_FILTERS,
           sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
    """One page of results for what a user typed, as that user may see them."""
    ensure_fresh()
    parsed = parse(text)
    page = min(max(page, 1), MAX_PAGE)
    if parsed.is_empty and not filters.narrows:
        return SearchResult(parsed, [], 0, page, per_page)
    view = sync.search_index().view()
    found = evaluate.search(view, parsed, filters, user_id, sort, page * per_page)
    shown = found.ranked[(page - 1) * per_page:]
    posts = load_posts([pid for pid, _score in shown])
    hits = [Hit(posts[pid], score, mark(posts[pid].title, parsed.highlights),
                snippet(posts[pid].body_text, parsed.highlights))
            for pid, score in shown if pid in posts]
    return SearchResult(parsed, hits, found.total, page, per_page, found.counts,
                        approximate=found.approximate)


def _in_order(post_ids: list[int], brief: bool = False) -> list[Post]:
    posts = load_posts(post_ids, brief)
    return [posts[pid] for pid in post_ids if pid in posts]


def related_posts(post: Post, limit: int = 5) -> list[Post]:
    """相关经验: published posts sharing this post's most telling words (title, unit, date
    shown, so only the unit is loaded with them)."""
    ensure_fresh()
    view = sync.search_index().view()
    post_ids = view.memo(("related", post.id, limit), lambda: evaluate.similar(
        view, f"{post.title}\n{post.title}\n{post.body}", None, post.id, limit))
    return _in_order(post_ids, brief=True)


def similar_problems(title: str, body: str, limit: int = 5) -> list[Post]:
    """Existing problem reports like the one being written (to co-sign instead of duplicating)."""
    text = f"{title}\n{title}\n{body}"[:2000]
    if len(text.strip()) < 2:
        return []
    ensure_fresh()
    return _in_order(evaluate.similar(sync.search_index().view(), text, "problem", None, limit))


_TELLING = LRUCache(20_000)  # text digest → its telling words; analysing is ~1 ms a post


def telling_words(texts: list[str], count: int = 8) -> list[list[str]]:
    """Each text's most telling words against the whole index (its first 1000 characters:
    a post's theme is in its title and opening). Kept per text, so a page that groups
    the same posts again analyses only the new ones."""
    ensure_fresh()
    view = sync.search_index().view()

    def words(text: str) -> list[str]:
        key = (hashlib.blake2b(text.encode(), digest_size=16).digest(), count)
        return _TELLING.get_or_compute(key, lambda: view.telling_words(text, count))
    return [words(text[:1000]) for text in texts]


def hit_json(hit: Hit) -> dict:
    """A hit for the API and the CLI; the snippet is HTML with the matches in <mark>."""
    return {"id": hit.post.id, "kind": hit.post.kind, "title": hit.post.title,
            "score": round(hit.score, 4), "snippet": str(hit.snippet.html())}


def salon_labels() -> dict[str, str]:
    """Month → 第N期（…）for the salon filter."""
    return {s.month: s.label for s in db.session.scalars(select(Salon).order_by(Salon.month))}
