"""Sign in, sign out, change password, personal API tokens."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from . import throttle
from .auth import end_session, keep_own_session, start_session
from .forms import LoginForm, PasswordForm, SettingsForm, TokenForm
from .models import ApiToken
from .passwords import PASSWORD_POLICY, password_problem
from .services import (
    AccountError,
    change_own_password,
    check_credentials,
    issue_token,
    record_login,
    revoke_token,
    update_own_settings,
    user_tokens,
)

bp = Blueprint("accounts", __name__)

FAILURE_MESSAGES = {"inactive": "该账号已停用，请联系管理员。"}


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        if not urlsplit(target).netloc:
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password; every checked attempt is audited, and a burst of
    failures from one place waits longer and longer (throttle.py)."""
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        wait = throttle.wait_seconds(form.username.data, address)
        if wait:
            form.password.errors.append(throttle.MESSAGE.format(seconds=wait))
            return render_template("accounts/login.html", form=form), 429, {
                "Retry-After": str(wait)}
        user, reason = check_credentials(form.username.data, form.password.data)
        if reason == "ok":
            throttle.record_success(form.username.data, address)
            record_login(form.username.data, user, reason, address, request.user_agent.string)
            start_session(user, remember=form.remember.data)
            flash(f"欢迎，{user.name}。", "success")
            return redirect(safe_next(request.args.get("next")))
        waits = throttle.record_failure(form.username.data, address)
        record_login(form.username.data, user, reason, address, request.user_agent.string)
        if waits:  # one audit row per burst, when the wait begins
            record_login(form.username.data, user, "throttled", address,
                         request.user_agent.string)
        # Only someone who knew the password learns that the account is deactivated.
        known = reason == "inactive" and user is not None and user.password_hash
        form.password.errors.append(FAILURE_MESSAGES[reason] if known else "用户名或密码错误。")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out, on the server too (a copy of the cookies no longer works)."""
    end_session()
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
        problem = password_problem(form.new.data, current_user.username,
                                   current_user.police_no, current_user.check_password)
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
