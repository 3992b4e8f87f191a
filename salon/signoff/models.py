"""签发: one sign-off record per document (kind, subject id) and its immutable event trail."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..timeutil import now

# A document without a record is a draft (草稿): the record is made at its first 送审.
STATES = {"draft": "草稿", "submitted": "待签发", "signed": "已签发", "returned": "已退回"}
ACTIONS = {"submit": "送审", "sign": "签发", "return": "退回"}


class SignOff(db.Model):
    """Where one document stands: 待签发, 已签发 or 已退回, and by whom (version: see claim)."""

    __table_args__ = (UniqueConstraint("kind", "subject_id"),
                      Index("ix_sign_off_state", "state", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")  # recorded at 送审
    comment: Mapped[str] = mapped_column(Text, default="")  # the leader's last words
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    returned_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now)

    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    events: Mapped[list["SignOffEvent"]] = relationship(
        back_populates="signoff", order_by="SignOffEvent.id")

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)


class SignOffEvent(db.Model):
    """One step (送审, 签发, 退回): who, when, from, to, the comment and the content's
    fingerprint. Never edited or deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    signoff_id: Mapped[int] = mapped_column(ForeignKey("sign_off.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=now)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")

    signoff: Mapped[SignOff] = relationship(back_populates="events")
    actor: Mapped[User] = relationship(lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def from_label(self) -> str:
        return STATES.get(self.from_state, self.from_state)

    @property
    def to_label(self) -> str:
        return STATES.get(self.to_state, self.to_state)


class ImmutableSignOffEvent(RuntimeError):
    """Raised when anything tries to change or delete a sign-off event."""


@event.listens_for(SignOffEvent, "before_update")
@event.listens_for(SignOffEvent, "before_delete")
def _refuse_change(_mapper, _connection, target: SignOffEvent) -> None:
    raise ImmutableSignOffEvent(f"签发记录不可修改或删除（事件 {target.id}）。")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE bypass the mapper events above, so refuse them here too."""
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is SignOffEvent for mapper in state.all_mappers):
        raise ImmutableSignOffEvent("签发记录不可修改或删除。")
