"""讲坛 forms; the rules are the services'."""
import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..accounts.models import Unit, User
from ..errors import InvalidInput
from ..extensions import db
from ..salons.models import Salon
from ..textnorm import ascii_int
from .models import KINDS
from .services import LectureInput

_IDS = re.compile(r"[0-9]+")

def _pairs(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]



def _id(value: str | None, message: str, field: str) -> int | None:
    """A chosen record's id; a forged value (10**25, ², -3) is the field's error, not a 500."""
    if not (value or "").strip():
        return None
    number = ascii_int(value.strip(), low=1)
    if number is None:
        raise InvalidInput(message, field=field)
    return number


def _problem_ids(text: str | None) -> list[int]:
    ids = []
    for typed in _IDS.findall(text or "")[:50]:
        number = ascii_int(typed, low=1)
        if number is None:
            raise InvalidInput(f"问题编号不存在：{typed[:20]}。", field="problem_ids")
        ids.append(number)
    return ids


class LectureForm(FlaskForm):
    kind = SelectField("类型", choices=_pairs(list(KINDS.items())))
    held_on = DateField("日期", validators=[Optional()])
    unit_id = SelectField("举办单位", choices=[], validate_choice=False)
    title = StringField("题目")
    speaker_id = SelectField("主讲民警", choices=[], validate_choice=False)
    speaker_name = StringField("或外请主讲人（姓名、身份）")
    summary = TextAreaField("内容摘要")
    salon_id = SelectField("列入沙龙日程（选填）", choices=[], validate_choice=False)
    problem_ids = StringField("自查讲评涉及的问题编号（选填，多个用逗号分开）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = db.session.scalars(db.select(Unit).order_by(Unit.id)).all()
        self.unit_id.choices = _pairs([("", "请选择")] + [(str(u.id), u.name) for u in units])
        officers = db.session.scalars(
            db.select(User).where(User.active.is_(True), User.role != "admin")
            .order_by(User.unit_id, User.name)).all()
        self.speaker_id.choices = _pairs([("", "（外请主讲人）")] + [
            (str(u.id), f"{u.name}（{u.unit.name}）") for u in officers])
        salons = db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all()
        self.salon_id.choices = _pairs([("", "不列入")] + [(str(s.id), s.label) for s in salons])

    def input(self) -> LectureInput:
        return LectureInput(
            kind=self.kind.data, held_on=self.held_on.data,
            unit_id=_id(self.unit_id.data, "请选择举办单位。", "unit_id"),
            title=self.title.data or "", summary=self.summary.data or "",
            speaker_id=_id(self.speaker_id.data, "所选主讲民警不存在。", "speaker_id"),
            speaker_name=self.speaker_name.data or "",
            salon_id=_id(self.salon_id.data, "所选沙龙不存在。", "salon_id"),
            problem_ids=_problem_ids(self.problem_ids.data))

    def fill(self, lecture) -> None:
        """Show a recorded lecture in the form."""
        self.kind.data = lecture.kind
        self.held_on.data = lecture.held_on
        self.unit_id.data = str(lecture.unit_id)
        self.title.data = lecture.title
        self.summary.data = lecture.summary
        self.speaker_id.data = str(lecture.speaker_id or "")
        self.speaker_name.data = lecture.speaker_name
        self.salon_id.data = str(lecture.salon_id or "")
        self.problem_ids.data = "、".join(str(p.id) for p in lecture.problems)


class MaterialForm(FlaskForm):
    file = FileField("材料（PDF、PPTX、DOCX、XLSX）")


class SignInForm(FlaskForm):
    """签到 (the CSRF token only)."""
