"""Making posts for search tests directly with the models (no dependency on the posts views)."""
from salon.accounts.models import User
from salon.extensions import db
from salon.posts.models import Post, Tag
from salon.salons.models import Salon


def user(username: str = "officer") -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def salon(month: str = "2026-11", number: int = 1) -> Salon:
    found = db.session.scalar(db.select(Salon).filter_by(month=month))
    if found is None:
        found = Salon(number=number, month=month, topic="社区警务", status="open")
        db.session.add(found)
    return found


def tag(name: str) -> Tag:
    found = db.session.scalar(db.select(Tag).filter_by(name=name))
    return found or Tag(name=name)


def make_post(title: str, body: str = "", *, kind: str = "experience", author: str = "officer",
              status: str = "submitted", tags: tuple[str, ...] = (), month: str = "2026-11",
              commit: bool = True) -> Post:
    """A post written by `author` in their unit, committed (so the index follows)."""
    writer = user(author)
    post = Post(kind=kind, title=title, body=body, author=writer, unit=writer.unit,
                salon=salon(month), status=status, tags=[tag(t) for t in tags])
    db.session.add(post)
    if commit:
        db.session.commit()
    return post
