"""Salon pages: list, one page per salon, organizer editing, sign-up and attendance."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..errors import DomainError
from ..extensions import db
from ..paging import Paging, paging_from
from ..textnorm import ascii_int
from . import rhythm, services, topics
from .forms import AgendaForm, MinutesForm, SalonForm
from .models import NEXT_STATUS, STATUSES, Salon
from .services import SalonError

bp = Blueprint("salons", __name__, url_prefix="/salons")

# The page offers these steps; `published` follows the bulletin being published.
PAGE_STEPS = {"planning": "open", "open": "held"}


def get_salon_or_404(month: str) -> Salon:
    """The salon of that month with its agenda and sign-ups, else 404."""
    return services.salon_of_month(month, details=True)


def refuse_published(salon: Salon):
    """A published salon is part of the record: back to its page with the reason."""
    flash(f"{salon.label}已出刊，沙龙信息和议程不能再修改。", "warning")
    return redirect(url_for(".detail", month=salon.month))


def fail(error: SalonError):
    """Undo the request's changes and show the rule that was broken."""
    db.session.rollback()
    flash(str(error), "danger")


@bp.route("/")
@login_required
def index():
    """沙龙 list: issue, month, topic, status, posts and sign-ups."""
    return render_template("salons/index.html", rows=services.salon_rows())


@bp.route("/new", methods=["GET", "POST"])
@role_required("organizer")
def create():
    """Organizers create a salon; it gets the next issue number."""
    form = SalonForm(data={"month": services.suggested_month()})
    if form.validate_on_submit():
        try:
            salon = services.create_salon(**salon_fields(form))
            db.session.flush()
            topics.link_problems(salon.id, form.topic_problem_ids())
            db.session.commit()
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"已创建{salon.label}。", "success")
            return redirect(url_for(".detail", month=salon.month))
    return render_form(form, None, next_number=services.next_issue_number())


@bp.route("/<month>/edit", methods=["GET", "POST"])
@role_required("organizer")
def edit(month: str):
    """Organizers change topic, description, time and place (and the month)."""
    salon = get_salon_or_404(month)
    if salon.status not in services.EDITABLE_STATUSES:
        return refuse_published(salon)
    form = SalonForm(obj=salon)
    if form.validate_on_submit():
        try:
            services.update_salon(salon, **salon_fields(form))
            topics.link_problems(salon.id, form.topic_problem_ids())
            db.session.commit()
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash("沙龙信息已保存。", "success")
            return redirect(url_for(".detail", month=salon.month))
    return render_form(form, salon)


def render_form(form: SalonForm, salon: Salon | None, **extra):
    """The salon form beside the 选题建议 panel."""
    suggestions = topics.suggest_topics()
    adopt_suggestion(form, suggestions)
    return render_template("salons/form.html", form=form, salon=salon, suggestions=suggestions,
                           months=topics.DEFAULT_MONTHS, **extra)


def adopt_suggestion(form: SalonForm, suggestions: list) -> None:
    """`?adopt=N` (a GET from the suggestions panel): the form opens with that topic filled
    in and its problems carried to the save, so the organizer can still edit the wording."""
    choice = request.args.get("adopt", "")
    if request.method != "GET" or not (choice.isascii() and choice.isdigit()):
        return
    index = int(choice[:3]) - 1
    if 0 <= index < len(suggestions):
        form.topic.data = suggestions[index].topic
        form.topic_problems.data = ",".join(str(p.id) for p in suggestions[index].problems)


def show_on_form(form: SalonForm, error: DomainError) -> None:
    """Undo the changes and show the error under its field (or above the form)."""
    db.session.rollback()
    field = getattr(form, error.field or "", None)
    if field is None:
        flash(str(error), "danger")
    else:
        field.errors.append(str(error))


def salon_fields(form: SalonForm) -> dict:
    """The service's keyword arguments from a valid form."""
    return {"month": form.month.data, "topic": form.topic.data,
            "description": form.description.data or "", "starts_at": form.starts_at.data,
            "place": form.place.data or "", "signup_deadline": form.signup_deadline.data,
            "call_deadline": form.call_deadline.data}


@bp.route("/<month>")
@login_required
def detail(month: str):
    """One salon: topic, description, agenda, posts by kind, sign-ups, minutes."""
    salon = get_salon_or_404(month)
    return render_template(
        "salons/detail.html",
        salon=salon,
        groups=services.posts_by_kind(salon, paging_of),
        topic_problems=topics.topic_problems(salon.id),
        **rhythm.page_context(salon, current_user, current_user.has_role("organizer")),
        attendees=services.attendees(salon),
        my_signup=services.signup_of(salon, current_user),
        can_sign_up=salon.status in services.SIGNUP_STATUSES
        and current_user.has_role(*services.SIGNUP_ROLES),
        is_organizer=current_user.has_role("organizer"),
        next_step=PAGE_STEPS.get(salon.status),
        statuses=STATUSES,
    )


