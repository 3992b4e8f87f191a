"""Salon pages for the month's rhythm: 现场签到, 准许迟交 and the calendar entry (.ics)."""
from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import User
from ..errors import DomainError
from ..extensions import db
from . import rhythm
from .views import bp, fail, get_salon_or_404


def chosen_user() -> User:
    """The person picked in the form (`user`), or 400."""
    raw = request.form.get("user", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        abort(400)
    user = db.session.get(User, int(raw))
    if user is None:
        abort(400)
    return user


@bp.route("/<month>/walk-in", methods=["POST"])
@role_required("organizer")
def walk_in(month: str):
    """现场签到: someone who came without signing up is recorded present."""
    salon = get_salon_or_404(month)
    user = chosen_user()
    try:
        rhythm.mark_walk_in(salon, user)
        db.session.commit()
    except DomainError as error:
        fail(error)
    else:
        flash(f"已登记{user.name}现场签到。", "success")
    return redirect(url_for(".detail", month=salon.month, _anchor="attendees"))


@bp.route("/<month>/late", methods=["POST"])
@role_required("organizer")
def late(month: str):
    """准许迟交 for one officer after the call for posts closed."""
    salon = get_salon_or_404(month)
    user = chosen_user()
    try:
        rhythm.grant_late(salon, user, current_user)
        db.session.commit()
    except DomainError as error:
        fail(error)
    else:
        flash(f"已准许{user.name}迟交稿件。", "success")
    return redirect(url_for(".detail", month=salon.month, _anchor="call"))


@bp.route("/<month>.ics")
@login_required
def calendar(month: str):
    """The meeting as a calendar entry for phones."""
    salon = get_salon_or_404(month)
    if salon.starts_at is None:
        abort(404)
    body = rhythm.calendar_entry(salon, request.host.split(":")[0] or "salon")
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="salon-{salon.month}.ics"'})
