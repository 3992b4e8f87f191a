"""成效: the measured figures of 办结 problems summed by label and unit of measure."""
from dataclasses import dataclass

from sqlalchemy import case, func

from ..extensions import db
from ..posts.models import Post
from .models import OutcomeFigure, Problem
from .workflow import DONE_STATES

# Rates cannot be added up: a total of 98 % and 90 % is their average, said so.
RATE_UNITS = ("%", "％")


@dataclass(frozen=True)
class OutcomeTotal:
    """One line of 成效, e.g. 新增探头 16 组 (from 3 problems)."""

    label: str
    unit: str
    value: float
    problems: int

    @property
    def is_rate(self) -> bool:
        return self.unit in RATE_UNITS

    @property
    def amount(self) -> str:
        """The value as printed: whole numbers without a point, others to one decimal."""
        if self.value % 1:
            return f"{self.value:.1f}".rstrip("0").rstrip(".")
        return f"{self.value:.0f}"

    @property
    def text(self) -> str:
        """新增探头 16 组; 出片合格率 98%; 清晰度达标率 平均 95%."""
        amount = f"{self.amount}{self.unit}" if self.is_rate else f"{self.amount} {self.unit}"
        average = "平均 " if self.is_rate and self.problems > 1 else ""
        return f"{self.label} {average}{amount}".strip()


def outcome_totals(*conditions) -> list[OutcomeTotal]:
    """Figures of 办结 problems matching `conditions` (on Problem and Post), summed by label
    and unit in one grouped query (rates averaged), the most widely reported first."""
    problems = func.count(func.distinct(OutcomeFigure.problem_id))
    rate = OutcomeFigure.unit.in_(RATE_UNITS)
    total = case((rate, func.avg(OutcomeFigure.value)), else_=func.sum(OutcomeFigure.value))
    rows = db.session.execute(
        db.select(OutcomeFigure.label, OutcomeFigure.unit, total, problems)
        .join(Problem, OutcomeFigure.problem_id == Problem.id)
        .join(Post, Problem.post_id == Post.id)
        .where(Problem.state.in_(DONE_STATES), *conditions)
        .group_by(OutcomeFigure.label, OutcomeFigure.unit)
        .order_by(problems.desc(), OutcomeFigure.label, OutcomeFigure.unit))
    return [OutcomeTotal(label, unit, float(value), count) for label, unit, value, count in rows]