def paging_of(kind: str) -> Paging:
    """The page asked for (`?kind=…&page=…`) of that kind; the first page of the other."""
    asked = paging_from(default=current_app.config["POSTS_PER_PAGE"])
    return asked if request.args.get("kind") == kind else Paging(1, asked.limit)


@bp.route("/<month>/status", methods=["POST"])
@role_required("organizer")
def advance(month: str):
    """Move the salon one step: planning → open → held (出刊 comes with the bulletin)."""
    salon = get_salon_or_404(month)
    target = request.form.get("to", "")
    try:
        if target == "published" and NEXT_STATUS.get(salon.status) == "published":
            raise SalonError("“已出刊”在本期专刊发布时自动设置，不能在此手动变更。")
        services.advance_status(salon, target)
        db.session.commit()
    except SalonError as error:
        fail(error)
    else:
        flash(f"{salon.label}已进入“{salon.status_label}”。", "success")
    return redirect(url_for(".detail", month=salon.month))


@bp.route("/<month>/agenda", methods=["GET", "POST"])
@role_required("organizer")
def agenda(month: str):
    """Organizers edit the agenda, one item a line: 题目 | 主讲人."""
    salon = get_salon_or_404(month)
    if salon.status not in services.AGENDA_EDITABLE_STATUSES:
        return refuse_published(salon)
    form = AgendaForm(data={"agenda": services.agenda_text(salon)})
    if form.validate_on_submit():
        try:
            services.set_agenda(salon, form.agenda.data or "")
            db.session.commit()
        except SalonError as error:
            db.session.rollback()
            form.agenda.errors.append(str(error))
        else:
            flash("议程已保存。", "success")
            return redirect(url_for(".detail", month=salon.month))
    return render_template("salons/agenda.html", form=form, salon=salon)


@bp.route("/<month>/minutes", methods=["GET", "POST"])
@role_required("organizer")
def minutes(month: str):
    """Organizers write the minutes (纪要) once the salon has been held."""
    salon = get_salon_or_404(month)
    form = MinutesForm(data={"minutes": salon.minutes})
    if salon.status not in services.MINUTES_STATUSES:
        flash("沙龙召开后才能撰写纪要。", "warning")
        return redirect(url_for(".detail", month=salon.month))
    if form.validate_on_submit():
        try:
            services.save_minutes(salon, form.minutes.data or "")
            db.session.commit()
        except SalonError as error:
            show_on_form(form, error)
        else:
            flash("纪要已保存。", "success")
            return redirect(url_for(".detail", month=salon.month, _anchor="minutes"))
    return render_template("salons/minutes.html", form=form, salon=salon)


def apply_to_salon(salon: Salon, change, message: str, category: str):
    """Run one rule-checked change, commit it and say so; a refused change says why."""
    try:
        change()
        db.session.commit()
    except SalonError as error:
        fail(error)
    else:
        flash(message, category)
    return redirect(url_for(".detail", month=salon.month))


@bp.route("/<month>/signup", methods=["POST"])
@role_required(*services.SIGNUP_ROLES)
def sign_up(month: str):
    """报名."""
    salon = get_salon_or_404(month)
    return apply_to_salon(salon, lambda: services.sign_up(salon, current_user),
                          f"已报名{salon.label}。", "success")


@bp.route("/<month>/cancel", methods=["POST"])
@role_required(*services.SIGNUP_ROLES)
def cancel(month: str):
    """取消报名."""
    salon = get_salon_or_404(month)
    return apply_to_salon(salon, lambda: services.cancel_signup(salon, current_user),
                          "已取消报名。", "info")


@bp.route("/<month>/attendance", methods=["POST"])
@role_required("organizer")
def attendance(month: str):
    """Organizers tick who came."""
    salon = get_salon_or_404(month)
    raw = request.form.getlist("attended")
    ids = [ascii_int(value) for value in raw]
    if None in ids:
        abort(400, "出席名单格式不正确，请刷新后重试。")
    try:
        count = services.mark_attendance(salon, set(ids))
        db.session.commit()
    except SalonError as error:
        fail(error)
    else:
        flash(f"出席情况已登记：{count} 人出席。", "success")
    return redirect(url_for(".detail", month=salon.month, _anchor="attendees"))
