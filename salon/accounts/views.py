"""Sign in, sign out, change password."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from .forms import LoginForm, PasswordForm
from .services import authenticate, password_problem

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        if not urlsplit(target).netloc:
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user:
            login_user(user, remember=form.remember.data)
            flash(f"欢迎，{user.name}。", "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("用户名或密码错误。")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("accounts.login"))


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
            current_user.set_password(form.new.data)
            db.session.commit()
            flash("密码已修改。", "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/password.html", form=form)
