"""Sign-in, password, token and administration forms (errors in Chinese)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from .models import ROLES, UNIT_KINDS
from .passwords import MIN_PASSWORD_LENGTH
from .services import all_units

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    """Select options from a {value: 中文} table."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])
    remember = BooleanField("记住我")


def _new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired("请输入密码。"),
        Length(min=MIN_PASSWORD_LENGTH, message=f"密码至少 {MIN_PASSWORD_LENGTH} 位。"),
    ])


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    new = PasswordField(
        "新密码",
        validators=[
            DataRequired("请输入新密码。"),
            Length(min=MIN_PASSWORD_LENGTH, message=f"新密码至少 {MIN_PASSWORD_LENGTH} 位。"),
        ],
    )
    confirm = PasswordField(
        "确认新密码", validators=[EqualTo("new", "两次输入的新密码不一致。")]
    )


class SettingsForm(FlaskForm):
    email = StringField("电子邮箱（可选）", validators=[
        Optional(), Length(max=120, message="电子邮箱最多 120 位。")],
        description="配置了邮件服务器时，未读消息每天汇总发到这里。")


class TokenForm(FlaskForm):
    label = StringField("备注", validators=[
        DataRequired("请填写令牌备注（例如用途）。"), Length(max=64, message="备注最多 64 字。")])


class _UserFields(FlaskForm):
    """Fields an admin sets on create and on edit."""

    name = StringField("姓名", validators=[
        DataRequired("请输入姓名。"), Length(max=64, message="姓名最多 64 字。")])
    police_no = StringField("警号", validators=[
        Optional(), Length(max=32, message="警号最多 32 位。"),
        Regexp(r"^[0-9A-Za-z-]+$", message="警号只能包含数字、字母和连字符。")])
    unit = SelectField("单位", coerce=int, invalid_choice_message="请选择单位。",
                       invalid_value_message="请选择单位。")
    role = SelectField("角色", choices=choices(ROLES), invalid_choice_message="请选择角色。")
    unit_head = BooleanField("本单位负责人（所长/负责人）")
    email = StringField("电子邮箱（可选，接收消息摘要）", validators=[
        Optional(), Length(max=120, message="电子邮箱最多 120 位。")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(u.id, u.name) for u in all_units()]


class UserCreateForm(_UserFields):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名。"), Length(max=64, message="用户名最多 64 位。"),
        Regexp(USERNAME_PATTERN, message="用户名只能包含字母、数字、下划线、点和连字符。")])
    password = _new_password("初始密码")


class UserEditForm(_UserFields):
    active = BooleanField("启用（可以登录）")


class PasswordResetForm(FlaskForm):
    password = _new_password("新密码")
    confirm = PasswordField("确认新密码",
                            validators=[EqualTo("password", "两次输入的密码不一致。")])


class UnitForm(FlaskForm):
    name = StringField("单位名称", validators=[
        DataRequired("请输入单位名称。"), Length(max=80, message="单位名称最多 80 字。")])
    kind = SelectField("类别", choices=choices(UNIT_KINDS),
                       invalid_choice_message="请选择单位类别。")
