"""考核: the indicator set, the figures entered per unit and period, and each unit's brand."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Unit, User
from ..extensions import db
from ..markup import as_html, keep_rendered
from ..timeutil import now

SOURCES = {"computed": "平台自动计算", "entered": "填报"}
DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}
NORMALISATIONS = {"none": "不折算", "per_officer": "按民警人数折算（每名民警）",
                  "per_10k_residents": "按辖区人口折算（每万人）"}
# How a 警务室's figure reaches its 派出所: not at all, added up, or averaged by population.
ROLLUPS = {"none": "不汇总", "sum": "警务室数值累加到派出所", "mean": "按人口加权平均到派出所"}
# What the platform measures for a computed indicator (services.METRICS computes them).
METRICS = {
    "posts": "提交稿件数",
    "problems_raised": "反映问题数",
    "signups": "沙龙报名人次",
    "attendance": "沙龙到会人次",
    "on_time_rate": "按期办结率（%）",
    "reopen_rate": "重办率（%）",
    "satisfaction_rate": "满意率（报结确认与回访，%）",
    "exemplary": "典型经验篇数",
    "lectures": "举办讲坛次数",
    "suggestions_taken": "采纳群众建议数",
}


class Indicator(db.Model):
    """One indicator of the assessment: what is measured, how it is compared and weighed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    # The formula in words, shown on the pages (口径).
    definition: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="entered")
    metric: Mapped[str | None] = mapped_column(String(30))  # computed: a key of METRICS
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    weight: Mapped[float] = mapped_column(default=1.0)
    normalisation: Mapped[str] = mapped_column(String(20), default="none")
    applies_complexity: Mapped[bool] = mapped_column(default=False, server_default="0")
    rollup: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    value_unit: Mapped[str] = mapped_column(String(10), default="")  # %, 起, 篇 …
    min_value: Mapped[float | None]  # entered: the range a figure must fall in
    max_value: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def direction_label(self) -> str:
        return DIRECTIONS.get(self.direction, self.direction)

    @property
    def normalisation_label(self) -> str:
        return NORMALISATIONS.get(self.normalisation, self.normalisation)

    @property
    def rollup_label(self) -> str:
        return ROLLUPS.get(self.rollup, self.rollup)

    @property
    def metric_label(self) -> str:
        return METRICS.get(self.metric or "", "")

    @property
    def range_label(self) -> str:
        if self.min_value is None and self.max_value is None:
            return ""
        low = "" if self.min_value is None else f"{self.min_value:g}"
        high = "" if self.max_value is None else f"{self.max_value:g}"
        return f"{low}–{high}{self.value_unit}"


class Figure(db.Model):
    """A figure entered for one unit, period and indicator, with its evidence (依据)."""

    __table_args__ = (UniqueConstraint("unit_id", "period", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    value: Mapped[float]
    evidence: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=now)

    unit: Mapped[Unit] = relationship()
    indicator: Mapped[Indicator] = relationship()
    entered_by: Mapped[User] = relationship()


class Brand(db.Model):
    """一所一品牌、一室一创新: a unit's brand name, slogan and working method (Markdown, with
    photos uploaded through the editor)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    slogan: Mapped[str] = mapped_column(String(120), default="")
    method: Mapped[str] = mapped_column(Text, default="")
    method_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    unit: Mapped[Unit] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def method_markup(self):
        """The working method as sanitised HTML, rendered when it was written."""
        return as_html(self.method_html)


keep_rendered(Brand.method, "method_html", label="工作法")


class AssessmentReport(db.Model):
    """A published 考核通报: one revision of a period's PDF and .xlsx, frozen with their SHA-256
    after a leader's 签发 of exactly this content. Never changed afterwards; a later change
    to a weight or a figure needs a new 送审/签发 and makes the next revision."""

    __table_args__ = (UniqueConstraint("period", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    number: Mapped[int]  # 第 N 版 within the period
    fingerprint: Mapped[str] = mapped_column(String(64))  # report_content's, as signed
    pdf_key: Mapped[str] = mapped_column(String(120), unique=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int]
    pages: Mapped[int]
    xlsx_key: Mapped[str] = mapped_column(String(120), unique=True)
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_size: Mapped[int]
    content: Mapped[str] = mapped_column(Text)  # the frozen content as JSON (ranking, trend …)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime]
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(default=now)

    signed_by: Mapped[User] = relationship(foreign_keys=[signed_by_id])
    published_by: Mapped[User] = relationship(foreign_keys=[published_by_id])

    @property
    def label(self) -> str:
        return f"第{self.number}版"

    @property
    def period_label(self) -> str:
        from .scoring import parse_period

        return parse_period(self.period).label
