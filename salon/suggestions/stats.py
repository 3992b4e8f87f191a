"""群众满意率 and the other figures of 开门评警 (the dashboard, the bulletin): the citizens'
verdicts, kept apart from the reporting officers' satisfaction with a problem's handling."""
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from sqlalchemy import func

from ..extensions import db
from ..problems.models import Problem
from .models import CHANNELS, PLEASED, VERDICTS, Suggestion


@dataclass
class PublicFigures:
    """The figures of suggestions received in a period."""

    total: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)  # label → count, every channel
    by_status: dict[str, int] = field(default_factory=dict)  # key → count
    verdicts: dict[str, int] = field(default_factory=dict)  # key → count
    answered: int = 0
    median_days_to_answer: float | None = None

    @property
    def taken_up(self) -> int:
        """采纳 or 并入: became, or joined, a tracked problem."""
        return self.by_status.get("adopted", 0) + self.by_status.get("merged", 0)

    @property
    def pending(self) -> int:
        return self.by_status.get("new", 0)

    @property
    def rated(self) -> int:
        return sum(self.verdicts.values())

    @property
    def satisfaction_rate(self) -> float | None:
        """群众满意率: 满意 and 基本满意 among the citizens who gave a verdict."""
        pleased = sum(self.verdicts.get(k, 0) for k in PLEASED)
        return round(100 * pleased / self.rated, 1) if self.rated else None

    def verdict_rows(self) -> list[tuple[str, int]]:
        return [(label, self.verdicts.get(key, 0)) for key, label in VERDICTS.items()]


def public_satisfaction(start: date | None = None, end: date | None = None) -> PublicFigures:
    """Figures for suggestions received from `start` to `end` (both optional, inclusive)."""
    where = []
    if start:
        where.append(Suggestion.received_on >= start)
    if end:
        where.append(Suggestion.received_on <= end)
    figures = PublicFigures()
    by_channel = dict(db.session.execute(
        db.select(Suggestion.channel, func.count()).where(*where).group_by(Suggestion.channel)
    ).all())
    figures.by_channel = {label: by_channel.get(key, 0) for key, label in CHANNELS.items()}
    figures.total = sum(by_channel.values())
    figures.by_status = dict(db.session.execute(
        db.select(Suggestion.status, func.count()).where(*where).group_by(Suggestion.status)
    ).all())
    # The citizen's own verdict (online), else the desk's 回访 of the problem it became.
    verdict = func.coalesce(Suggestion.verdict, Problem.revisit_satisfaction)
    figures.verdicts = dict(db.session.execute(
        db.select(verdict, func.count()).select_from(Suggestion)
        .outerjoin(Problem, Suggestion.problem_id == Problem.id)
        .where(*where, verdict.is_not(None)).group_by(verdict)
    ).all())
    spans = db.session.execute(
        db.select(Suggestion.created_at, Suggestion.first_answer_at)
        .where(*where, Suggestion.first_answer_at.is_not(None))).all()
    figures.answered = len(spans)
    if spans:
        days = [max((answered - created).total_seconds(), 0) / 86400 for created, answered in spans]
        figures.median_days_to_answer = round(median(days), 1)
    return figures
