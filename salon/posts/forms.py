"""Post, comment, image and Word-import forms (Chinese labels and messages)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..problems.models import SOURCES
from .models import KINDS
from .review import COMMENT_MAX as REVIEW_COMMENT_MAX
from .services import BODY_MAX, COMMENT_MAX, SARA_MAX, TITLE_MAX, PostError, PostInput, parse_tags


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def chinese_choice(label: str) -> dict:
    """WTForms' own choice errors are English; say in Chinese what to do instead."""
    message = f"请从列表中选择{label}。"
    return {"invalid_value_message": message, "invalid_choice_message": message}


class PostForm(FlaskForm):
    kind = RadioField("类型", choices=_choices(KINDS), default="experience",
                      validators=[DataRequired("请选择稿件类型。")], **chinese_choice("类型"))
    salon = SelectField("所属沙龙", coerce=int, validators=[DataRequired("请选择所属沙龙。")],
                        **chinese_choice("所属沙龙"))
    title = StringField("标题", validators=[
        DataRequired("请填写标题。"), Length(max=TITLE_MAX, message=f"标题最多 {TITLE_MAX} 字。")])
    body = TextAreaField("正文", validators=[
        Optional(), Length(max=BODY_MAX, message=f"正文最多 {BODY_MAX} 字。")])
    tags = StringField("标签", validators=[Optional(), Length(max=500, message="标签过长。")])
    source = SelectField("问题来源", choices=_choices(SOURCES), default="officer",
                         **chinese_choice("问题来源"))
    scan = TextAreaField("扫描（发现了什么问题）", validators=[
        Optional(), Length(max=SARA_MAX, message=f"最多 {SARA_MAX} 字。")])
    analysis = TextAreaField("分析（原因是什么）", validators=[
        Optional(), Length(max=SARA_MAX, message=f"最多 {SARA_MAX} 字。")])
    proposal = TextAreaField("应对建议", validators=[
        Optional(), Length(max=SARA_MAX, message=f"最多 {SARA_MAX} 字。")])
    save_draft = SubmitField("保存草稿")
    submit_post = SubmitField("提交")

    def set_salons(self, salons) -> None:
        self.salon.choices = [SelectChoice(s.id, f"{s.label} {s.topic}（{s.status_label}）")
                              for s in salons]

    def validate_tags(self, field) -> None:
        try:
            parse_tags(field.data)
        except PostError as error:
            raise ValidationError(str(error)) from None

    def to_input(self, salon) -> PostInput:
        """The form's data as the service's input."""
        return PostInput(
            kind=self.kind.data, title=self.title.data or "", body=self.body.data or "",
            salon=salon, tags=parse_tags(self.tags.data),
            problem={"source": self.source.data, "scan": self.scan.data,
                     "analysis": self.analysis.data, "proposal": self.proposal.data},
            submit=bool(self.submit_post.data),
        )

    def fill_from(self, post) -> None:
        """Show an existing post (and its problem's SARA fields) in the form."""
        self.kind.data, self.title.data, self.body.data = post.kind, post.title, post.body
        self.salon.data = post.salon_id
        self.tags.data = "、".join(t.name for t in post.tags)
        fields = post.problem_draft or {}
        problem = post.problem
        if problem is not None:
            fields = {n: getattr(problem, n) for n in ("source", "scan", "analysis", "proposal")}
        for name in ("source", "scan", "analysis", "proposal"):
            if fields.get(name):
                getattr(self, name).data = fields[name]


class CommentForm(FlaskForm):
    body = TextAreaField("发表评论", validators=[
        DataRequired("评论内容不能为空。"),
        Length(max=COMMENT_MAX, message=f"评论最多 {COMMENT_MAX} 字。")])


class ImageForm(FlaskForm):
    image = FileField("图片（JPEG、PNG、WebP）", validators=[FileRequired("请选择要上传的图片。")])
    caption = StringField("图片说明", validators=[
        Optional(), Length(max=100, message="说明最多 100 字。")])


class DocxForm(FlaskForm):
    file = FileField("Word 文档（.docx）", validators=[FileRequired("请选择要导入的 Word 文件。")])
    kind = SelectField("类型", choices=_choices(KINDS), default="experience",
                       **chinese_choice("类型"))


class FlagForm(FlaskForm):
    """Only the CSRF token: the flag to toggle is in the URL."""


class ReviewForm(FlaskForm):
    """所长审核: the comment; the decision is the button pressed (通过 / 退回修改)."""

    comment = TextAreaField("审核意见（退回时必填）", validators=[
        Optional(), Length(max=REVIEW_COMMENT_MAX,
                           message=f"审核意见最多 {REVIEW_COMMENT_MAX} 字。")])
