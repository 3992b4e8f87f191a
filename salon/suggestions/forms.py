"""Forms of 群众建议: register, the public form, the desk's triage. Rules live in services."""
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..errors import InvalidInput
from ..textnorm import ascii_int
from .models import CHANNELS, OFFICER_CHANNELS, VERDICTS
from .services import SuggestionInput, stations

TRIAGE_ACTIONS = ("adopt", "merge", "reply", "decline", "verdict")

def _pairs(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]



def _unit_choices(blank: str) -> list[tuple[str, str]]:
    return _pairs([("", blank)] + [(str(u.id), u.name) for u in stations()])


def _unit_id(value: str | None) -> int | None:
    """The chosen unit's id; a forged value (10**25, ², -3) is the field's error, not a 500."""
    if not (value or "").strip():
        return None
    number = ascii_int(value.strip(), low=1)
    if number is None:
        raise InvalidInput("所选单位不存在。", field="unit_id")
    return number


class SuggestionFields:
    """The fields every way in shares (the text, the place, the contact, the unit)."""

    def input(self, channel: str) -> SuggestionInput:
        received = self.received_on.data if hasattr(self, "received_on") else None
        return SuggestionInput(
            text=self.text.data or "", place=self.place.data or "",
            contact=self.contact.data or "", unit_id=_unit_id(self.unit_id.data),
            channel=channel, received_on=received)


class RegisterForm(FlaskForm, SuggestionFields):
    """An officer registers what a citizen said (走访, 座谈会, 电话, 短信, 登记表)."""

    channel = SelectField("收集渠道", choices=_pairs([(c, CHANNELS[c]) for c in OFFICER_CHANNELS]))
    received_on = DateField("收集日期", validators=[Optional()])
    text = TextAreaField("群众的建议（原话或要点）")
    place = StringField("涉及地点")
    unit_id = SelectField("涉及单位（辖区）", choices=[], validate_choice=False)
    contact = StringField("群众联系方式（选填，仅督办可见）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = _unit_choices("（不确定）")


class PublicForm(FlaskForm, SuggestionFields):
    """The public app's form; `website` is a honeypot a person never sees or fills."""

    text = TextAreaField("您的意见或建议")
    place = StringField("涉及地点（选填）")
    unit_id = SelectField("涉及哪个派出所（选填）", choices=[], validate_choice=False)
    contact = StringField("联系方式（选填，仅公安机关督办人员可见）")
    website = StringField("网址（请勿填写）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = _unit_choices("不确定")


class TriageForm(FlaskForm):
    """One form behind the desk's buttons; which field matters depends on the action."""

    action = HiddenField()
    title = StringField("问题标题")
    problem_id = StringField("并入的问题编号")
    text = TextAreaField("答复内容")
    reason = TextAreaField("不予采纳的理由")
    verdict = SelectField("回访评价", choices=_pairs([("", "请选择")] + list(VERDICTS.items())),
                          validate_choice=False)
    note = TextAreaField("群众意见")


class LookupForm(FlaskForm):
    """The public app: a query code, and at the end the citizen's verdict."""

    code = StringField("查询码")
    verdict = SelectField("您的评价", choices=_pairs([("", "请选择")] + list(VERDICTS.items())),
                          validate_choice=False)
    note = TextAreaField("还有什么想说的（选填）")
