"""The salon's month: deadlines, the call that closes itself, late leave, walk-ins,
reminders and the calendar entry.

A salon runs every month without fail because everyone knows the dates: sign-up and the
call for posts close on their last day; after the call closes, a post needs the
organizer's leave (准许迟交). Reminders go out when a salon opens, three days before each
deadline and the day before the meeting, each to whom it concerns and each once (a dedupe
key per salon, deadline and person), however often `flask salons remind` runs.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import contains_eager

from ..accounts.models import Unit, User
from ..accounts.services import users_with_role
from ..errors import DomainError
from ..extensions import db
from ..notifications.services import notify
from ..posts.models import Post
from ..timeutil import today
from .models import LatePermit, Salon, SignUp

WRITER_ROLES = ("officer", "organizer", "leader")
DAYS_BEFORE_DEADLINE = 3
MEETING_HOURS = 2  # the calendar entry's length when only the start is known


class RhythmError(DomainError):
    """A date or a step the month's rules refuse; `field` names the form field."""


# --- deadlines -------------------------------------------------------------------------

def check_deadlines(salon: Salon | None, signup: date | None, call: date | None,
                    starts_at: datetime | None, on: date | None = None) -> None:
    """Deadlines that changed may not lie in the past, nor after the meeting."""
    on = on or today()
    meeting = starts_at.date() if starts_at else None
    for value, name, label in ((signup, "signup_deadline", "报名截止日期"),
                               (call, "call_deadline", "征稿截止日期")):
        if value is None or (salon is not None and getattr(salon, name) == value):
            continue
        if value < on:
            raise RhythmError(f"{label}不能早于今天（{on:%Y-%m-%d}）。", name)
        if meeting and value > meeting:
            raise RhythmError(f"{label}不能晚于沙龙召开日期（{meeting:%Y-%m-%d}）。", name)


def signup_closed(salon: Salon, on: date | None = None) -> bool:
    return salon.signup_deadline is not None and (on or today()) > salon.signup_deadline


def call_closed(salon: Salon, on: date | None = None) -> bool:
    return salon.call_closed if on is None else (
        salon.call_deadline is not None and on > salon.call_deadline)


def has_late_permit(salon: Salon, user: User) -> bool:
    return db.session.scalar(db.select(LatePermit.id).filter_by(
        salon_id=salon.id, user_id=user.id)) is not None


def may_submit(salon: Salon, user: User) -> bool:
    """After the call closes only organizers and officers with leave still submit."""
    return (not call_closed(salon) or user.has_role("organizer")
            or has_late_permit(salon, user))


def grant_late(salon: Salon, user: User, by: User) -> LatePermit:
    """准许迟交 for one officer (granting twice changes nothing); the caller commits."""
    if salon.status == "published":
        raise RhythmError(f"{salon.label}已出刊，不能再准许迟交。")
    found = db.session.scalar(db.select(LatePermit).filter_by(salon_id=salon.id,
                                                              user_id=user.id))
    if found:
        return found
    permit = LatePermit(salon_id=salon.id, user_id=user.id, granted_by_id=by.id)
    db.session.add(permit)
    notify([user], "salon", f"治安大队已准许您向{salon.label}迟交稿件。",
           f"/salons/{salon.month}", exclude=by)
    return permit


def late_permits(salon: Salon) -> list[LatePermit]:
    return db.session.scalars(db.select(LatePermit).filter_by(salon_id=salon.id)
                              .order_by(LatePermit.created_at)).all()


# --- the salon page -------------------------------------------------------------------

WRITABLE_STATUSES = ("planning", "open", "held")


def page_context(salon: Salon, user: User, is_organizer: bool) -> dict:
    """What the salon page shows of the month: deadlines, whether the user may write for it
    now, and for organizers the late permits and who could still be signed in."""
    closed = call_closed(salon)
    context = {
        "call_closed": closed,
        "signup_closed": signup_closed(salon),
        "may_write": salon.status in WRITABLE_STATUSES and user.has_role(*WRITER_ROLES)
        and (not closed or is_organizer or has_late_permit(salon, user)),
        "late_permits": [], "late_candidates": [], "walk_in_candidates": [],
    }
    if is_organizer and closed and salon.status in WRITABLE_STATUSES:
        context["late_permits"] = late_permits(salon)
        granted = {p.user_id for p in context["late_permits"]}
        context["late_candidates"] = [u for u in people("officer", "leader")
                                      if u.id not in granted]
    if is_organizer and salon.status == "held":
        present = {s.user_id for s in salon.signups}
        context["walk_in_candidates"] = [u for u in people(*WRITER_ROLES)
                                         if u.id not in present]
    return context


def people(*roles: str) -> list[User]:
    """Active users of these roles with their units, by unit and name (for a picker)."""
    return list(db.session.scalars(
        db.select(User).join(User.unit).where(User.role.in_(roles), User.active.is_(True))
        .options(contains_eager(User.unit)).order_by(Unit.name, User.name)))


# --- attendance ------------------------------------------------------------------------

