"""考核 rules: who may do what, entering figures, and an assessment of a period from the
database (the arithmetic is scoring.py's)."""
from dataclasses import dataclass

from ..accounts.models import User
from ..errors import InvalidInput, Missing, NotAllowed
from ..extensions import db
from ..timeutil import now, today
from . import metrics, scoring
from .models import Figure, Indicator
from .scoring import IndicatorSpec, Period, UnitData, UnitResult, parse_period
from .units import ASSESSED_KINDS, assessed_units

RATE_METRICS = {"on_time_rate", "reopen_rate", "satisfaction_rate"}
EVIDENCE_MAX = 2000


def may_view_all(user) -> bool:
    """The whole ranking: leaders and organizers."""
    return user.is_authenticated and user.has_role("leader", "organizer")


def may_enter(user) -> bool:
    """Entered figures: organizers."""
    return user.is_authenticated and user.has_role("organizer")


def may_manage_indicators(user) -> bool:
    return user.is_authenticated and user.has_role("organizer", "admin")


def may_view_unit(user, unit) -> bool:
    """A unit's own figures: leaders, organizers, its members and those of its 派出所."""
    if may_view_all(user):
        return True
    if not user.is_authenticated or user.has_role("admin"):
        return False
    return user.unit_id in (unit.id, unit.parent_id)


# --- the assessment of a period -------------------------------------------------------------

@dataclass
class Assessment:
    period: Period
    indicators: list[Indicator]
    results: list[UnitResult]
    leaders: list[tuple[User, list[str], float | None]]  # 捆绑考评
    reported: bool = True  # any figure entered for the period

    def result_of(self, unit_id: int) -> UnitResult | None:
        return next((r for r in self.results if r.unit.id == unit_id), None)


def active_indicators() -> list[Indicator]:
    return list(db.session.scalars(db.select(Indicator).where(Indicator.active.is_(True))
                                   .order_by(Indicator.position, Indicator.id)))


def spec_of(indicator: Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        code=indicator.code, name=indicator.name, source=indicator.source,
        direction=indicator.direction, weight=indicator.weight,
        normalisation=indicator.normalisation, applies_complexity=indicator.applies_complexity,
        rollup=indicator.rollup)


def raw_values(period: Period, units: list[UnitData], indicators: list[Indicator]
               ) -> dict[tuple[int, str], float | None]:
    """(unit id, code) → the raw value: entered figures (absent → None, 缺报) and the platform's
    measures (counts default to 0; a rate with nothing to count is None)."""
    ids = [u.id for u in units]
    entered = {(f.unit_id, f.indicator_id): f.value for f in db.session.scalars(
        db.select(Figure).where(Figure.period == period.code, Figure.unit_id.in_(ids)))}
    measured = metrics.measure(period) if any(i.source == "computed" for i in indicators) else {}
    raw: dict[tuple[int, str], float | None] = {}
    for indicator in indicators:
        for unit_id in ids:
            if indicator.source == "entered":
                raw[(unit_id, indicator.code)] = entered.get((unit_id, indicator.id))
            else:
                values = measured.get(indicator.metric or "", {})
                default = None if indicator.metric in RATE_METRICS else 0.0
                raw[(unit_id, indicator.code)] = values.get(unit_id, default)
    return raw


def _score(period: Period, units, indicators, previous=None) -> list[UnitResult]:
    return scoring.compute(units, [spec_of(i) for i in indicators],
                           raw_values(period, units, indicators), previous)


def is_reported(period: Period, indicators: list[Indicator]) -> bool:
    """A period counts for trends and 较上期 once a figure is entered for it (or when the set
    has no entered indicators): before that every count is 0 and every unit would look equal."""
    if not any(i.source == "entered" for i in indicators):
        return True
    return db.session.scalar(db.select(Figure.id).where(Figure.period == period.code)
                             .limit(1)) is not None


def assess(period_text: str, with_previous: bool = True) -> Assessment:
    """Score and rank every 派出所 and 警务室 for the period (InvalidInput for a bad period)."""
    period = parse_period(period_text)
    indicators = active_indicators()
    units = assessed_units()
    previous = None
    if with_previous and indicators and is_reported(period.previous(), indicators):
        before = _score(period.previous(), units, indicators)
        previous = {r.unit.id: (r.total, r.rank) for r in before}
    results = _score(period, units, indicators, previous) if indicators else []
    return Assessment(period, indicators, results, _leaders(results),
                      is_reported(period, indicators))


def _leaders(results: list[UnitResult]) -> list[tuple[User, list[str], float | None]]:
    from ..accounts.models import unit_contact_leader

    pairs: dict[int, list[int]] = {}
    for unit_id, user_id in db.session.execute(db.select(
            unit_contact_leader.c.unit_id, unit_contact_leader.c.user_id)):
        pairs.setdefault(user_id, []).append(unit_id)
    if not pairs:
        return []
    totals = {r.unit.id: r.total for r in results}
    names = {r.unit.id: r.unit.name for r in results}
    scores = scoring.paired_scores(pairs, totals)
    leaders = db.session.scalars(db.select(User).where(User.id.in_(pairs)).order_by(User.id))
    return [(leader, [names.get(u, "") for u in sorted(pairs[leader.id]) if u in names],
             scores[leader.id]) for leader in leaders]


