"""`GET /api/me/notifications` and `POST /api/me/notifications/read`: my messages."""
from flask import jsonify, request
from flask_login import current_user

from ..api import bp
from ..errors import InvalidInput
from ..extensions import db
from ..paging import page_json, paging_from
from .services import mark_read, messages_of, unread_count

MAX_ID = 2**31 - 1


def as_json(notification) -> dict:
    return {
        "id": notification.id, "kind": notification.kind, "kind_label": notification.kind_label,
        "text": notification.text, "link": notification.link,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


@bp.get("/me/notifications")
def my_notifications():
    """My notifications, unread first: `page`, `limit` (≤ 100), `unread=1` for those only."""
    paging = paging_from(strict=True)
    unread = request.args.get("unread", "")
    if unread not in ("", "0", "1"):
        raise InvalidInput("参数 unread 只能是 1（只看未读）或 0。")
    page = messages_of(current_user, paging.page, paging.limit, unread == "1")
    return jsonify(**page_json(page), unread=unread_count(current_user),
                   results=[as_json(n) for n in page.items])


@bp.post("/me/notifications/read")
def mark_my_notifications_read():
    """Mark read: `{"ids": [1, 2]}` or `{"all": true}`; answers how many and what is left."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请求体须为 JSON 对象：{\"ids\": [消息编号…]} 或 {\"all\": true}。")
    if data.get("all") is True:
        marked = mark_read(current_user, "all")
    else:
        ids = data.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > 1000 or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
            raise InvalidInput("ids 须为消息编号（正整数）的列表，最多 1000 个；"
                               "或用 {\"all\": true} 全部标为已读。")
        marked = mark_read(current_user, ids)
    db.session.commit()
    return jsonify(marked=marked, unread=unread_count(current_user))
