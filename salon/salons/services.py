"""Salon queries and rules: issue numbers, months, status steps, agenda, sign-ups, minutes."""
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import markup
from ..accounts.models import User
from ..errors import DomainError, InvalidInput, Missing
from ..extensions import db
from ..paging import paginate
from ..posts.models import KINDS, Post
from ..timeutil import now
from . import rhythm
from .models import NEXT_STATUS, STATUSES, AgendaItem, Salon, SignUp

MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")
SIGNUP_STATUSES = ("planning", "open")
AGENDA_EDITABLE_STATUSES = ("planning", "open", "held")
MINUTES_STATUSES = ("held", "published")
EDITABLE_STATUSES = ("planning", "open", "held")
SIGNUP_ROLES = ("officer", "organizer", "leader")
TOPIC_MAX = 200
PLACE_MAX = 200
AGENDA_TITLE_MAX = 200
AGENDA_SPEAKER_MAX = 100


class SalonError(DomainError):
    """A salon rule was broken; the message is for the user, in Chinese."""


# --- finding salons -------------------------------------------------------------------

def salon_by_month(month: str, details: bool = False) -> Salon | None:
    """The salon of this month (`YYYY-MM`), or None; `details`: its agenda and sign-ups too."""
    if not MONTH_PATTERN.fullmatch(month or ""):
        return None
    query = db.select(Salon).filter_by(month=month)
    if details:
        query = query.options(selectinload(Salon.agenda),
                              selectinload(Salon.signups).selectinload(SignUp.user))
    return db.session.scalar(query)


def salon_of_month(month: str, details: bool = False) -> Salon:
    """The salon of this month, or Missing (404 on a page, one line on the command line)."""
    salon = salon_by_month(month, details)
    if salon is None:
        shown = month if MONTH_PATTERN.fullmatch(month or "") else "该月份"
        raise Missing(f"没有 {shown} 的沙龙。")
    return salon


@dataclass(frozen=True)
class SalonRow:
    """One line of the salon list: the salon and its counts."""

    salon: Salon
    experience: int
    problem: int
    signups: int

    @property
    def posts(self) -> int:
        return self.experience + self.problem


def salon_rows() -> list[SalonRow]:
    """Every salon, newest first, with submitted posts by kind and sign-ups: three queries."""
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all()
    post_counts = {
        (salon_id, kind): count
        for salon_id, kind, count in db.session.execute(
            db.select(Post.salon_id, Post.kind, func.count(Post.id))
            .where(Post.status == "submitted", Post.salon_id.is_not(None))
            .group_by(Post.salon_id, Post.kind)
        )
    }
    signup_counts = dict(db.session.execute(
        db.select(SignUp.salon_id, func.count(SignUp.id)).group_by(SignUp.salon_id)
    ).all())
    return [
        SalonRow(s, post_counts.get((s.id, "experience"), 0), post_counts.get((s.id, "problem"), 0),
                 signup_counts.get(s.id, 0))
        for s in salons
    ]


def posts_by_kind(salon: Salon, paging_of) -> list[tuple[str, str, object]]:
    """The salon's submitted posts as [(kind, 中文, one page)], experience first, newest first;
    `paging_of(kind)` says which page of each kind (a salon may hold thousands of posts)."""
    from ..posts.services import visible_posts  # author, unit, tags, problem loaded up front

    return [(kind, label, paginate(
        visible_posts().where(Post.salon_id == salon.id, Post.kind == kind)
        .order_by(Post.created_at.desc(), Post.id.desc()), paging_of(kind)))
        for kind, label in KINDS.items()]


# --- creating and editing --------------------------------------------------------------

def check_month(month: str) -> str:
    """A well-formed `YYYY-MM` month, or SalonError in Chinese."""
    month = (month or "").strip()
    match = MONTH_PATTERN.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2099:
        raise SalonError(f"月份格式不正确：“{month}”。请按年-月填写，例如 2026-11。",
                         "month")
    return month


def check_month_free(month: str, salon: Salon | None = None) -> None:
    """One salon a month: refuse a month another salon already holds."""
    taken = db.session.scalar(db.select(Salon).filter_by(month=month))
    if taken is not None and taken is not salon:
        raise SalonError(f"{month} 已有沙龙（第{taken.number}期 {taken.topic}），每月只办一期。",
                         "month")


