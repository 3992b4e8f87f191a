"""讲坛: lectures (民警讲坛, 民警周末学校, 专家讲座, 以案说法), materials and attendance."""
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Unit, User
from ..extensions import db
from ..problems.models import Problem
from ..salons.models import Salon
from ..timeutil import now

KINDS = {
    "forum": "民警讲坛", "weekend_school": "民警周末学校", "expert": "专家讲座", "case": "以案说法",
}
MATERIAL_KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPT"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
}

lecture_problem = Table(
    "lecture_problem",
    db.metadata,
    Column("lecture_id", ForeignKey("lecture.id", ondelete="CASCADE"), primary_key=True),
    Column("problem_id", ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True),
)


class Lecture(db.Model):
    """One session: who spoke, on what, where; its materials and who attended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # An officer of ours, or an outside speaker by name (法学教授、检察官…).
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    speaker_name: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    salon_id: Mapped[int | None] = mapped_column(ForeignKey("salon.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    unit: Mapped[Unit] = relationship()
    speaker: Mapped[User | None] = relationship(foreign_keys=[speaker_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    salon: Mapped[Salon | None] = relationship()
    materials: Mapped[list["LectureMaterial"]] = relationship(
        back_populates="lecture", order_by="LectureMaterial.id", cascade="all, delete-orphan")
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="lecture", order_by="Attendance.at", cascade="all, delete-orphan")
    problems: Mapped[list[Problem]] = relationship(secondary=lecture_problem,
                                                   order_by=Problem.id)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def speaker_label(self) -> str:
        if self.speaker is not None:
            return f"{self.speaker.name}（{self.speaker.unit.name}）"
        return self.speaker_name


class LectureMaterial(db.Model):
    """A lecture's file (PDF, PPTX, DOCX, XLSX), its bytes behind the storage interface."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lecture.id"), index=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # The first page of a PDF as a PNG (None when it could not be made).
    preview_key: Mapped[str | None] = mapped_column(String(120))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    lecture: Mapped[Lecture] = relationship(back_populates="materials")

    @property
    def content_type(self) -> str:
        return MATERIAL_KINDS[self.kind][0]

    @property
    def kind_label(self) -> str:
        return MATERIAL_KINDS[self.kind][1]

    @property
    def size_label(self) -> str:
        """0.3 KB, 240 KB, 3.1 MB"""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        kb = self.size / 1024
        return f"{kb:.1f} KB" if kb < 10 else f"{kb:.0f} KB"


class Attendance(db.Model):
    """签到: an officer attended a lecture."""

    __table_args__ = (UniqueConstraint("lecture_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lecture.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)

    lecture: Mapped[Lecture] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship()
