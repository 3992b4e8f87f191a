"""What the sign-off shows: the panel of one document, and 我的待办 (待签发, 被退回)."""
from dataclasses import dataclass, field

from ..accounts.models import User
from ..extensions import db
from ..paging import Paging, paginate
from .kinds import kind_of, registered
from .models import STATES, SignOff, SignOffEvent
from .services import Step, available_steps, history, record_of


@dataclass
class Panel:
    """One document's sign-off as its page shows it."""

    kind: str
    subject_id: int
    label: str
    record: SignOff | None
    events: list[SignOffEvent]
    steps: list[Step]
    fingerprint: str | None = None

    @property
    def state(self) -> str:
        return self.record.state if self.record else "draft"

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def stale(self) -> bool:
        """送审 or signed, but the content has changed since: the signature does not count."""
        return bool(self.record and self.fingerprint and self.state in ("submitted", "signed")
                    and self.record.fingerprint != self.fingerprint)

    @property
    def signed(self) -> bool:
        return self.state == "signed" and not self.stale


def panel(kind: str, subject_id: int, user: User, fingerprint: str | None = None) -> Panel:
    """The record, its history and the steps open to this user (three queries)."""
    spec = kind_of(kind)
    record = record_of(kind, subject_id)
    events = history(kind, subject_id) if record else []
    steps = available_steps(kind, subject_id, user, fingerprint, record=record)
    return Panel(kind, subject_id, spec.label, record, events, steps, fingerprint)


@dataclass
class Entry:
    """One line of 我的待办: the record, what it is and where to go."""

    record: SignOff
    label: str
    title: str
    url: str
    people: dict = field(default_factory=dict)


def _query(state: str):
    known = [k.key for k in registered()]
    return (db.select(SignOff).where(SignOff.state == state, SignOff.kind.in_(known))
            .order_by(SignOff.updated_at, SignOff.id))


def _count(state: str) -> int:
    known = [k.key for k in registered()]
    return db.session.scalar(db.select(db.func.count(SignOff.id)).where(
        SignOff.state == state, SignOff.kind.in_(known))) or 0


def _page(state: str, paging: Paging):
    """A page of records in this state, each named and linked (one title query per kind)."""
    page = paginate(_query(state).options(
        db.joinedload(SignOff.submitted_by), db.joinedload(SignOff.returned_by)), paging)
    by_kind: dict[str, list[int]] = {}
    for record in page.items:
        by_kind.setdefault(record.kind, []).append(record.subject_id)
    titles = {key: kind_of(key).titles(ids) for key, ids in by_kind.items()}
    page.items = [Entry(r, kind_of(r.kind).label, titles[r.kind].get(r.subject_id, ""),
                        kind_of(r.kind).url_of(r.subject_id)) for r in page.items]
    return page


def waiting_count(user: User) -> int:
    """待我签发: documents sent to the leaders (one COUNT)."""
    return _count("submitted") if user.has_role("leader") else 0


def waiting_page(user: User, paging: Paging):
    return _page("submitted" if user.has_role("leader") else "-", paging)


def returned_count(user: User) -> int:
    """被退回: documents a leader sent back, for the organizers to fix (one COUNT)."""
    return _count("returned") if user.has_role("organizer") else 0


def returned_page(user: User, paging: Paging):
    return _page("returned" if user.has_role("organizer") else "-", paging)
