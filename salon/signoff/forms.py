"""The one form behind the 送审 / 签发 / 退回 buttons."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from .services import COMMENT_MAX


class SignOffForm(FlaskForm):
    """A comment (required to 退回) and where to go back to."""

    comment = TextAreaField("意见", validators=[Length(max=COMMENT_MAX,
                                                      message=f"意见不能超过 {COMMENT_MAX} 字。")])
    next = HiddenField()
