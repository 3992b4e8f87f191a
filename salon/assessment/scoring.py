"""The assessment's arithmetic, on plain data (no database): periods, roll-up, normalisation,
scores, totals, ranks, last places and the leaders' 捆绑考评.

The method, step by step (the indicators page shows the same text):

1. **Raw value** per unit and indicator: an entered figure or a platform count/rate.
   A missing entered figure is `None` (缺报); a rate with nothing to count is `None` (无数据).
2. **Roll-up**: for an indicator with `rollup` = sum, a 派出所's value is its own figure plus
   its 警务室' figures (and so are its officers and residents); with `mean`, the average of
   them weighted by residents. A 警务室 that did not report is left out; a 派出所 that did
   not report its own figure stays 缺报.
3. **Normalised value**: per officer (value ÷ officers) or per 10,000 residents
   (value ÷ residents × 10,000), or the value itself. No officers / residents → 无数据.
4. **Complexity**: where the indicator says so, a lower-is-better value is divided by the
   unit's 治安复杂程度系数 and a higher-is-better value multiplied by it.
5. **Score 0–100**, min-max within the group of units compared (派出所 with 派出所, 警务室 with
   警务室): higher-is-better (v − min) ÷ (max − min) × 100, lower-is-better
   (max − v) ÷ (max − min) × 100; when all are equal everyone scores 100.
6. **Total** = Σ weight × score ÷ Σ weight over the indicators the unit has a score for: a
   缺报 or 无数据 indicator drops out with its weight (never counted as zero), and a unit with any
   缺报 is flagged 缺报. Totals are rounded to 2 decimals.
7. **Rank**: by total, highest first; equal totals share a rank (1, 1, 3). A unit with no
   score at all is not ranked.
8. **Last places**: the bottom 10 % of the ranked units, at least one (and everyone tied
   with them), when at least two are ranked.
9. **Change**: total and rank against the previous period of the same length.
10. **捆绑考评**: a leader's score is the mean of the totals of the units they are paired with.
"""
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..errors import InvalidInput

PERIOD_MESSAGE = "考核期须为 YYYYQn（如 2026Q4）或 YYYY-MM（如 2026-11）。"
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
LAST_PLACE_SHARE = 0.1


@dataclass(frozen=True)
class Period:
    """A quarter (2026Q4) or a month (2026-11): its first and last day."""

    code: str
    start: date
    end: date

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.code

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.code[:4]}年第{'一二三四'[int(self.code[-1]) - 1]}季度"
        return f"{self.code[:4]}年{int(self.code[5:])}月"

    def previous(self) -> "Period":
        return _build(_shift(self.code, -1))

    def next(self) -> "Period":
        return _build(_shift(self.code, 1))


def parse_period(text: str | None) -> Period:
    """`YYYYQn` or `YYYY-MM` (years 2000–2099) → Period; anything else is InvalidInput."""
    text = (text or "").strip().upper()
    period = _build(text)
    if period is None or not 2000 <= period.start.year <= 2099:
        raise InvalidInput(PERIOD_MESSAGE, field="period")
    return period


