"""The editor's form on the bulletin page."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ..textnorm import SaneDate


class SettingsForm(FlaskForm):
    editor_note = TextAreaField(
        "编者按", validators=[Length(max=5000, message="编者按不超过 5000 字。")])
    signed_on = DateField("签发日期", validators=[Optional(), SaneDate("签发日期")],
                          render_kw={"type": "date"})
    total_number = IntegerField("总期号（总第N期，可不填）", validators=[
        Optional(), NumberRange(min=1, max=9999, message="总期号应为 1 到 9999 的整数。")])
    print_count = IntegerField("印数", validators=[
        Optional(), NumberRange(min=1, max=100000, message="印数应为 1 到 100000 的整数。")])

    class Meta:
        locales = ["zh_CN"]
