"""Salon forms: create/edit, agenda, minutes (every message in Chinese)."""
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..textnorm import SaneDate
from .services import PLACE_MAX, TOPIC_MAX


class SalonForm(FlaskForm):
    month = StringField("月份", validators=[DataRequired("请填写月份，如 2026-11。")],
                        render_kw={"placeholder": "2026-11", "inputmode": "numeric"})
    topic = StringField("主题", validators=[
        DataRequired("请填写沙龙主题。"),
        Length(max=TOPIC_MAX, message=f"主题不能超过 {TOPIC_MAX} 个字。"),
    ])
    description = TextAreaField("说明与征稿启事", validators=[Optional()])
    starts_at = DateTimeLocalField(
        "时间", validators=[Optional(), SaneDate("时间")],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        invalid_value_message="时间格式不正确，请按“2026-11-20 14:30”填写。",
    )
    place = StringField("地点", validators=[
        Optional(), Length(max=PLACE_MAX, message=f"地点不能超过 {PLACE_MAX} 个字。"),
    ])
    signup_deadline = DateField("报名截止", validators=[Optional()],
                                invalid_value_message="日期格式不正确，请按“2026-11-15”填写。")
    call_deadline = DateField("征稿截止", validators=[Optional()],
                              invalid_value_message="日期格式不正确，请按“2026-11-15”填写。")
    # The problems behind an adopted 选题建议 (ids, comma-separated), linked on save.
    topic_problems = HiddenField(validators=[
        Optional(), Length(max=2000, message="关联的问题过多。")])

    def topic_problem_ids(self) -> list[int]:
        """The adopted problems' ids; anything that is not a small whole number is ignored."""
        parts = (self.topic_problems.data or "").split(",")
        return [int(p) for p in parts if p.isascii() and p.isdigit() and len(p) <= 9]


class AgendaForm(FlaskForm):
    agenda = TextAreaField("议程（每行一项：题目 | 主讲人）", validators=[Optional()])


class MinutesForm(FlaskForm):
    minutes = TextAreaField("纪要", validators=[Optional()])
