"""签发 rules: 送审 (organizer) → 签发 (leader) or 退回 with a comment (leader) → 送审 again.

One table of steps, as the 督办 work order has. Every step claims the record by a
conditional UPDATE on (id, version): of two steps sent at the same moment only the first
wins, the other gets 409. Every step writes an immutable event and its notifications in
the caller's transaction; the caller commits (or rolls back on any error).

A signature counts only for the content it was given: `is_signed(kind, id, fingerprint)`
is false as soon as the document's fingerprint differs from the one recorded at 送审.
"""
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError

from ..accounts.models import User
from ..database import claim_version
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..notifications.services import notify
from ..timeutil import now
from .kinds import Kind, kind_of
from .models import STATES, SignOff, SignOffEvent

ORGANIZER, LEADER = "organizer", "leader"
WHO_LABELS = {ORGANIZER: "组织者", LEADER: "局领导"}
COMMENT_MAX = 2000
FINGERPRINT_MAX = 64
RACE_LOST = "该文件刚刚已被他人处理，您的操作未生效。请刷新页面查看最新状态后再操作。"


@dataclass(frozen=True)
class Step:
    """From `sources`, `who` may take `action`, which leads to `target`."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    who: str
    needs_comment: bool = False
    comment_label: str = "意见"
    done: str = ""


STEPS: dict[str, Step] = {step.action: step for step in (
    # From 待签发 or 已签发 only when the content changed since (see _check_submit).
    Step("submit", "送审", ("draft", "returned", "submitted", "signed"), "submitted", ORGANIZER,
         comment_label="送审说明（可选）", done="送审，等待局领导签发"),
    Step("sign", "签发", ("submitted",), "signed", LEADER, comment_label="签发意见（可选）",
         done="签发"),
    Step("return", "退回", ("submitted",), "returned", LEADER, needs_comment=True,
         comment_label="退回意见", done="退回，组织者将看到您的意见"),
)}


def record_of(kind: str, subject_id: int) -> SignOff | None:
    """The sign-off record of one document (None: a draft never sent)."""
    return db.session.scalar(db.select(SignOff).filter_by(kind=kind, subject_id=subject_id))


def state_of(kind: str, subject_id: int) -> str:
    record = record_of(kind, subject_id)
    return record.state if record else "draft"


def is_signed(kind: str, subject_id: int, fingerprint: str) -> bool:
    """Signed, and for exactly this content (a later change voids the signature)."""
    record = record_of(kind, subject_id)
    return bool(record and record.state == "signed" and fingerprint
                and record.fingerprint == fingerprint)


def history(kind: str, subject_id: int) -> list[SignOffEvent]:
    """Every step taken on the document, oldest first (actors loaded with them)."""
    return list(db.session.scalars(
        db.select(SignOffEvent).join(SignOffEvent.signoff)
        .where(SignOff.kind == kind, SignOff.subject_id == subject_id)
        .order_by(SignOffEvent.id)).unique())


def may_take(step: Step, user: User) -> bool:
    """The role half of the rule (403): admins take no step at all."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return user.has_role(step.who)


def available_steps(kind: str, subject_id: int, user: User, fingerprint: str | None = None,
                    record: SignOff | None = None) -> list[Step]:
    """The steps this user may take on the document now, in table order."""
    record = record or record_of(kind, subject_id)
    state = record.state if record else "draft"
    found = []
    for step in STEPS.values():
        if not may_take(step, user) or state not in step.sources:
            continue
        if step.action == "submit" and state in ("submitted", "signed") and (
                fingerprint is None or record.fingerprint == fingerprint):
            continue
        if step.action == "sign" and fingerprint is not None \
                and record.fingerprint != fingerprint:  # changed since 送审: send it again
            continue
        found.append(step)
    return found


def _check(step: Step, record: SignOff | None, actor: User) -> str:
    """403 for the wrong role, 409 for the wrong state; the state now."""
    if not may_take(step, actor):
        raise NotAllowed(f"只有{WHO_LABELS[step.who]}可以{step.label}。")
    state = record.state if record else "draft"
    if state not in step.sources:
        raise Conflict(f"当前状态为“{STATES[state]}”，不能{step.label}。")
    return state


def _text(comment: str | None, label: str, needed: bool) -> str:
    text = (comment or "").strip()
    if needed and not text:
        raise InvalidInput(f"请填写{label}。", field="comment")
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"{label}不能超过 {COMMENT_MAX} 字。", field="comment")
    return text


def _fingerprint(kind: Kind, subject_id: int, given: str | None) -> str:
    value = given if given is not None else (
        kind.fingerprint_of(subject_id) if kind.fingerprint_of else "")
    if not value or len(value) > FINGERPRINT_MAX:
        raise InvalidInput("缺少文件内容指纹，无法送审。")
    return value


