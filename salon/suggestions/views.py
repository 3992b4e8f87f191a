"""群众建议 pages: officers register what they collected; the desk's queue and triage."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import DomainError, InvalidInput, NotAllowed
from ..extensions import db
from ..textnorm import ascii_int
from . import services
from .forms import RegisterForm, TriageForm
from .models import CHANNELS, STATUSES, VERDICTS, Suggestion
from .queries import queue_query, similar_problems_for

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")


def _writer_only() -> None:
    if not services.may_register(current_user):
        raise NotAllowed("管理员负责用户与单位，不处理群众建议。")


@bp.route("/")
@login_required
def index():
    """群众建议: the desk's queue (待处理 first); an officer's own registrations."""
    _writer_only()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    channel = request.args.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    query = queue_query(current_user, status, channel)
    page = db.paginate(query, per_page=30, error_out=False)
    return render_template("suggestions/index.html", page=page, status=status, channel=channel,
                           statuses=STATUSES, channels=CHANNELS,
                           desk=services.is_desk(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """登记群众建议: what a citizen said at a 走访, 座谈会, on the phone or by 短信."""
    _writer_only()
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            suggestion = services.register(current_user, form.input(form.channel.data))
        except DomainError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(f"已登记。请把查询码 {suggestion.display_code} 告诉群众，凭它查询办理进展。",
                  "success")
            return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    elif form.errors:
        _show_error(form, None)
    return render_template("suggestions/new.html", form=form)


def _show_error(form, error: DomainError | None) -> None:
    """Put the service's message beside its field (or on top); the input stays in the form."""
    if error is None:
        if form.errors.get("csrf_token"):
            flash("页面已过期，请刷新后重新提交。", "danger")
        elif form.errors.get("received_on"):
            form.received_on.errors = ["收集日期的格式不正确。"]
        return
    field = getattr(form, error.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) \
            else [error.message]
    else:
        flash(error.message, "danger")


@bp.route("/<int:suggestion_id>")
@login_required
def detail(suggestion_id: int):
    """One suggestion: the text, its way in, the triage and the replies; the desk's buttons."""
    suggestion = services.get_or_404(suggestion_id, current_user)
    desk = services.is_desk(current_user)
    similar = similar_problems_for(suggestion) if desk and suggestion.status == "new" else []
    return render_template("suggestions/detail.html", s=suggestion, desk=desk, similar=similar,
                           form=TriageForm(), verdicts=VERDICTS,
                           finished=services.is_finished(suggestion))


@bp.route("/<int:suggestion_id>/triage", methods=["POST"])
@login_required
def triage(suggestion_id: int):
    """The desk's step: 采纳为问题, 合并到已有问题, 答复, 不予采纳, or the verdict at 回访."""
    suggestion = services.get_or_404(suggestion_id, current_user)
    if not services.is_desk(current_user):
        raise NotAllowed("只有督办（组织者）可以处理群众建议。")
    form = TriageForm()
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后重新提交。", "danger")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    action = form.action.data
    try:
        message = _apply(action, suggestion, form)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))


def _apply(action: str, suggestion: Suggestion, form: TriageForm) -> str:
    if action == "adopt":
        problem = services.adopt(suggestion, current_user, form.title.data)
        return f"已采纳为问题（编号 {problem.id}），请在问题页受理、交办。"
    if action == "merge":
        raw = (form.problem_id.data or "").strip().lstrip("#＃")
        problem = services.merge(suggestion, current_user, ascii_int(raw, low=1))
        return f"已并入问题 {problem.id}：{problem.post.title}。"
    if action == "reply":
        services.reply(suggestion, current_user, form.text.data)
        return "已答复，群众凭查询码可见。"
    if action == "decline":
        services.decline(suggestion, current_user, form.reason.data)
        return "已不予采纳，理由群众凭查询码可见。"
    if action == "verdict":
        services.give_verdict(suggestion, form.verdict.data, form.note.data, desk=current_user)
        return "已记录回访评价。"
    raise InvalidInput("未知操作。")
