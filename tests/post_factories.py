"""Small builders for posts tests: salons, posts, users by name, a PNG."""
from io import BytesIO

from PIL import Image

from salon.accounts.models import User
from salon.extensions import db
from salon.posts.services import PostInput, create_post
from salon.salons.models import Salon


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def make_salon(month: str = "2026-11", status: str = "open", number: int | None = None) -> Salon:
    number = number or (db.session.scalar(db.select(db.func.count(Salon.id))) + 1)
    salon = Salon(number=number, month=month, topic=f"主题{month}", status=status)
    db.session.add(salon)
    db.session.commit()
    return salon


def make_post(author: str = "officer", salon: Salon | None = None, kind: str = "experience",
              title: str = "社区警务室建设经验", body: str = "正文内容", tags=(),
              submit: bool = True, problem: dict | None = None):
    salon = salon or db.session.scalar(db.select(Salon).order_by(Salon.month.desc()))
    post = create_post(user(author), PostInput(kind=kind, title=title, body=body, salon=salon,
                                               tags=list(tags), problem=problem or {},
                                               submit=submit))
    db.session.commit()
    return post


def png_bytes(size=(40, 30), color=(200, 30, 30), fmt="PNG", **save) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()
