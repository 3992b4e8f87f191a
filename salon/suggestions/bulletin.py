"""The 专刊's 群众建议 section: how many came in that month, how many were taken up, and one or
two stories of a suggestion that became a measured result (never a contact)."""
import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..problems.models import DONE_STATES, Problem
from .models import Suggestion
from .stats import PublicFigures, public_satisfaction

STORIES = 2


@dataclass
class BulletinSection:
    figures: PublicFigures
    stories: list[Suggestion]

    @property
    def empty(self) -> bool:
        return self.figures.total == 0 and not self.stories


def bulletin_section(month: str) -> BulletinSection:
    """The section for the salon of `month` (YYYY-MM): that month's suggestions, and the
    latest taken-up suggestions whose problem was 办结 with figures by the month's end (never
    later: a revision built months after tells the same stories)."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    end = date(year, number, calendar.monthrange(year, number)[1])
    stories = db.session.scalars(
        db.select(Suggestion).join(Problem, Suggestion.problem_id == Problem.id)
        .where(Problem.state.in_(DONE_STATES), Problem.figures.any(),
               Suggestion.received_on <= end,
               Problem.resolved_at < datetime.combine(end + timedelta(days=1), time()))
        .options(selectinload(Suggestion.problem).selectinload(Problem.figures),
                 selectinload(Suggestion.problem).selectinload(Problem.responsible_unit),
                 selectinload(Suggestion.problem).selectinload(Problem.post))
        .order_by(Problem.resolved_at.desc(), Suggestion.id.desc()).limit(STORIES)).all()
    return BulletinSection(public_satisfaction(start, end), list(stories))
