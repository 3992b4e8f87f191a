"""Posts (经验交流 / 问题反映), tags, comments and uploaded images."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import HEAD_TITLES, Unit, User
from ..extensions import db
from ..markup import as_html, keep_rendered
from ..salons.models import Salon
from ..timeutil import now

if TYPE_CHECKING:
    from ..problems.models import Problem

KINDS = {"experience": "经验交流", "problem": "问题反映"}
# draft → (pending, with SALON_POST_REVIEW and an author who is reviewed) → submitted.
STATUSES = {"draft": "草稿", "pending": "待审核", "submitted": "已提交"}
REVIEW_ACTIONS = {"submit": "提交审核", "approve": "审核通过", "return": "退回修改",
                  "withdraw": "撤回为草稿"}

post_tags = Table(
    "post_tag",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __str__(self) -> str:
        return self.name


class Post(db.Model):
    """稿件: an experience write-up or a problem report."""

    # The showcase counts exemplary posts per unit from this index alone (no post row read).
    __table_args__ = (
        Index("ix_post_exemplary_showcase", "exemplary", "status", "unit_id"),
        # 看板/考核 count posts per unit and period from the index alone (no body read)
        Index("ix_post_participation", "status", "kind", "unit_id", "created_at"),
        # a salon's posts of one kind, newest first, and their count, from the index alone
        Index("ix_post_salon_kind_created", "salon_id", "kind", "created_at", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered once when written (markup.keep_rendered): pages show these, never parse.
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The author's unit when writing: people move, the record must not.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    salon_id: Mapped[int | None] = mapped_column(ForeignKey("salon.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    in_bulletin: Mapped[bool] = mapped_column(default=False)
    exemplary: Mapped[bool] = mapped_column(default=False)
    # The last review (所长审核): who, when, "approve" or "return", and the comment.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    review_decision: Mapped[str | None] = mapped_column(String(10))
    review_comment: Mapped[str | None] = mapped_column(Text)
    # A problem report's SARA fields until it is published; then they move to its Problem.
    problem_draft: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    # `flask posts import`: the hash of the imported line's content, so a file imported again
    # adds nothing (posts written on the site have none).
    import_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    unit: Mapped[Unit] = relationship()
    salon: Mapped[Salon | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name)
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="post", order_by="Comment.created_at", cascade="all, delete-orphan"
    )
    # A problem report's tracking record, from its submission on (the problems feature).
    problem: Mapped["Problem | None"] = relationship(back_populates="post")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    @property
    def is_published(self) -> bool:
        """Visible bureau-wide: submitted, and approved where it was reviewed."""
        return self.status == "submitted"

    @property
    def head_title(self) -> str:
        """Who heads the post's unit: 所长 of a 派出所, 大队长 of a 大队…"""
        return HEAD_TITLES.get(self.unit.kind, "负责人")

    @property
    def is_returned(self) -> bool:
        """A draft its reviewer sent back with a comment."""
        return self.status == "draft" and self.review_decision == "return"

    @property
    def html(self):
        """The body as sanitised HTML, rendered when it was written."""
        return as_html(self.body_html)

    def __str__(self) -> str:
        return self.title


keep_rendered(Post.body, "body_html", "body_text")


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(lazy="joined")


class PostReview(db.Model):
    """One step of a post's review (提交审核, 通过, 退回, 撤回): the audit, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=now)

    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return REVIEW_ACTIONS.get(self.action, self.action)


class Upload(db.Model):
    """An image uploaded with a post; its bytes live behind the storage interface."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
