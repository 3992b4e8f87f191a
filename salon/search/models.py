"""The search change log: one row per committed change to what a post's index entry shows."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import now


class SearchChange(db.Model):
    """Written in the same transaction as the change, so a rollback never reaches the index."""

    __tablename__ = "search_change"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(index=True)
    op: Mapped[str] = mapped_column(String(10))  # upsert / delete: informative, replay reconciles
    at: Mapped[datetime] = mapped_column(default=now)
