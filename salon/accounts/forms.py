"""Sign-in and password forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])
    remember = BooleanField("记住我")


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