def _build(text: str) -> Period | None:
    """The period a well-formed code names (any year; the neighbours of the edge years)."""
    quarter, month = _QUARTER.match(text), _MONTH.match(text)
    if quarter:
        year, q = int(quarter[1]), int(quarter[2])
        return Period(text, date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if month:
        year, m = int(month[1]), int(month[2])
        return Period(text, date(year, m, 1), _month_end(year, m))
    return None


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _shift(code: str, step: int) -> str:
    if "Q" in code:
        index = int(code[:4]) * 4 + int(code[-1]) - 1 + step
        return f"{index // 4}Q{index % 4 + 1}"
    index = int(code[:4]) * 12 + int(code[5:]) - 1 + step
    return f"{index // 12}-{index % 12 + 1:02d}"


def recent_periods(last: Period, count: int) -> list[Period]:
    """`count` periods ending with `last`, oldest first."""
    periods = [last]
    while len(periods) < count and periods[0].start.year >= 2000:
        periods.insert(0, periods[0].previous())
    return periods


@dataclass(frozen=True)
class UnitData:
    id: int
    name: str
    group: str  # which units are compared together (派出所 / 警务室)
    officers: int
    population: int | None
    complexity: float = 1.0
    parent_id: int | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    source: str = "entered"  # entered | computed
    direction: str = "higher"  # higher | lower
    weight: float = 1.0
    normalisation: str = "none"  # none | per_officer | per_10k_residents
    applies_complexity: bool = False
    rollup: str = "none"  # none | sum | mean


@dataclass
class Cell:
    """One unit's figures for one indicator, each step kept so a page can show the working."""

    raw: float | None
    rolled: float | None
    normalised: float | None
    adjusted: float | None
    score: float | None = None
    missing: bool = False  # 缺报: an entered figure that was not reported
    officers: int = 0
    population: int | None = None
    parts: list[str] = field(default_factory=list)  # the 警务室 whose figures were rolled up


@dataclass
class UnitResult:
    unit: UnitData
    cells: dict[str, Cell]
    total: float | None = None
    rank: int | None = None
    missing: list[str] = field(default_factory=list)  # codes reported missing (缺报)
    last_place: bool = False
    previous_total: float | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> float | None:
        if self.total is None or self.previous_total is None:
            return None
        return round(self.total - self.previous_total, 2)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost (negative) since the previous period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


Rolled = tuple[float | None, int, int | None, list[str]]


def roll_up(units: list[UnitData], spec: IndicatorSpec,
            raw: dict[int, float | None]) -> dict[int, Rolled]:
    """Per unit: (value after roll-up, officers, residents, names of the 警务室 added in)."""
    children: dict[int, list[UnitData]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit)
    out = {}
    for unit in units:
        members = [unit] + (children.get(unit.id, []) if spec.rollup != "none" else [])
        officers = sum(m.officers for m in members)
        known = [m.population for m in members if m.population]
        population = sum(known) if known else None
        values = [(m, raw.get(m.id)) for m in members if raw.get(m.id) is not None]
        parts = [m.name for m in members[1:]]
        if not values:
            out[unit.id] = (None, officers, population, parts)
        elif spec.rollup == "mean" and len(members) > 1:
            weights = [m.population or 0 for m, _ in values]
            if sum(weights) > 0:
                value = sum(w * v for w, (_, v) in zip(weights, values, strict=True)) / sum(weights)
            else:
                value = sum(v for _, v in values) / len(values)
            out[unit.id] = (value, officers, population, parts)
        else:
            out[unit.id] = (sum(v for _, v in values), officers, population, parts)
    return out


def normalise(value: float | None, spec: IndicatorSpec, officers: int,
              population: int | None) -> float | None:
    if value is None:
        return None
    if spec.normalisation == "per_officer":
        return value / officers if officers > 0 else None
    if spec.normalisation == "per_10k_residents":
        return value / population * 10000 if population else None
    return value


def adjust(value: float | None, spec: IndicatorSpec, complexity: float) -> float | None:
    """The complexity weight: a hard area's 发案率 counts less, its achievements more."""
    if value is None or not spec.applies_complexity or not complexity:
        return value
    return value / complexity if spec.direction == "lower" else value * complexity


def min_max(values: dict[int, float | None], direction: str) -> dict[int, float | None]:
    """0–100 within the group; None stays None; all equal → 100."""
    known = [v for v in values.values() if v is not None]
    if not known:
        return dict.fromkeys(values)
    low, high = min(known), max(known)
    scores: dict[int, float | None] = {}
    for key, value in values.items():
        if value is None:
            scores[key] = None
        elif math.isclose(high, low):
            scores[key] = 100.0
        elif direction == "lower":
            scores[key] = (high - value) / (high - low) * 100
        else:
            scores[key] = (value - low) / (high - low) * 100
    return scores


def rank(totals: dict[int, float | None]) -> dict[int, int | None]:
    """Competition ranking (1, 1, 3) by total, highest first; None is not ranked."""
    ordered = sorted((t for t in totals.values() if t is not None), reverse=True)
    return {key: (None if t is None else ordered.index(t) + 1) for key, t in totals.items()}


def last_places(ranks: dict[int, int | None]) -> set[int]:
    """The bottom 10 % of the ranked (at least one, with those tied), if two or more ranked."""
    ranked = sorted(r for r in ranks.values() if r is not None)
    if len(ranked) < 2:
        return set()
    count = max(1, math.ceil(len(ranked) * LAST_PLACE_SHARE))
    threshold = ranked[-count]
    if threshold == ranked[0]:
        return set()  # everyone tied: nobody is last
    return {key for key, r in ranks.items() if r is not None and r >= threshold}


def compute(units: list[UnitData], specs: list[IndicatorSpec],
            raw: dict[tuple[int, str], float | None],
            previous: dict[int, tuple[float | None, int | None]] | None = None
            ) -> list[UnitResult]:
    """Score and rank every unit within its group; the result is ordered by group, then rank."""
    results = {u.id: UnitResult(unit=u, cells={}) for u in units}
    for spec in specs:
        rolled = roll_up(units, spec, {u.id: raw.get((u.id, spec.code)) for u in units})
        for unit in units:
            value, officers, population, parts = rolled[unit.id]
            own = raw.get((unit.id, spec.code))
            if spec.source == "entered" and own is None:
                value = None  # 缺报 stays 缺报: its 警务室' figures do not stand in for it
            normalised = normalise(value, spec, officers, population)
            results[unit.id].cells[spec.code] = Cell(
                raw=own, rolled=value, normalised=normalised,
                adjusted=adjust(normalised, spec, unit.complexity),
                missing=spec.source == "entered" and own is None,
                officers=officers, population=population, parts=parts)
    for group in _groups(units):
        for spec in specs:
            scores = min_max({u.id: results[u.id].cells[spec.code].adjusted for u in group},
                             spec.direction)
            for unit_id, score in scores.items():
                results[unit_id].cells[spec.code].score = score
        totals = {}
        for unit in group:
            result = results[unit.id]
            result.missing = [s.code for s in specs if result.cells[s.code].missing]
            weighed = [(s.weight, result.cells[s.code].score) for s in specs
                       if result.cells[s.code].score is not None and s.weight > 0]
            weight = sum(w for w, _ in weighed)
            result.total = round(sum(w * s for w, s in weighed) / weight, 2) if weight else None
            totals[unit.id] = result.total
        ranks = rank(totals)
        last = last_places(ranks)
        for unit in group:
            result = results[unit.id]
            result.rank = ranks[unit.id]
            result.last_place = unit.id in last
            if previous and unit.id in previous:
                result.previous_total, result.previous_rank = previous[unit.id]
    order = {g: i for i, g in enumerate(dict.fromkeys(u.group for u in units))}
    return sorted(results.values(), key=lambda r: (
        order[r.unit.group], r.rank is None, r.rank or 0, r.unit.name))


def _groups(units: list[UnitData]) -> list[list[UnitData]]:
    groups: dict[str, list[UnitData]] = {}
    for unit in units:
        groups.setdefault(unit.group, []).append(unit)
    return list(groups.values())


def paired_scores(pairs: dict[int, list[int]], totals: dict[int, float | None]
                  ) -> dict[int, float | None]:
    """捆绑考评: leader id → mean total of their paired units (those with a total)."""
    out = {}
    for leader_id, unit_ids in pairs.items():
        known = [totals[u] for u in unit_ids if totals.get(u) is not None]
        out[leader_id] = round(sum(known) / len(known), 2) if known else None
    return out
