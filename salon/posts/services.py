"""Post queries and rules."""
from itertools import groupby

from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Post


def visible_posts():
    """Submitted posts, with what list pages show loaded up front (no N+1)."""
    return (
        db.select(Post)
        .where(Post.status == "submitted")
        .options(selectinload(Post.author), selectinload(Post.unit), selectinload(Post.salon),
                 selectinload(Post.tags))
    )


def newest_posts(limit: int) -> list[Post]:
    return db.session.scalars(visible_posts().order_by(Post.created_at.desc()).limit(limit)).all()


def exemplary_by_unit(limit: int | None = None) -> list[tuple]:
    """典型经验 grouped by unit (一所一品牌): [(unit, [posts])]."""
    query = (
        visible_posts()
        .where(Post.exemplary.is_(True))
        .order_by(Post.unit_id, Post.created_at.desc())
    )
    posts = db.session.scalars(query).all()
    groups = [(unit, list(items)) for unit, items in groupby(posts, key=lambda p: p.unit)]
    return groups[:limit] if limit else groups
