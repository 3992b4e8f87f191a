"""The 送审 / 签发 / 退回 buttons of any signed document (the page itself is its feature's)."""
from flask import Blueprint, flash, redirect, render_template
from flask_login import current_user, login_required

from ..accounts.views import safe_next
from ..errors import DomainError, InvalidInput
from ..extensions import db
from .forms import SignOffForm
from .kinds import kind_of
from .services import STEPS, take

bp = Blueprint("signoff", __name__, url_prefix="/signoff")


@bp.route("/<kind>/<int:subject_id>/<any(submit, sign, return):action>", methods=["POST"])
@login_required
def act(kind: str, subject_id: int, action: str):
    """Take one step: 403 for the wrong role, 409 for the wrong state or a lost race."""
    spec = kind_of(kind)
    back_to = spec.url_of(subject_id)
    form = SignOffForm()
    back = safe_next(form.next.data or back_to)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message if isinstance(message, str) else "请求已过期，请刷新页面后重试。",
                      "danger")
        return redirect(back)
    try:
        take(kind, subject_id, current_user, action, comment=form.comment.data or "")
    except DomainError as error:  # a field error back on the page; 403 / 409 (…) as a page
        db.session.rollback()
        if isinstance(error, InvalidInput):
            flash(error.message, "danger")
            return redirect(back)
        return render_template("errors/error.html", code=error.status, title=error.title,
                               message=error.message, back=back_to), error.status
    db.session.commit()
    flash(f"已{STEPS[action].done}。", "success")
    return redirect(back)
