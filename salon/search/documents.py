"""What the index holds about a post, read from the database as plain values."""
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..posts.models import Post


def post_document(post: Post) -> dict:
    """The indexed facts and text of a post, with a signature of them all."""
    problem = post.problem
    doc = {
        "id": post.id, "kind": post.kind, "status": post.status,
        "state": problem.state if problem else None,
        "salon": post.salon.month if post.salon else None,
        "unit": post.unit.name if post.unit else None,
        "author": post.author.name if post.author else None,
        "author_id": post.author_id,
        "created": int(post.created_at.timestamp()) if post.created_at else 0,
        "tags": [tag.name for tag in post.tags],
        "title": post.title or "", "body": post.body or "",
    }
    doc["sig"] = signature(doc)
    return doc


def signature(doc: dict) -> str:
    """A digest of everything indexed, so `check` can tell a stale entry."""
    parts = [str(doc[k]) for k in ("id", "kind", "status", "state", "salon", "unit", "author",
                                   "author_id", "created", "tags", "title", "body")]
    return hashlib.sha1("\x1e".join(parts).encode()).hexdigest()[:16]


def posts_query():
    """Posts with everything the index needs loaded up front."""
    return select(Post).options(joinedload(Post.author), joinedload(Post.unit),
                                joinedload(Post.salon), selectinload(Post.tags),
                                selectinload(Post.problem))