def mark_walk_in(salon: Salon, user: User) -> SignUp:
    """现场签到: someone who came without signing up is recorded present."""
    if salon.status != "held":
        raise RhythmError("沙龙召开后（已召开状态）才能登记现场签到。")
    if not user.active or not user.has_role(*WRITER_ROLES):
        raise RhythmError("只能为在岗民警、组织者或局领导登记签到。")
    found = next((s for s in salon.signups if s.user_id == user.id), None)
    if found is None:
        found = SignUp(salon=salon, user=user, walk_in=True)
        db.session.add(found)
    found.attended = True
    return found


# --- reminders -------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """One message to some people, sent once per person (its key)."""

    people: list[User]
    text: str
    link: str
    key: str


def announce_open(salon: Salon) -> int:
    """征稿开始: everyone who may write hears of it (in the caller's transaction)."""
    closing = f"，{salon.call_deadline:%m月%d日}截止" if salon.call_deadline else ""
    return notify(users_with_role(*WRITER_ROLES), "salon",
                  f"{salon.label}“{salon.topic}”开始征稿{closing}，欢迎投稿、报名。",
                  f"/salons/{salon.month}", dedupe_key=f"salon:{salon.id}:open")


def due_reminders(on: date | None = None) -> Iterator[Reminder]:
    """What is due today: deadlines within three days (not yet told), meetings tomorrow.
    The call's reminder goes to who has not yet sent a post, sign-up's to who has not signed
    up, the meeting's to who has."""
    on = on or today()
    salons = db.session.scalars(db.select(Salon).where(Salon.status.in_(("planning", "open")))
                                .order_by(Salon.number)).all()
    for salon in salons:
        link = f"/salons/{salon.month}"
        signed = {s.user_id for s in salon.signups}
        if salon.signup_deadline and _closing_soon(salon.signup_deadline, on):
            yield Reminder([u for u in users_with_role(*WRITER_ROLES) if u.id not in signed],
                           f"{salon.label}报名将于{salon.signup_deadline:%m月%d日}截止，"
                           "您尚未报名。", link,
                           f"salon:{salon.id}:signup:{salon.signup_deadline}")
        if (salon.status == "open" and salon.call_deadline
                and _closing_soon(salon.call_deadline, on)):
            wrote = _authors(salon)
            yield Reminder([u for u in users_with_role(*WRITER_ROLES) if u.id not in wrote],
                           f"{salon.label}征稿将于{salon.call_deadline:%m月%d日}截止，"
                           "请抓紧提交稿件。", link,
                           f"salon:{salon.id}:call:{salon.call_deadline}")
        if salon.starts_at and _days_to(salon.starts_at.date(), on) == 1:
            place = f"，地点：{salon.place}" if salon.place else ""
            yield Reminder([s.user for s in salon.signups],
                           f"{salon.label}明天（{salon.starts_at:%m月%d日 %H:%M}）召开{place}。",
                           link, f"salon:{salon.id}:meeting:{salon.starts_at:%Y-%m-%dT%H:%M}")


def _authors(salon: Salon) -> set[int]:
    """Who already sent this salon a post (submitted, or waiting for their 所长)."""
    return set(db.session.scalars(db.select(Post.author_id).distinct().where(
        Post.salon_id == salon.id, Post.status.in_(("submitted", "pending")))))


def _days_to(day: date, on: date) -> int:
    return (day - on).days


def _closing_soon(deadline: date, on: date) -> bool:
    """Three days before, or later if the daily run missed that day (a server down, a
    deadline set closer than three days): the key still sends it once."""
    return 0 <= _days_to(deadline, on) <= DAYS_BEFORE_DEADLINE


def send_reminders(on: date | None = None) -> int:
    """Notify what is due (the caller commits); returns how many messages were new."""
    return sum(notify(r.people, "salon", r.text, r.link, dedupe_key=r.key)
               for r in due_reminders(on))


# --- calendar --------------------------------------------------------------------------

def calendar_entry(salon: Salon, host: str) -> str:
    """The meeting as an iCalendar file (RFC 5545) that phones add to their calendar."""
    start = salon.starts_at
    end = start + timedelta(hours=MEETING_HOURS)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//社区警务沙龙//CN", "CALSCALE:GREGORIAN",
        "BEGIN:VTIMEZONE", "TZID:Asia/Shanghai", "BEGIN:STANDARD", "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "TZNAME:CST", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:salon-{salon.month}@{_text(host)}",
        f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID=Asia/Shanghai:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Asia/Shanghai:{end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{_text(f'社区警务沙龙 {salon.label}：{salon.topic}')}",
    ]
    if salon.place:
        lines.append(f"LOCATION:{_text(salon.place)}")
    lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-P1D",
              f"DESCRIPTION:{_text('明天召开社区警务沙龙')}", "END:VALARM",
              "END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1),
    never inside a character's UTF-8 bytes."""
    parts, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            parts.append(current)
            current = " "
        current += char
    parts.append(current)
    return "\r\n".join(parts)
