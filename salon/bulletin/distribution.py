"""Sending a published bulletin out: stamped copies, their trace, the notice, 已阅, reminders.

- `copy_for(revision, user, remote_addr)`: the revision's frozen file stamped for that person
  (render/copies.py), with a `Download` row; the caller commits.
- `trace(pdf)`: the `Download` a copy came from, or a `TraceError` in one Chinese sentence.
- `announce(revision)`: every reader is told of a published revision (publish() calls it).
- `record_read(bulletin, user)`: 已阅, the first time a person opens a published bulletin.
- `read_rates(bulletin)` / `unread_people(bulletin)` / `remind_unread(bulletin, user)`.

Readers are the active users with a role that reads bulletins (officers, organizers, leaders;
administrators manage accounts, not content).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.models import Unit, User
from ..errors import DomainError
from ..extensions import db
from ..notifications.services import notify
from ..timeutil import now
from .models import Bulletin, BulletinRead, BulletinRevision, Download, ReadReminder

READER_ROLES = ("officer", "organizer", "leader")
REMIND_EVERY = timedelta(days=1)


class TraceError(DomainError):
    """A file that is no stamped copy of ours; the message says why, in one sentence."""


def _reader_filter():
    return (User.active.is_(True), User.role.in_(READER_ROLES))


def _copies():
    from .render import copies  # pypdf and HarfBuzz: only when a copy is made or traced

    return copies


# --- copies ----------------------------------------------------------------------------------

def holder_line(user: User, moment: datetime) -> str:
    """The visible line a copy carries: 内部资料 注意保存, who, 警号, when."""
    number = f"警号 {user.police_no}" if user.police_no else f"用户名 {user.username}"
    return f"内部资料 注意保存　{user.name}　{number}　{moment:%Y-%m-%d %H:%M}"


def copy_for(revision: BulletinRevision, user: User, remote_addr: str | None) -> bytes:
    """The revision stamped for `user`, recorded as a download (and 已阅 when published)."""
    from .rules import BulletinError, revision_bytes

    copies = _copies()
    moment = now()
    download = Download(revision_id=revision.id, user_id=user.id, copy_id=copies.new_copy_id(),
                        at=moment, remote_addr=(remote_addr or "")[:64])
    try:
        pdf = copies.stamp_copy(revision_bytes(revision),
                                copies.CopyMark(holder_line(user, moment), download.copy_id))
    except copies.CopyError as error:
        raise BulletinError(str(error)) from error
    db.session.add(download)
    if revision.published_at is not None:
        record_read(revision.bulletin, user)
    return pdf


@dataclass(frozen=True)
class Traced:
    """The download a copy came from; `by_line` when its id had been taken out of the file
    and the visible line (who, the minute) found it, `same_minute` downloads matching."""

    download: Download
    by_line: bool = False
    same_minute: int = 1


def trace(pdf: bytes) -> Traced:
    """The download a copy came from: by the id in its metadata or page content; failing
    that, by the visible line's holder and minute."""
    copies = _copies()
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise TraceError("该文件不是 PDF 文件。")
    try:
        found = copies.read_copy(pdf)
    except copies.CopyError as error:
        raise TraceError(f"该文件无法读取：{error}") from None
    if found.copy_id is not None:
        download = db.session.scalar(db.select(Download).where(
            Download.copy_id == found.copy_id))
        if download is None:
            raise TraceError(f"副本编号 {found.copy_id} 不在本平台的下载记录中。")
        return Traced(download)
    if found.minute is None:
        raise TraceError("该文件不是本平台下载的专刊副本：未找到副本编号。")
    start = datetime.strptime(found.minute, "%Y-%m-%d %H:%M")
    holder = User.username == found.number if found.by_username \
        else User.police_no == found.number
    matches = db.session.scalars(
        db.select(Download).join(User, User.id == Download.user_id)
        .where(holder, Download.at >= start, Download.at < start + timedelta(minutes=1))
        .order_by(Download.id)).all()
    if not matches:
        raise TraceError(f"副本编号已被去除，可见标记（{found.name}，{found.minute}）"
                         "对不上任何下载记录。")
    return Traced(matches[0], by_line=True, same_minute=len(matches))


def download_counts(revision_ids: list[int]) -> dict[int, list[tuple[User, int, datetime]]]:
    """Per revision: (person, copies downloaded, last download), most copies first; one query."""
    if not revision_ids:
        return {}
    rows = db.session.execute(
        db.select(Download.revision_id, User, func.count(Download.id), func.max(Download.at))
        .join(User, User.id == Download.user_id)
        .where(Download.revision_id.in_(revision_ids))
        .group_by(Download.revision_id, User.id)
        .order_by(Download.revision_id, func.count(Download.id).desc(), User.name)).all()
    found: dict[int, list] = {}
    for revision_id, user, count, last in rows:
        found.setdefault(revision_id, []).append((user, count, last))
    return found


# --- notice and 已阅 -------------------------------------------------------------------------

