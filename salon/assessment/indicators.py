"""The indicator set: checking an indicator, and the default set (七率 plus the platform's own
measures), each with its formula written out."""
import re
from dataclasses import dataclass

from ..errors import InvalidInput, NotAllowed
from ..extensions import db
from .models import DIRECTIONS, METRICS, NORMALISATIONS, ROLLUPS, SOURCES, Indicator

CODE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
WEIGHT_MAX = 100


@dataclass
class IndicatorInput:
    code: str
    name: str
    definition: str = ""
    source: str = "entered"
    metric: str | None = None
    direction: str = "higher"
    weight: float | str | None = 1.0
    normalisation: str = "none"
    applies_complexity: bool = False
    rollup: str = "none"
    value_unit: str = ""
    min_value: float | str | None = None
    max_value: float | str | None = None
    active: bool = True


def _optional_number(value, label: str, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{label}须为数字。", field=field) from None


def save_indicator(user, data: IndicatorInput, indicator: Indicator | None = None) -> Indicator:
    """Create or change an indicator; each broken rule names its field. The caller commits."""
    if not (user.is_authenticated and user.has_role("organizer", "admin")):
        raise NotAllowed("只有组织者或管理员可以管理考核指标。")
    code = (data.code or "").strip()
    if not CODE.match(code):
        raise InvalidInput("代码须为 2–30 位小写字母、数字或下划线，以字母开头。", field="code")
    clash = db.session.scalar(db.select(Indicator).filter_by(code=code))
    if clash is not None and clash is not indicator:
        raise InvalidInput(f"代码“{code}”已被其他指标使用。", field="code")
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise InvalidInput("请填写指标名称（最多 60 字）。", field="name")
    if len(data.definition or "") > 2000:
        raise InvalidInput("计算口径最多 2000 字。", field="definition")
    if data.source not in SOURCES:
        raise InvalidInput("请选择数据来源。", field="source")
    if data.source == "computed" and data.metric not in METRICS:
        raise InvalidInput("平台自动计算的指标须选择计算项目。", field="metric")
    if data.direction not in DIRECTIONS:
        raise InvalidInput("请选择方向（越高越好或越低越好）。", field="direction")
    weight = _optional_number(data.weight, "权重", "weight")
    if weight is None or not 0 <= weight <= WEIGHT_MAX:
        raise InvalidInput(f"权重须为 0–{WEIGHT_MAX} 之间的数字。", field="weight")
    if data.normalisation not in NORMALISATIONS:
        raise InvalidInput("请选择折算方式。", field="normalisation")
    if data.rollup not in ROLLUPS:
        raise InvalidInput("请选择警务室汇总方式。", field="rollup")
    low = _optional_number(data.min_value, "下限", "min_value")
    high = _optional_number(data.max_value, "上限", "max_value")
    if low is not None and high is not None and low > high:
        raise InvalidInput("下限不能大于上限。", field="max_value")
    if len(data.value_unit or "") > 10:
        raise InvalidInput("计量单位最多 10 字。", field="value_unit")
    if indicator is None:
        position = db.session.scalar(db.select(db.func.max(Indicator.position))) or 0
        indicator = Indicator(position=position + 1)
        db.session.add(indicator)
    indicator.code, indicator.name = code, name
    indicator.definition = (data.definition or "").strip()
    indicator.source = data.source
    indicator.metric = data.metric if data.source == "computed" else None
    indicator.direction, indicator.weight = data.direction, weight
    indicator.normalisation, indicator.rollup = data.normalisation, data.rollup
    indicator.applies_complexity = bool(data.applies_complexity)
    indicator.value_unit = (data.value_unit or "").strip()
    indicator.min_value, indicator.max_value = low, high
    indicator.active = bool(data.active)
    db.session.flush()
    return indicator


# code, name, source, metric, direction, weight, normalisation, complexity, rollup, unit,
# min, max, definition
DEFAULTS = [
    ("shuxi", "熟识率", "entered", None, "higher", 10, "none", False, "mean", "%", 0, 100,
     "入户走访抽查：民警能叫出姓名、说出基本情况的住户数 ÷ 抽查住户数 × 100%。"
     "派出所按辖区人口与所属警务室加权平均。"),
    ("manyi", "满意率", "entered", None, "higher", 15, "none", False, "mean", "%", 0, 100,
     "群众满意度问卷：满意与基本满意的份数 ÷ 有效问卷数 × 100%。"),
    ("faan", "发案率", "entered", None, "lower", 15, "per_10k_residents", True, "sum", "起",
     0, 100000,
     "填报期内辖区刑事、治安案件发案起数（案件系统统计），按每万名辖区人口折算，"
     "再除以治安复杂程度系数；越低越好。警务室发案数累加到所属派出所。"),
    ("jianjing", "见警率", "entered", None, "higher", 10, "none", False, "mean", "%", 0, 100,
     "问卷中回答“经常见到民警巡逻、走访”的人数 ÷ 受访人数 × 100%。"),
    ("xiansuo", "线索提供率", "entered", None, "higher", 5, "none", False, "mean", "%", 0, 100,
     "破获案件中由群众或信息员提供线索的起数 ÷ 破获案件起数 × 100%。"),
    ("fangfan", "防范率", "entered", None, "higher", 10, "none", True, "mean", "%", 0, 100,
     "已落实技防、物防或群防措施的住户（单位）数 ÷ 辖区住户（单位）总数 × 100%，"
     "乘以治安复杂程度系数。"),
    ("guankong", "重点人员管控率", "entered", None, "higher", 5, "none", False, "mean", "%",
     0, 100, "已落实管控措施的重点人员数 ÷ 辖区重点人员数 × 100%。"),
    ("posts", "人均稿件", "computed", "posts", "higher", 3, "per_officer", False, "sum", "篇",
     None, None, "考核期内本单位民警提交的稿件篇数 ÷ 本单位在岗人数。"),
    ("problems", "人均反映问题", "computed", "problems_raised", "higher", 3, "per_officer",
     False, "sum", "条", None, None, "考核期内提交的问题反映篇数 ÷ 本单位在岗人数。"),
    ("signups", "人均沙龙报名", "computed", "signups", "higher", 2, "per_officer", False,
     "sum", "人次", None, None, "考核期内各期沙龙的报名人次 ÷ 本单位在岗人数。"),
    ("attendance", "人均沙龙到会", "computed", "attendance", "higher", 2, "per_officer",
     False, "sum", "人次", None, None, "考核期内各期沙龙登记到会的人次 ÷ 本单位在岗人数。"),
    ("ontime", "按期办结率", "computed", "on_time_rate", "higher", 6, "none", False, "none",
     "%", None, None,
     "办理时限落在考核期内、交办给本单位的问题中，在时限当天或之前报结的件数 ÷ 件数 × 100%。"
     "没有到期问题时为“无数据”，不计分。"),
    ("reopen", "重办率", "computed", "reopen_rate", "lower", 4, "none", False, "none", "%",
     None, None,
     "考核期内办结的本单位问题中，曾被退回重办或反弹重办的件数 ÷ 件数 × 100%；越低越好。"),
    ("satisfaction", "问题办理满意率", "computed", "satisfaction_rate", "higher", 4, "none",
     False, "none", "%", None, None,
     "考核期内办结的本单位问题，提出人确认与督办回访两项评价中“满意”“基本满意”的份数"
     " ÷ 评价份数 × 100%。"),
    ("exemplary", "典型经验", "computed", "exemplary", "higher", 3, "none", False, "sum", "篇",
     None, None, "考核期内本单位被评为典型经验的稿件篇数。"),
    ("lectures", "举办讲坛", "computed", "lectures", "higher", 2, "none", False, "sum", "次",
     None, None, "考核期内本单位举办的民警讲坛、周末学校、专家讲座、以案说法次数。"),
    ("suggestions", "采纳群众建议", "computed", "suggestions_taken", "higher", 1, "none", False,
     "sum", "条", None, None, "考核期内分派给本单位、被采纳为问题或并入问题的群众建议条数。"),
]


def install_defaults() -> int:
    """Add the default indicators that are not there yet (by code); returns how many."""
    existing = set(db.session.scalars(db.select(Indicator.code)))
    added = 0
    for position, row in enumerate(DEFAULTS, 1):
        (code, name, source, metric, direction, weight, normalisation, complexity, rollup,
         unit, low, high, definition) = row
        if code in existing:
            continue
        db.session.add(Indicator(
            code=code, name=name, source=source, metric=metric, direction=direction,
            weight=weight, normalisation=normalisation, applies_complexity=complexity,
            rollup=rollup, value_unit=unit, min_value=low, max_value=high,
            definition=definition, active=True, position=position))
        added += 1
    db.session.flush()
    return added
