"""Sign in, sign out, change password, personal API tokens."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from .auth import keep_own_session
from .forms import LoginForm, PasswordForm, SettingsForm, TokenForm
from .models import ApiToken
from .services import (
    PASSWORD_POLICY,
    AccountError,
    change_own_password,
    check_credentials,
    issue_token,
    password_problem,
    record_login,
    revoke_token,
    update_own_settings,
    user_tokens,
)
from .throttle import limit_login

bp = Blueprint("accounts", __name__)

FAILURE_MESSAGES = {"inactive": "该账号已停用，请联系管理员。"}


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        if not urlsplit(target).netloc:
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@limit_login
def login():
    """Sign in with username and password; every attempt is audited."""
    form = LoginForm()
    if form.validate_on_submit():
        user, reason = check_credentials(form.username.data, form.password.data)
        record_login(form.username.data, user, reason, request.remote_addr,
                     request.user_agent.string)
        if reason == "ok":
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user, remember=form.remember.data)
            flash(f"欢迎，{user.name}。", "success")
            return redirect(safe_next(request.args.get("next")))
        g.login_failed = True
        # Only someone who knew the password learns that the account is deactivated.
        known = reason == "inactive" and user is not None and user.password_hash
        form.password.errors.append(FAILURE_MESSAGES[reason] if known else "用户名或密码错误。")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/", methods=["GET", "POST"])
@login_required
def settings():
    """个人设置: who I am here, my e-mail for the digest, links to password and API tokens."""
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_own_settings(current_user, form.email.data)
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash("个人设置已保存。", "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form,
                           tokens=[t for t in user_tokens(current_user) if not t.revoked_at])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new.data)
        if not current_user.check_password(form.current.data):
            form.current.errors.append("当前密码不正确。")
        elif problem:
            form.new.errors.append(problem)
        else:
            revoked = change_own_password(current_user, form.new.data)
            db.session.commit()
            keep_own_session(current_user)  # the user's other sessions end with the old password
            flash("密码已修改，其他设备上的登录已退出"
                  + (f"，{revoked} 个 API 令牌已作废，请按需重新创建。" if revoked else "。"),
                  "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form, policy=PASSWORD_POLICY)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """API 令牌: list one's own tokens; a new one is shown once, in this response only."""
    form = TokenForm()
    plain = None
    if form.validate_on_submit():
        try:
            plain = issue_token(current_user, form.label.data)
        except AccountError as error:
            form.label.errors.append(str(error))
    return render_template("accounts/tokens.html", form=form, plain=plain,
                           tokens=user_tokens(current_user))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token)
    flash(f"令牌“{token.label}”已撤销。", "success")
    return redirect(url_for("accounts.tokens"))
