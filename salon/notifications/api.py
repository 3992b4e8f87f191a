"""`GET /api/me/notifications` and `POST /api/me/notifications/read`: my messages."""
from flask import jsonify, request
from flask_login import current_user

from ..api import bp
from ..errors import InvalidInput
from ..extensions import db
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


def _positive(name: str, default: int, largest: int) -> int:
    value = request.args.get(name, "")
    if value == "":
        return default
    if not value.isdigit() or not 1 <= int(value[:12]) <= largest:
        raise InvalidInput(f"参数 {name} 须为 1–{largest} 的整数。")
    return int(value)


@bp.get("/me/notifications")
def my_notifications():
    """My notifications, unread first: `page`, `limit` (≤ 100)."""
    page = messages_of(current_user, _positive("page", 1, 100000), _positive("limit", 20, 100))
    return jsonify(total=page.total, unread=unread_count(current_user), page=page.page,
                   pages=page.pages, results=[as_json(n) for n in page.items])


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