def submit(kind: str, subject_id: int, actor: User, comment: str = "",
           fingerprint: str | None = None) -> SignOffEvent:
    """送审: the organizer sends the document, as it is now, to the leaders."""
    spec, step = kind_of(kind), STEPS["submit"]
    record = record_of(kind, subject_id)
    state = _check(step, record, actor)
    text = _text(comment, step.comment_label, step.needs_comment)
    value = _fingerprint(spec, subject_id, fingerprint)
    if state == "submitted" and record.fingerprint == value:
        raise Conflict("已送审，正等待局领导签发；内容未变，无需重复送审。")
    if state == "signed" and record.fingerprint == value:
        raise Conflict("已签发，内容未变，无需重新送审。")
    if record is None:
        record = SignOff(kind=kind, subject_id=subject_id, state="draft", version=0)
        db.session.add(record)
        try:
            db.session.flush()
        except (IntegrityError, OperationalError):  # another organizer made it just now
            raise Conflict(RACE_LOST) from None
    _claim(record)
    moment = now()
    record.fingerprint = value
    record.submitted_by_id, record.submitted_at = actor.id, moment
    record.signed_by_id = record.signed_at = None
    event = _record_step(record, step, actor, state, text, moment)
    title = spec.title_of(subject_id)
    leaders = db.session.scalars(db.select(User.id).where(
        User.role == "leader", User.active.is_(True)))
    again = "重新" if state != "draft" else ""
    notify(leaders, "signoff", f"{actor.name}{again}将{spec.label}《{title}》送审，请签发。"
           + (f"说明：{text}" if text else ""), spec.url_of(subject_id), exclude=actor)
    return event


def sign(kind: str, subject_id: int, actor: User, comment: str = "",
         fingerprint: str | None = None) -> SignOffEvent:
    """签发: a leader signs the content recorded at 送审. With `fingerprint` (the content
    now), a document changed since its 送审 is refused: it must be sent again."""
    return _decide(kind, subject_id, actor, STEPS["sign"], comment, fingerprint)


def return_(kind: str, subject_id: int, actor: User, comment: str,
            fingerprint: str | None = None) -> SignOffEvent:
    """退回: a leader sends the document back with a comment (required)."""
    return _decide(kind, subject_id, actor, STEPS["return"], comment, fingerprint)


def take(kind: str, subject_id: int, actor: User, action: str, comment: str = "",
         fingerprint: str | None = None) -> SignOffEvent:
    """Any step by its name (the buttons' one entry point)."""
    steps = {"submit": submit, "sign": sign, "return": return_}
    if action not in steps:
        raise InvalidInput(f"未知操作 {action}。", field="action")
    return steps[action](kind, subject_id, actor, comment=comment, fingerprint=fingerprint)


def _decide(kind: str, subject_id: int, actor: User, step: Step, comment: str,
            fingerprint: str | None) -> SignOffEvent:
    spec = kind_of(kind)
    record = record_of(kind, subject_id)
    state = _check(step, record, actor)
    text = _text(comment, step.comment_label, step.needs_comment)
    if fingerprint is None and spec.fingerprint_of is not None:
        fingerprint = spec.fingerprint_of(subject_id)
    if step.action == "sign" and fingerprint and fingerprint != record.fingerprint:
        raise Conflict(f"{spec.label}送审后内容已有变化，请组织者重新送审后再签发。")
    _claim(record)
    moment = now()
    if step.action == "sign":
        record.signed_by_id, record.signed_at = actor.id, moment
    else:
        record.returned_by_id, record.returned_at = actor.id, moment
    record.comment = text
    event = _record_step(record, step, actor, state, text, moment)
    title = spec.title_of(subject_id)
    organizers = db.session.scalars(db.select(User.id).where(
        User.role == "organizer", User.active.is_(True))).all()
    recipients = [record.submitted_by_id, *organizers]
    if step.action == "sign":
        message = f"{actor.name}已签发{spec.label}《{title}》，可以发布。"
        message += f"签发意见：{text}" if text else ""
    else:
        message = f"{actor.name}退回了{spec.label}《{title}》，意见：{text}"
    notify(recipients, "signoff", message, spec.url_of(subject_id), exclude=actor)
    return event


def _record_step(record: SignOff, step: Step, actor: User, before: str, comment: str,
                 moment) -> SignOffEvent:
    record.state, record.updated_at = step.target, moment
    event = SignOffEvent(signoff=record, actor_id=actor.id, at=moment, action=step.action,
                         from_state=before, to_state=step.target, comment=comment,
                         fingerprint=record.fingerprint)
    db.session.add(event)
    db.session.flush()
    return event


def _claim(record: SignOff) -> None:
    claim_version(record, Conflict(RACE_LOST))
