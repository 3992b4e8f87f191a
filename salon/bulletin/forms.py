"""The editor's form on the bulletin page."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional


class SettingsForm(FlaskForm):
    """编者按 and imprint; the 签发日期 is the leader's (签发), not typed here."""

    editor_note = TextAreaField(
        "编者按", validators=[Length(max=5000, message="编者按不超过 5000 字。")])
    total_number = IntegerField("总期号（如总第12期填 12，可不填）", validators=[
        Optional(), NumberRange(min=1, max=9999, message="总期号应为 1 到 9999 的整数。")])
    print_count = IntegerField("印数", validators=[
        Optional(), NumberRange(min=1, max=100000, message="印数应为 1 到 100000 的整数。")])

    class Meta:
        locales = ["zh_CN"]
