"""用户管理 and 单位管理 for admins, and the sign-in log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..paging import paginate, paging_from
from ..textnorm import ascii_int
from .auth import keep_own_session, role_required
from .forms import PasswordResetForm, UnitForm, UserCreateForm, UserEditForm
from .models import ROLES, UNIT_KINDS, Unit, User
from .passwords import PASSWORD_POLICY
from .services import (
    AccountError,
    all_units,
    create_user,
    head_names,
    recent_logins,
    reset_user_password,
    save_unit,
    set_active,
    units_with_counts,
    update_user,
    user_query,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def require_admin():
    """Every page here is for admins only."""


def get_or_404(model, ident: int):
    return db.session.get(model, ident) or abort(404)


def apply_or_show(form: FlaskForm, change) -> bool:
    """Run a service call; on a rule error put the message on its field and roll back."""
    try:
        change()
        db.session.commit()
        return True
    except AccountError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        (field.errors if field is not None else form.form_errors).append(str(error))
        return False


# --- users -----------------------------------------------------------------------------------

@bp.route("/users")
def users():
    """用户管理: filter by text, unit, role and state; paginated."""
    args = request.args
    query = user_query(args.get("q", ""), ascii_int(args.get("unit")), args.get("role", ""),
                       args.get("active", ""))
    page = paginate(query, paging_from(default=current_app.config["USERS_PER_PAGE"]))
    return render_template("accounts/admin/users.html", page=page, units=all_units(),
                           roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
def create():
    """Create a user with an initial password."""
    form = UserCreateForm()
    if form.validate_on_submit():
        unit = get_or_404(Unit, form.unit.data)
        if apply_or_show(form, lambda: create_user(
                form.username.data, form.name.data, unit.name, form.role.data,
                password=form.password.data, police_no=form.police_no.data,
                unit_head=form.unit_head.data, email=form.email.data)):
            flash(f"已创建用户 {form.username.data}。", "success")
            return redirect(url_for("admin.users"))
    return render_template("accounts/admin/user_form.html", form=form, user=None,
                           policy=PASSWORD_POLICY)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    """Edit name, police number, unit, role and state (a new role ends the user's sessions)."""
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=user, unit=user.unit_id)
    if form.validate_on_submit():
        unit = get_or_404(Unit, form.unit.data)
        role_before = user.role
        if apply_or_show(form, lambda: update_user(
                user, current_user, name=form.name.data, police_no=form.police_no.data,
                unit=unit, role=form.role.data, active=form.active.data,
                unit_head=form.unit_head.data, email=form.email.data or "")):
            keep_own_session(user)
            ended = user.role != role_before and user.id != current_user.id
            flash(f"已保存用户 {user.username}" + ("，其已登录的会话均已退出。" if ended else "。"),
                  "success")
            return redirect(url_for("admin.users"))
    return render_template("accounts/admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    """Stop a user from signing in (sessions and API tokens stop working too)."""
    return _set_active(get_or_404(User, user_id), False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    """Let a deactivated user sign in again."""
    return _set_active(get_or_404(User, user_id), True)


def _set_active(user: User, active: bool):
    """CSRFProtect has already checked the token of this POST."""
    try:
        set_active(user, current_user, active)
        db.session.commit()
        flash(f"已{'启用' if active else '停用'}用户 {user.username}。", "success")
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("admin.users"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    """Set a new password for a user (who should change it after signing in); the user's
    open sessions end and API tokens are revoked."""
    user = get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        if apply_or_show(form, lambda: reset_user_password(user, form.password.data, current_user)):
            keep_own_session(user)
            flash(f"已重置用户 {user.username} 的密码，其已登录的会话均已退出，API 令牌均已吊销。",
                  "success")
            return redirect(url_for("admin.users"))
    return render_template("accounts/admin/password.html", form=form, user=user,
                           policy=PASSWORD_POLICY)


# --- units -----------------------------------------------------------------------------------

@bp.route("/units")
def units():
    """单位管理: every unit with its number of users."""
    return render_template("accounts/admin/units.html", rows=units_with_counts(),
                           kinds=UNIT_KINDS, heads=head_names())


@bp.route("/units/new", methods=["GET", "POST"])
def create_unit():
    """Create a unit."""
    form = UnitForm()
    if form.validate_on_submit():
        if apply_or_show(form, lambda: save_unit(None, form.name.data, form.kind.data)):
            flash(f"已创建单位 {form.name.data.strip()}。", "success")
            return redirect(url_for("admin.units"))
    return render_template("accounts/admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    """Rename a unit or change its kind."""
    unit = get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        if apply_or_show(form, lambda: save_unit(unit, form.name.data, form.kind.data)):
            flash(f"已保存单位 {unit.name}。", "success")
            return redirect(url_for("admin.units"))
    return render_template("accounts/admin/unit_form.html", form=form, unit=unit)


# --- sign-in log -----------------------------------------------------------------------------

@bp.route("/logins")
def logins():
    """登录日志: recent sign-in attempts, newest first."""
    failed = request.args.get("failed") == "1"
    page = paginate(recent_logins(failed), paging_from(default=50))
    return render_template("accounts/admin/logins.html", page=page, failed=failed)