def announce(revision: BulletinRevision) -> int:
    """Tell every reader that this revision is out (in the publishing transaction)."""
    salon = revision.bulletin.salon
    readers = db.session.scalars(db.select(User.id).where(*_reader_filter())).all()
    again = "（更新版本）" if (revision.number or 1) > 1 else ""
    return notify(readers, "bulletin",
                  f"《社区警务沙龙专刊》第{salon.number}期{again}已发布：{salon.topic}。请及时阅读。",
                  link=f"/bulletins/{salon.month}",
                  dedupe_key=f"bulletin:published:{revision.id}",
                  exclude=revision.published_by_id)


def record_read(bulletin: Bulletin, user: User) -> bool:
    """已阅: one row per person and bulletin, the first time (a second open changes nothing,
    also when two requests race). Whether a row may have been written (the caller commits);
    an open after the first only reads."""
    if not bulletin.published_revisions or not user.has_role(*READER_ROLES) \
            or has_read(bulletin, user) is not None:
        return False
    table = BulletinRead.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(
        bulletin_id=bulletin.id, user_id=user.id, first_read_at=now())
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["bulletin_id", "user_id"]))
    return True


def has_read(bulletin: Bulletin, user: User) -> datetime | None:
    return db.session.scalar(db.select(BulletinRead.first_read_at).where(
        BulletinRead.bulletin_id == bulletin.id, BulletinRead.user_id == user.id))


@dataclass(frozen=True)
class UnitRate:
    unit: str
    readers: int
    read: int

    @property
    def rate(self) -> float:
        return self.read / self.readers if self.readers else 0.0


@dataclass(frozen=True)
class ReadRates:
    units: list[UnitRate]
    unread: dict[str, list[User]]  # unit name → the readers there who have not read it

    @property
    def readers(self) -> int:
        return sum(u.readers for u in self.units)

    @property
    def read(self) -> int:
        return sum(u.read for u in self.units)

    @property
    def rate(self) -> float:
        return self.read / self.readers if self.readers else 0.0


def read_rates(bulletin: Bulletin, with_names: bool = True) -> ReadRates:
    """已阅 by unit: readers and how many have read, in one grouped query (lowest rate first);
    with the unread people's names, one query more."""
    read = db.aliased(BulletinRead)
    joined = (db.select(Unit.name, func.count(User.id),
                        func.count(read.id))
              .select_from(User).join(Unit, Unit.id == User.unit_id)
              .outerjoin(read, (read.user_id == User.id) & (read.bulletin_id == bulletin.id))
              .where(*_reader_filter())
              .group_by(Unit.id, Unit.name))
    rows = db.session.execute(joined).all()
    units = sorted((UnitRate(name, total, done) for name, total, done in rows),
                   key=lambda u: (u.rate, -u.readers, u.unit))
    unread: dict[str, list[User]] = {}
    if with_names:
        for user in unread_people(bulletin):
            unread.setdefault(user.unit.name, []).append(user)
    return ReadRates(units, unread)


def unread_people(bulletin: Bulletin) -> list[User]:
    """The readers who have not opened the bulletin, by unit and name (one query)."""
    done = db.select(BulletinRead.user_id).where(BulletinRead.bulletin_id == bulletin.id)
    return list(db.session.scalars(
        db.select(User).join(Unit, Unit.id == User.unit_id)
        .where(*_reader_filter(), User.id.not_in(done))
        .order_by(Unit.name, User.name)).all())


def last_reminder(bulletin: Bulletin) -> ReadReminder | None:
    return db.session.scalar(db.select(ReadReminder).where(
        ReadReminder.bulletin_id == bulletin.id).order_by(ReadReminder.id.desc()).limit(1))


def remind_unread(bulletin: Bulletin, user: User) -> int:
    """提醒未读: notify everyone who has not read the published bulletin; at most once a day
    per bulletin. Returns how many were told; the caller commits."""
    if not user.has_role("organizer"):
        raise TraceError("只有组织者可以提醒未读人员。")
    if not bulletin.published_revisions:
        raise TraceError("专刊尚未发布，无需提醒。")
    last = last_reminder(bulletin)
    moment = now()
    if last is not None and moment - last.at < REMIND_EVERY:
        raise TraceError(f"今天已提醒过（{last.at:%H:%M}），24 小时内不再重复提醒。")
    salon = bulletin.salon
    unread = unread_people(bulletin)
    told = notify(unread, "bulletin",
                  f"您还没有阅读《社区警务沙龙专刊》第{salon.number}期（{salon.topic}），请及时阅读。",
                  link=f"/bulletins/{salon.month}",
                  dedupe_key=f"bulletin:remind:{bulletin.id}:{moment:%Y%m%d%H%M}")
    db.session.add(ReadReminder(bulletin_id=bulletin.id, by_id=user.id, at=moment, told=told))
    return told


def latest_published() -> Bulletin | None:
    """The bulletin of the newest published revision (the dashboard's)."""
    return db.session.scalar(
        db.select(Bulletin).join(BulletinRevision, BulletinRevision.bulletin_id == Bulletin.id)
        .where(BulletinRevision.published_at.is_not(None))
        .order_by(BulletinRevision.published_at.desc(), BulletinRevision.id.desc()).limit(1))
