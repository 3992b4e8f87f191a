"""消息中心: the signed-in user's notifications, marked read one by one or all at once."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import Missing
from ..extensions import db
from ..paging import paging_from
from .models import Notification
from .services import mark_read, messages_of, unread_count

bp = Blueprint("notifications", __name__, url_prefix="/messages")


@bp.before_request
@login_required
def require_login():
    """Everyone signed in has a message centre of their own."""


@bp.get("/")
def index():
    """消息中心: unread first, newest first, paginated."""
    paging = paging_from(default=current_app.config["NOTIFICATIONS_PER_PAGE"])
    unread_only = request.args.get("unread") == "1"
    page = messages_of(current_user, paging.page, paging.limit, unread_only)
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           unread=unread_count(current_user))


@bp.post("/read")
def read():
    """Mark the chosen notifications (or all) read."""
    if request.form.get("all"):
        count = mark_read(current_user, "all")
    else:
        ids = [int(v) for v in request.form.getlist("id") if v.isdigit() and len(v) < 10]
        count = mark_read(current_user, ids)
    db.session.commit()
    flash(f"已将 {count} 条消息标为已读。" if count else "没有需要标为已读的消息。", "success")
    return redirect(url_for("notifications.index", page=request.form.get("page", type=int),
                            unread=request.form.get("unread") or None))


@bp.get("/<int:notification_id>/go")
def follow(notification_id: int):
    """Follow a notification's link, marking it read on the way (only one's own)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        raise Missing("这条消息不存在。")
    mark_read(current_user, [notification.id])
    db.session.commit()
    return redirect(safe_link(notification.link) or url_for("notifications.index"))


def safe_link(link: str | None) -> str | None:
    """Only a site-relative path is followed (a stored link never leads off the site)."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None