def as_json(assessment: Assessment) -> list[dict]:
    """What `flask assess compute --json` and `GET /api/assessments/PERIOD` give: ranked."""
    return [{
        "unit": r.unit.name, "group": r.unit.group, "score": r.total, "rank": r.rank,
        "indicators": {code: (None if cell.raw is None else round(cell.raw, 4))
                       for code, cell in r.cells.items()},
        "missing": r.missing, "last_place": r.last_place, "change": r.change,
    } for r in assessment.results]


def trend(unit_ids: list[int], last: Period, count: int = 4
          ) -> tuple[list[str], dict[int, list[float | None]]]:
    """Totals of these units over the last `count` periods (labels, unit id → totals)."""
    periods = scoring.recent_periods(last, count)
    indicators = active_indicators()
    units = assessed_units()
    series: dict[int, list[float | None]] = {u: [] for u in unit_ids}
    for period in periods:
        results = ({r.unit.id: r for r in _score(period, units, indicators)}
                   if indicators and is_reported(period, indicators) else {})
        for unit_id in unit_ids:
            result = results.get(unit_id)
            series[unit_id].append(result.total if result else None)
    return [p.code for p in periods], series


def dashboard_trend(count: int = 4):
    """For the 看板: the latest assessed quarter, the stations' and posts' totals over the last
    `count` quarters as one chart per group, and the last places of the latest."""
    from .charts import trend_svg

    if not active_indicators():
        return None
    last = latest_period()
    units = assessed_units()
    labels, series = trend([u.id for u in units], last, count)
    charts = {}
    for group in dict.fromkeys(u.group for u in units):
        members = [u for u in units if u.group == group]
        charts[group] = trend_svg(labels, {u.name: series[u.id] for u in members},
                                  title=f"{group}考核总分走势")
    return {"period": last, "charts": charts}


def current_period() -> Period:
    day = today()
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def latest_period() -> Period:
    """The newest period with entered figures, else the current quarter."""
    code = db.session.scalar(db.select(Figure.period).where(Figure.period.like("%Q%"))
                             .order_by(Figure.period.desc()).limit(1))
    return parse_period(code) if code else current_period()


# --- entered figures ------------------------------------------------------------------------

def _number(value, label: str, field: str) -> float:
    if isinstance(value, bool):
        raise InvalidInput(f"{label}须为数字。", field=field)
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{label}须为数字。", field=field) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidInput(f"{label}须为数字。", field=field)
    return number


def enter_figure(user, unit_id, period_text: str, indicator_ref, value, evidence: str = ""
                 ) -> Figure:
    """Record (or correct) one entered figure; every bad field is named. The caller commits."""
    from ..accounts.models import Unit

    if not may_enter(user):
        raise NotAllowed("只有组织者可以填报考核数据。")
    try:
        period = parse_period(period_text)
    except InvalidInput as error:
        raise InvalidInput("考核期：" + error.message, field="period") from None
    if period.start > today():
        raise InvalidInput(f"考核期 {period.code} 尚未开始，不能填报。", field="period")
    unit = db.session.get(Unit, unit_id) if str(unit_id or "").isdigit() else None
    if unit is None and isinstance(unit_id, str) and unit_id.strip():
        unit = db.session.scalar(db.select(Unit).filter_by(name=unit_id.strip()))
    if unit is None:
        raise InvalidInput("单位不存在，请从列表中选择。", field="unit_id")
    if unit.kind not in ASSESSED_KINDS:
        raise InvalidInput(f"{unit.name}不参加考核（只考核派出所与警务室）。", field="unit_id")
    indicator = _indicator(indicator_ref)
    if indicator.source != "entered":
        raise InvalidInput(f"指标“{indicator.name}”由平台自动计算，无需填报。",
                           field="indicator_id")
    number = _number(value, f"“{indicator.name}”的数值", "value")
    if indicator.min_value is not None and number < indicator.min_value or (
            indicator.max_value is not None and number > indicator.max_value):
        raise InvalidInput(f"“{indicator.name}”的数值须在 {indicator.range_label} 之间。",
                           field="value")
    evidence = (evidence or "").strip()
    if not evidence:
        raise InvalidInput("请填写数据依据（如入户调查表、案件系统统计）。", field="evidence")
    if len(evidence) > EVIDENCE_MAX:
        raise InvalidInput(f"数据依据最多 {EVIDENCE_MAX} 字。", field="evidence")
    figure = db.session.scalar(db.select(Figure).filter_by(
        unit_id=unit.id, period=period.code, indicator_id=indicator.id))
    if figure is None:
        figure = Figure(unit_id=unit.id, period=period.code, indicator_id=indicator.id)
        db.session.add(figure)
    figure.value, figure.evidence = number, evidence
    figure.entered_by_id, figure.entered_at = user.id, now()
    db.session.flush()
    return figure


def _indicator(ref) -> Indicator:
    indicator = None
    if isinstance(ref, int) or str(ref or "").isdigit():
        indicator = db.session.get(Indicator, int(ref))
    elif isinstance(ref, str) and ref.strip():
        indicator = db.session.scalar(db.select(Indicator).filter_by(code=ref.strip()))
    if indicator is None or not indicator.active:
        raise InvalidInput("指标不存在或已停用，请从列表中选择。", field="indicator_id")
    return indicator


def figures_of(period: Period) -> dict[tuple[int, int], Figure]:
    """(unit id, indicator id) → entered figure, for the entry page's grid."""
    return {(f.unit_id, f.indicator_id): f for f in db.session.scalars(
        db.select(Figure).where(Figure.period == period.code))}


def get_indicator(indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise Missing("该指标不存在。")
    return indicator
