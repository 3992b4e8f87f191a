"""The one form behind every workflow button; which fields matter depends on the action."""
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..textnorm import Finite, SaneDate, ascii_int
from .inputs import Figure, StepInput
from .workflow import STEPS

FIGURE_ROWS = 3


class NumberField(FloatField):
    """A float field whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("成效数值须为数字。") from None


class FigureForm(Form):
    """One measured figure: 新增探头 · 16 · 组."""

    label = StringField("指标", validators=[Optional(), Length(max=100, message="指标名称过长。")])
    value = NumberField("数值", validators=[Optional(), Finite()])
    unit = StringField("单位", validators=[Optional(), Length(max=20, message="计量单位过长。")])


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired("缺少操作。"),
                                     AnyOf(list(STEPS), message="未知操作。")])
    note = TextAreaField("说明", validators=[Optional(), Length(max=5000, message="说明过长。")])
    unit = StringField("责任单位", validators=[Optional()])  # a unit id; checked by the service
    deadline = DateField("办理时限", validators=[Optional(), SaneDate("办理时限")])
    outcome = TextAreaField("办理结果", validators=[
        Optional(), Length(max=5000, message="办理结果不超过 5000 字。")])
    figures = FieldList(FormField(FigureForm), min_entries=FIGURE_ROWS, max_entries=10)
    satisfaction = StringField("满意度", validators=[Optional()])  # checked by the service
    solved = StringField("解决程度", validators=[Optional()])
    verdict = StringField("结论", validators=[Optional()])
    body = StringField("提请机关",
                       validators=[Optional(), Length(max=100, message="机关名称过长。")])
    stage = StringField("阶段", validators=[Optional()])  # an existing stage's id, or empty
    new_stage = StringField("新阶段",
                            validators=[Optional(), Length(max=200, message="阶段名称过长。")])
    stage_due = DateField("阶段时限", validators=[Optional(), SaneDate("阶段时限")])
    next = HiddenField()

    def step_input(self, unit_lookup) -> StepInput:
        """What the service needs; `unit_lookup` turns the chosen id into a Unit."""
        rows = [row.form for row in self.figures]
        figures = [Figure(row.label.data or "", row.value.data, row.unit.data or "")
                   for row in rows if (row.label.data or "").strip()]
        stage = self.stage.data or ""
        return StepInput(
            note=self.note.data or "",
            unit=unit_lookup(unit_id) if (unit_id := ascii_int(self.unit.data)) else None,
            deadline=self.deadline.data, outcome=self.outcome.data or "", figures=figures,
            satisfaction=self.satisfaction.data or None, solved=self.solved.data or None,
            verdict=self.verdict.data or None, body=self.body.data or "",
            stage=int(stage) if stage.isdigit() else (self.new_stage.data or None),
            stage_due=self.stage_due.data)

    def field_errors(self) -> dict[str, list[str]]:
        """Chinese messages by the field they belong beside (a figure row's under `figures`)."""
        found: dict[str, list[str]] = {}
        for name, errors in self.errors.items():
            if name == "figures":
                messages = [m for row in errors if row for ms in row.values() for m in ms]
            elif name in ("deadline", "stage_due"):
                messages = [f"{self[name].label.text}的日期格式不正确。"]
            else:
                messages = [str(e) for e in errors]
            found.setdefault(name, []).extend(messages)
        return found
