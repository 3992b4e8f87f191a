"""考核 forms: plain fields, the rules are the services' (each error lands on its field)."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from ..accounts.models import Unit, User
from ..extensions import db
from .indicators import IndicatorInput
from .models import DIRECTIONS, METRICS, NORMALISATIONS, ROLLUPS, SOURCES
from .units import ASSESSED_KINDS


def _pairs(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(mapping: dict, blank: str | None = None) -> list[SelectChoice]:
    return _pairs(([("", blank)] if blank else []) + list(mapping.items()))


class FigureForm(FlaskForm):
    unit_id = SelectField("单位", choices=[], validate_choice=False)
    indicator_id = SelectField("指标", choices=[], validate_choice=False)
    value = StringField("数值")
    evidence = TextAreaField("数据依据")

    def fill_choices(self, indicators) -> None:
        units = db.session.scalars(db.select(Unit).where(Unit.kind.in_(ASSESSED_KINDS))
                                   .order_by(Unit.kind.desc(), Unit.name)).all()
        self.unit_id.choices = _pairs([("", "请选择")] + [(str(u.id), u.name) for u in units])
        self.indicator_id.choices = _pairs([("", "请选择")] + [
            (str(i.id), f"{i.name}（{i.range_label or i.value_unit}）")
            for i in indicators if i.source == "entered"])


class IndicatorForm(FlaskForm):
    code = StringField("代码")
    name = StringField("名称")
    definition = TextAreaField("计算口径")
    source = SelectField("数据来源", choices=_choices(SOURCES), validate_choice=False)
    metric = SelectField("平台计算项目", choices=_choices(METRICS, "（填报类不选）"),
                         validate_choice=False)
    direction = SelectField("方向", choices=_choices(DIRECTIONS), validate_choice=False)
    weight = StringField("权重")
    normalisation = SelectField("折算方式", choices=_choices(NORMALISATIONS),
                                validate_choice=False)
    applies_complexity = BooleanField("按治安复杂程度系数调整")
    rollup = SelectField("警务室汇总", choices=_choices(ROLLUPS), validate_choice=False)
    value_unit = StringField("计量单位")
    min_value = StringField("填报下限")
    max_value = StringField("填报上限")
    active = BooleanField("启用", default=True)

    def input(self) -> IndicatorInput:
        return IndicatorInput(
            code=self.code.data or "", name=self.name.data or "",
            definition=self.definition.data or "", source=self.source.data or "",
            metric=self.metric.data or None, direction=self.direction.data or "",
            weight=self.weight.data, normalisation=self.normalisation.data or "",
            applies_complexity=self.applies_complexity.data, rollup=self.rollup.data or "",
            value_unit=self.value_unit.data or "", min_value=self.min_value.data,
            max_value=self.max_value.data, active=self.active.data)

    def fill(self, indicator) -> None:
        for name in ("code", "name", "definition", "source", "direction", "normalisation",
                     "applies_complexity", "rollup", "value_unit", "active"):
            getattr(self, name).data = getattr(indicator, name)
        self.metric.data = indicator.metric or ""
        self.weight.data = f"{indicator.weight:g}"
        self.min_value.data = "" if indicator.min_value is None else f"{indicator.min_value:g}"
        self.max_value.data = "" if indicator.max_value is None else f"{indicator.max_value:g}"


class BrandForm(FlaskForm):
    name = StringField("品牌名称")
    slogan = StringField("口号")
    method = TextAreaField("工作法（可分段、列小标题，可插入照片）")


class ProfileForm(FlaskForm):
    population = StringField("辖区人口")
    complexity = StringField("治安复杂程度系数（0.5–2.0）")
    parent_id = SelectField("所属派出所（警务室填写）", choices=[], validate_choice=False)
    leader_ids = SelectMultipleField("联系领导（挂点）", choices=[], validate_choice=False)

    def fill_choices(self) -> None:
        stations = db.session.scalars(db.select(Unit).filter_by(kind="station")
                                      .order_by(Unit.name)).all()
        self.parent_id.choices = _pairs([("", "（无）")] + [(str(u.id), u.name) for u in stations])
        leaders = db.session.scalars(db.select(User).where(
            User.role == "leader", User.active.is_(True)).order_by(User.id)).all()
        self.leader_ids.choices = _pairs([(str(u.id), u.name) for u in leaders])
