"""讲坛 rules: recording a lecture, signing in to it, and the counts the assessment reads."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Unit, User
from ..errors import Conflict, InvalidInput, Missing, NotAllowed
from ..extensions import db
from ..problems.models import Problem
from ..salons.models import Salon
from ..timeutil import now, today
from .models import KINDS, Attendance, Lecture

TITLE_MAX = 200
SUMMARY_MAX = 5000
SPEAKER_MAX = 100
PROBLEMS_MAX = 20


@dataclass
class LectureInput:
    kind: str
    held_on: date | None
    unit_id: int | None
    title: str
    summary: str = ""
    speaker_id: int | None = None
    speaker_name: str = ""
    salon_id: int | None = None
    problem_ids: list[int] = field(default_factory=list)


def may_record(user: User) -> bool:
    """Organizers record lectures (the 讲坛 is theirs to run)."""
    return user.is_authenticated and user.has_role("organizer")


def may_attend(user: User) -> bool:
    return user.is_authenticated and user.has_role("officer", "organizer", "leader")


def _check(data: LectureInput) -> tuple[Unit, User | None, Salon | None, list[Problem]]:
    if data.kind not in KINDS:
        raise InvalidInput("请选择讲坛类型：" + "、".join(KINDS.values()) + "。", field="kind")
    if data.held_on is None:
        raise InvalidInput("请填写日期。", field="held_on")
    title = (data.title or "").strip()
    if not title:
        raise InvalidInput("请填写题目。", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"题目最多 {TITLE_MAX} 字。", field="title")
    if len(data.summary or "") > SUMMARY_MAX:
        raise InvalidInput(f"内容摘要最多 {SUMMARY_MAX} 字。", field="summary")
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None:
        raise InvalidInput("请选择举办单位。", field="unit_id")
    speaker = db.session.get(User, data.speaker_id) if data.speaker_id else None
    if data.speaker_id and speaker is None:
        raise InvalidInput("所选主讲民警不存在。", field="speaker_id")
    name = (data.speaker_name or "").strip()
    if speaker is None and not name:
        raise InvalidInput("请选择主讲民警，或填写外请主讲人姓名与身份。", field="speaker_name")
    if len(name) > SPEAKER_MAX:
        raise InvalidInput(f"主讲人最多 {SPEAKER_MAX} 字。", field="speaker_name")
    salon = db.session.get(Salon, data.salon_id) if data.salon_id else None
    if data.salon_id and salon is None:
        raise InvalidInput("所选沙龙不存在。", field="salon_id")
    ids = sorted(set(data.problem_ids))
    if len(ids) > PROBLEMS_MAX:
        raise InvalidInput(f"最多关联 {PROBLEMS_MAX} 个问题。", field="problem_ids")
    problems = (db.session.scalars(db.select(Problem).where(Problem.id.in_(ids))).all()
                if ids else [])
    missing = sorted(set(ids) - {p.id for p in problems})
    if missing:
        raise InvalidInput("问题编号不存在：" + "、".join(map(str, missing)) + "。",
                           field="problem_ids")
    return unit, speaker, salon, list(problems)


def save_lecture(user: User, data: LectureInput, lecture: Lecture | None = None) -> Lecture:
    """Record a lecture, or change one; the caller commits."""
    if not may_record(user):
        raise NotAllowed("只有组织者可以登记讲坛。")
    unit, speaker, salon, problems = _check(data)
    if lecture is None:
        lecture = Lecture(created_by=user, created_at=now())
        db.session.add(lecture)
    lecture.kind = data.kind
    lecture.held_on = data.held_on
    lecture.unit = unit
    lecture.title = data.title.strip()
    lecture.summary = (data.summary or "").strip()
    lecture.speaker = speaker
    lecture.speaker_name = "" if speaker else data.speaker_name.strip()
    lecture.salon = salon
    lecture.problems = problems
    db.session.flush()
    return lecture


def sign_in(lecture: Lecture, user: User) -> Attendance:
    """签到: from the day of the lecture on, once per officer."""
    if not may_attend(user):
        raise NotAllowed("管理员不参加讲坛签到。")
    if lecture.held_on > today():
        raise Conflict("讲坛尚未举行，当天起才能签到。")
    exists = db.session.scalar(db.select(Attendance.id).filter_by(lecture_id=lecture.id,
                                                                   user_id=user.id))
    if exists:
        raise Conflict("您已签到。")
    attendance = Attendance(lecture=lecture, user=user, at=now())
    db.session.add(attendance)
    return attendance


def get_lecture(lecture_id: int) -> Lecture:
    lecture = db.session.get(Lecture, lecture_id, options=[
        selectinload(Lecture.materials),
        selectinload(Lecture.attendance).joinedload(Attendance.user),
        selectinload(Lecture.problems).joinedload(Problem.post)])
    if lecture is None:
        raise Missing("该讲坛不存在。")
    return lecture


def lectures_query(unit_id: int | None = None, kind: str = ""):
    query = db.select(Lecture).options(joinedload(Lecture.unit), joinedload(Lecture.speaker),
                                       selectinload(Lecture.materials))
    if unit_id:
        query = query.where(Lecture.unit_id == unit_id)
    if kind in KINDS:
        query = query.where(Lecture.kind == kind)
    return query.order_by(Lecture.held_on.desc(), Lecture.id.desc())


def weekly_school(unit: Unit) -> list[tuple[int, Lecture, int]]:
    """A unit's 民警周末学校 as a series: (第N讲, lecture, attendance), oldest first."""
    lectures = db.session.scalars(
        db.select(Lecture).where(Lecture.unit_id == unit.id, Lecture.kind == "weekend_school")
        .options(joinedload(Lecture.speaker), selectinload(Lecture.materials))
        .order_by(Lecture.held_on, Lecture.id)).all()
    counts = attendance_counts([lecture.id for lecture in lectures])
    return [(n, lecture, counts.get(lecture.id, 0)) for n, lecture in enumerate(lectures, 1)]