def suggested_month() -> str:
    """The month a new salon most likely takes: this month if free, else after the newest."""
    this_month = f"{now():%Y-%m}"
    latest = db.session.scalar(db.select(func.max(Salon.month)))
    if latest is None or latest < this_month:
        return this_month
    year, month = map(int, latest.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def next_issue_number() -> int:
    """期号: one more than the highest ever assigned (salons are never deleted)."""
    return (db.session.scalar(db.select(func.max(Salon.number))) or 0) + 1


def _clean_topic(topic: str) -> str:
    topic = (topic or "").strip()
    if not topic:
        raise SalonError("请填写沙龙主题。", "topic")
    if len(topic) > TOPIC_MAX:
        raise SalonError(f"主题不能超过 {TOPIC_MAX} 个字。", "topic")
    return topic


def _clean_place(place: str | None) -> str:
    place = (place or "").strip()
    if len(place) > PLACE_MAX:
        raise SalonError(f"地点不能超过 {PLACE_MAX} 个字。", "place")
    return place


def check_meeting_time(month: str, starts_at: datetime | None,
                       unchanged: datetime | None = None, record: bool = False) -> None:
    """The meeting falls in the salon's month and not in the past. A time left as it was
    (`unchanged`: editing a held salon) or entered for the record (`record`: the demo, an
    import of past salons) may lie in the past."""
    if starts_at is None:
        return
    if f"{starts_at:%Y-%m}" != month:
        year, number = month.split("-")
        raise SalonError(f"会议时间须在本期月份（{year}年{int(number)}月）之内，"
                         f"现为 {starts_at:%Y-%m-%d %H:%M}。", "starts_at")
    if not record and starts_at != unchanged and starts_at < now():
        raise SalonError(f"会议时间 {starts_at:%Y-%m-%d %H:%M} 已经过去，请填写今后的时间。",
                         "starts_at")


def _clean_markdown(text: str | None, label: str, field: str) -> str:
    """Trimmed Markdown, rendered now so that a text over the budget is refused on its field."""
    text = (text or "").strip()
    try:
        markup.render(text, label, field)
    except InvalidInput as error:
        raise SalonError(error.message, field) from None
    return text


def create_salon(month: str, topic: str, description: str = "",
                 starts_at: datetime | None = None, place: str = "",
                 signup_deadline: date | None = None, call_deadline: date | None = None,
                 record: bool = False) -> Salon:
    """A new salon in `planning` with the next issue number; the caller commits.
    `record`: a past salon entered for the record (its meeting may lie in the past)."""
    month = check_month(month)
    check_month_free(month)
    check_meeting_time(month, starts_at, record=record)
    rhythm.check_deadlines(None, signup_deadline, call_deadline, starts_at)
    salon = Salon(number=next_issue_number(), month=month, topic=_clean_topic(topic),
                  description=_clean_markdown(description, "说明与征稿启事", "description"),
                  starts_at=starts_at, place=_clean_place(place), status="planning",
                  minutes="", signup_deadline=signup_deadline, call_deadline=call_deadline)
    db.session.add(salon)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the month or the number between our check and our insert.
        db.session.rollback()
        raise SalonError("保存冲突：该月份或期号刚被占用，请刷新后重试。") from None
    return salon


def update_salon(salon: Salon, month: str, topic: str, description: str = "",
                 starts_at: datetime | None = None, place: str = "",
                 signup_deadline: date | None = None, call_deadline: date | None = None) -> Salon:
    """Change a salon's month, topic, description, time, place and deadlines (never its
    issue number)."""
    if salon.status not in EDITABLE_STATUSES:
        raise SalonError("本期专刊已出刊，沙龙信息不能再修改。")
    month = check_month(month)
    check_month_free(month, salon)
    check_meeting_time(month, starts_at, unchanged=salon.starts_at)
    rhythm.check_deadlines(salon, signup_deadline, call_deadline, starts_at)
    salon.signup_deadline, salon.call_deadline = signup_deadline, call_deadline
    salon.month, salon.topic = month, _clean_topic(topic)
    salon.description = _clean_markdown(description, "说明与征稿启事", "description")
    salon.starts_at, salon.place = starts_at, _clean_place(place)
    return salon


# --- status ----------------------------------------------------------------------------

def advance_status(salon: Salon, to: str) -> Salon:
    """Move the salon one step forward (planning → open → held → published), nothing else."""
    if to not in STATUSES:
        raise SalonError(f"未知状态：{to}。")
    expected = NEXT_STATUS.get(salon.status)
    if expected is None:
        raise SalonError(f"{salon.label}已是最终状态（{salon.status_label}），不能再变更。")
    if to != expected:
        raise SalonError(
            f"{salon.label}当前为“{salon.status_label}”，只能进入下一步“{STATUSES[expected]}”，"
            f"不能改为“{STATUSES[to]}”。"
        )
    salon.status = to
    if to == "open":
        rhythm.announce_open(salon)
    return salon


# --- agenda ----------------------------------------------------------------------------

def parse_agenda(text: str) -> list[tuple[str, str]]:
    """One item a line, "题目 | 主讲人" (the speaker is optional); blank lines are skipped."""
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        title, _, speaker = (part.strip() for part in line.replace("｜", "|").partition("|"))
        if not title:
            raise SalonError(f"第 {number} 行缺少题目（格式：题目 | 主讲人）。")
        if len(title) > AGENDA_TITLE_MAX or len(speaker) > AGENDA_SPEAKER_MAX:
            raise SalonError(f"第 {number} 行过长：题目不超过 {AGENDA_TITLE_MAX} 字，"
                             f"主讲人不超过 {AGENDA_SPEAKER_MAX} 字。")
        items.append((title, speaker))
    return items


def agenda_text(salon: Salon) -> str:
    """The agenda as the textarea shows it."""
    return "\n".join(f"{i.title} | {i.speaker}" if i.speaker else i.title for i in salon.agenda)


def set_agenda(salon: Salon, text: str) -> list[AgendaItem]:
    """Replace the salon's agenda with the parsed lines."""
    if salon.status not in AGENDA_EDITABLE_STATUSES:
        raise SalonError("本期专刊已出刊，议程不能再修改。")
    items = parse_agenda(text)
    salon.agenda.clear()
    salon.agenda.extend(
        AgendaItem(position=n, title=title, speaker=speaker) for n, (title, speaker) in
        enumerate(items)
    )
    return salon.agenda


# --- sign-ups and attendance -----------------------------------------------------------

def signup_of(salon: Salon, user: User) -> SignUp | None:
    """The user's sign-up for this salon, if any (from the loaded list)."""
    return next((s for s in salon.signups if s.user_id == user.id), None)


def sign_up(salon: Salon, user: User) -> SignUp:
    """报名 while the salon is planning or open; signing up twice changes nothing."""
    if not user.has_role(*SIGNUP_ROLES):
        raise SalonError("您的角色不能报名参加沙龙。")
    if salon.status not in SIGNUP_STATUSES:
        raise SalonError(f"{salon.label}{salon.status_label}，报名已截止。")
    existing = signup_of(salon, user)
    if existing is not None:
        return existing
    if rhythm.signup_closed(salon):
        raise SalonError(f"{salon.label}报名已于{salon.signup_deadline:%Y年%m月%d日}截止。"
                         "如需参加，请联系治安大队现场签到。")
    signup = SignUp(salon=salon, user=user)
    db.session.add(signup)
    return signup


def cancel_signup(salon: Salon, user: User) -> None:
    """取消报名 while sign-up is still open."""
    if salon.status not in SIGNUP_STATUSES:
        raise SalonError(f"{salon.label}{salon.status_label}，不能再取消报名。")
    existing = signup_of(salon, user)
    if existing is None:
        raise SalonError("您尚未报名本期沙龙。")
    salon.signups.remove(existing)


def mark_attendance(salon: Salon, present_user_ids: set[int]) -> int:
    """Record who came (held salons only); the others are marked absent. Returns how many came."""
    if salon.status != "held":
        raise SalonError("沙龙召开后（已召开状态）才能登记出席情况。")
    known = {s.user_id for s in salon.signups}
    unknown = present_user_ids - known
    if unknown:
        raise SalonError("出席名单中有未报名的人员，请刷新后重试。")
    for signup in salon.signups:
        signup.attended = signup.user_id in present_user_ids
    return len(present_user_ids)


def attendees(salon: Salon) -> list[SignUp]:
    """Sign-ups in order of unit and name."""
    return sorted(salon.signups, key=lambda s: (s.user.unit.name, s.user.name))


# --- minutes ---------------------------------------------------------------------------

def save_minutes(salon: Salon, text: str) -> None:
    """纪要 (Markdown), written by organizers once the salon has been held."""
    if salon.status not in MINUTES_STATUSES:
        raise SalonError("沙龙召开后才能撰写纪要。")
    salon.minutes = _clean_markdown(text, "纪要", "minutes")
