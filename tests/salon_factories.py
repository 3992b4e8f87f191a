"""Small builders for salon tests: salons through the service, posts, users by name."""
from salon.accounts.models import User
from salon.extensions import db
from salon.posts.models import Post
from salon.salons import services
from salon.salons.models import Salon

from .conftest import csrf_token


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def make_salon(month="2026-11", topic="如何提升防范水平", status="planning", **fields) -> Salon:
    salon = services.create_salon(month, topic, record=True, **fields)
    salon.status = status
    db.session.commit()
    return salon


def make_post(salon, title="监控探头清晰度太差", kind="problem", author="officer",
              status="submitted") -> Post:
    writer = user(author)
    post = Post(kind=kind, title=title, body="正文", author=writer, unit=writer.unit,
                salon=salon, status=status)
    db.session.add(post)
    db.session.commit()
    return post


def post_form(client, url, data, page=None):
    """POST with the CSRF token a page hands out (the salon page by default)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={**data, "csrf_token": token})


def reload(salon: Salon) -> Salon:
    db.session.expire_all()
    return db.session.get(Salon, salon.id)
