"""What a step is given and what its rule gives back (shared by the service, rules, forms)."""
from dataclasses import dataclass, field
from datetime import date

from ..accounts.models import Unit

MAX_FIGURES = 10


@dataclass
class Figure:
    """A measured figure (新增探头 16 组)."""

    label: str
    value: float | None
    unit: str = ""


@dataclass
class StepInput:
    """What a user submits with a step; which fields matter is the table's `needs`/`takes`."""

    note: str = ""
    unit: Unit | None = None
    deadline: date | None = None
    outcome: str = ""
    figures: list[Figure] = field(default_factory=list)
    satisfaction: str | None = None
    solved: str | None = None
    verdict: str | None = None
    body: str = ""
    stage: str | int | None = None  # a new stage's title, or an existing stage's id
    stage_due: date | None = None

    def given(self, name: str) -> bool:
        value = getattr(self, name)
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list):
            return any(f.label.strip() for f in value)
        return value is not None


@dataclass
class Outcome:
    """What a rule returns: the note for the history, the event's data, whether it reopens."""

    note: str
    data: dict = field(default_factory=dict)
    reopened: bool = False


def format_value(value: float) -> str:
    """16.0 → 16, 2.5 → 2.5"""
    return f"{value:g}"