def attendance_counts(lecture_ids: list[int]) -> dict[int, int]:
    if not lecture_ids:
        return {}
    return dict(db.session.execute(
        db.select(Attendance.lecture_id, func.count()).where(Attendance.lecture_id.in_(lecture_ids))
        .group_by(Attendance.lecture_id)).all())


def lectures_of_salon(salon_id: int) -> list[Lecture]:
    """The lectures on a salon's agenda."""
    return db.session.scalars(db.select(Lecture).where(Lecture.salon_id == salon_id)
                              .order_by(Lecture.held_on, Lecture.id)).all()


def lectures_of_problem(problem_id: int) -> list[Lecture]:
    """The talks that raised or reviewed this problem (the link back from the problem)."""
    return db.session.scalars(
        db.select(Lecture).where(Lecture.problems.any(Problem.id == problem_id))
        .order_by(Lecture.held_on, Lecture.id)).all()


def lecture_counts(start: date | None = None, end: date | None = None,
                   kinds: tuple[str, ...] | None = None) -> dict[int, int]:
    """Lectures held per unit (unit id → count) from `start` to `end` inclusive: what the
    assessment reads for its 讲坛 indicator. Units without a lecture are absent (0)."""
    where = []
    if start:
        where.append(Lecture.held_on >= start)
    if end:
        where.append(Lecture.held_on <= end)
    if kinds:
        where.append(Lecture.kind.in_(kinds))
    return dict(db.session.execute(
        db.select(Lecture.unit_id, func.count()).where(*where).group_by(Lecture.unit_id)).all())


def attendance_by_unit(start: date | None = None, end: date | None = None) -> dict[int, int]:
    """Sign-ins per attending officer's unit (unit id → count) in the period."""
    where = []
    if start:
        where.append(Lecture.held_on >= start)
    if end:
        where.append(Lecture.held_on <= end)
    return dict(db.session.execute(
        db.select(User.unit_id, func.count()).select_from(Attendance)
        .join(Lecture, Attendance.lecture_id == Lecture.id)
        .join(User, Attendance.user_id == User.id).where(*where).group_by(User.unit_id)).all())
