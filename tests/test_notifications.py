"""消息: notify() in the caller's transaction with dedupe (also under a race), the message
centre, the nav badge on every page, and the API."""
import threading

import pytest

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.notifications.models import Notification
from salon.notifications.services import mark_read, messages_of, notify, unread_count

from .conftest import csrf_token
from .routes import user


def rows(username: str) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).filter_by(
        user_id=user(username).id).order_by(Notification.id)))


def test_notify_writes_in_the_callers_transaction(app):
    written = notify([user("officer"), user("officer2")], "problem", "问题已交办。", "/posts/1")
    assert written == 2
    db.session.rollback()  # the event that caused them failed: no messages either
    assert rows("officer") == []
    notify([user("officer")], "problem", "问题已交办。", "/posts/1")
    db.session.commit()
    assert [n.text for n in rows("officer")] == ["问题已交办。"]


def test_notify_skips_the_inactive_the_excluded_and_repeats(app):
    gone = user("officer2")
    gone.active = False
    db.session.commit()
    actor = user("leader")
    written = notify([user("officer"), user("officer").id, gone.id, actor, user("organizer")],
                     "problem", "有新进展。", exclude=actor)
    db.session.commit()
    assert written == 2
    assert len(rows("officer")) == 1 and rows("officer2") == [] and rows("leader") == []


def test_the_same_dedupe_key_reaches_a_person_once(app):
    for _ in range(2):
        notify([user("officer"), user("organizer")], "remind", "问题明天到期。",
               dedupe_key="remind:due:1:2026-12-03")
        db.session.commit()
    notify([user("officer"), user("leader")], "remind", "问题明天到期。",
           dedupe_key="remind:due:1:2026-12-03")
    db.session.commit()
    assert len(rows("officer")) == 1 and len(rows("organizer")) == 1 and len(rows("leader")) == 1
    notify([user("officer")], "remind", "问题今天到期。", dedupe_key="remind:due:1:2026-12-04")
    notify([user("officer")], "system", "无键的消息每次都写。")
    notify([user("officer")], "system", "无键的消息每次都写。")
    db.session.commit()
    assert len(rows("officer")) == 4


def test_two_racing_writers_with_one_key_write_one_row(app):
    """Two transactions insert the same key at the same moment; both commit, one row exists."""
    officer_id = user("officer").id
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with app.app_context():
                db.session.execute(db.select(db.func.count(Notification.id))).scalar()
                barrier.wait()
                notify([officer_id], "remind", "问题已超期。", dedupe_key="remind:overdue:7")
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(rows("officer")) == 1


def test_unread_first_and_mark_read(app):
    officer = user("officer")
    for number in range(5):
        notify([officer], "problem", f"消息{number}")
    db.session.commit()
    first, second = rows("officer")[:2]
    assert mark_read(officer, [first.id, second.id, 999999]) == 2
    assert mark_read(user("officer2"), "all") == 0
    db.session.commit()
    assert unread_count(officer) == 3
    page = messages_of(officer, 1, per_page=4)
    assert [n.text for n in page.items] == ["消息4", "消息3", "消息2", "消息1"]
    assert page.pages == 2
    assert mark_read(officer, "all") == 3
    db.session.commit()
    assert unread_count(officer) == 0


def test_newest_first_by_when_it_happened(app):
    """A message about an earlier event (written later) sorts under a newer one."""
    from datetime import timedelta

    officer = user("officer")
    notify([officer], "assessment", "考核通报已发布。")
    notify([officer], "problem", "问题已催办。")
    db.session.flush()
    later_written = rows("officer")[-1]
    later_written.created_at -= timedelta(days=10)
    db.session.commit()
    page = messages_of(officer, 1, per_page=10)
    assert [n.text for n in page.items] == ["考核通报已发布。", "问题已催办。"]
    assert page.items[0].kind_label == "考核"


def test_many_recipients_and_people_created_in_the_same_transaction(app):
    from salon.accounts.services import create_user

    people = [create_user(f"p{n}", f"民警{n}", "城关派出所", "officer") for n in range(1200)]
    assert notify(people, "bulletin", "第5期专刊已出刊。", dedupe_key="bulletin:5") == 1200
    assert notify(people, "bulletin", "第5期专刊已出刊。", dedupe_key="bulletin:5") == 0
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1200


def test_an_empty_message_or_an_overlong_key_is_refused(app):
    from salon.errors import InvalidInput

    with pytest.raises(InvalidInput):
        notify([user("officer")], "system", "  ")
    with pytest.raises(InvalidInput):
        notify([user("officer")], "system", "x", dedupe_key="k" * 161)


# --- the message centre ----------------------------------------------------------------------

def test_message_centre_lists_marks_and_follows(app, client, auth):
    officer = user("officer")
    notify([officer], "problem", "问题“路灯”已交办城关派出所。", "/posts/5")
    notify([officer], "remind", "问题“监控”明天到期。", "/posts/6")
    notify([user("officer2")], "problem", "别人的消息")
    db.session.commit()
    auth.login("officer")
    html = client.get("/").get_data(as_text=True)
    assert 'messages-badge">2<' in html  # the badge on every page
    html = client.get("/messages/").get_data(as_text=True)
    assert "问题“路灯”已交办城关派出所。" in html and "到期提醒" in html
    assert "别人的消息" not in html and html.count("message-unread") == 2
    first, second = rows("officer")
    response = client.get(f"/messages/{first.id}/go")
    assert response.status_code == 302 and response.headers["Location"].endswith("/posts/5")
    assert 'messages-badge">1<' in client.get("/").get_data(as_text=True)
    theirs = rows("officer2")[0]
    assert client.get(f"/messages/{theirs.id}/go").status_code == 404
    token = csrf_token(client, "/messages/")
    response = client.post("/messages/read", data={"csrf_token": token, "all": "1"},
                           follow_redirects=True)
    assert "已将 1 条消息标为已读" in response.get_data(as_text=True)
    assert "messages-badge" not in client.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert rows("officer2")[0].read_at is None


def test_a_stored_link_never_leads_off_the_site(app, client, auth):
    notify([user("officer")], "system", "外链", "//evil.example/x")
    db.session.commit()
    auth.login("officer")
    response = client.get(f"/messages/{rows('officer')[0].id}/go")
    assert response.headers["Location"].endswith("/messages/")


def test_message_centre_pages(app, client, auth):
    app.config["NOTIFICATIONS_PER_PAGE"] = 3
    notify([user("officer")], "system", "甲")
    for number in range(6):
        notify([user("officer")], "system", f"消息{number}")
    db.session.commit()
    mark_read(user("officer"), [rows("officer")[0].id])
    db.session.commit()
    auth.login("officer")
    html = client.get("/messages/?page=3").get_data(as_text=True)
    assert "甲" in html and "共 7 条" in html  # the read one comes last
    for page in ("x", "-1", "9" * 30):
        assert client.get(f"/messages/?page={page}").status_code == 200


def test_the_badge_stays_outside_the_collapsed_menu(app, client, auth):
    notify([user("officer")], "system", "有消息")
    db.session.commit()
    auth.login("officer")
    html = client.get("/").get_data(as_text=True)
    collapse = html.index('id="nav"')
    assert html.index("messages-badge") < collapse
    assert html.index('href="/problems/todo"') < collapse


# --- the API ---------------------------------------------------------------------------------

def bearer(username: str) -> dict:
    _, plain = ApiToken.issue(user(username), "脚本")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_api_lists_and_marks_my_notifications(app, client):
    headers = bearer("officer")
    for number in range(3):
        notify([user("officer")], "problem", f"消息{number}", f"/posts/{number}")
    notify([user("officer2")], "problem", "别人的")
    db.session.commit()
    answer = client.get("/api/me/notifications?limit=2", headers=headers).get_json()
    assert answer["total"] == 3 and answer["unread"] == 3 and answer["pages"] == 2
    assert [n["text"] for n in answer["results"]] == ["消息2", "消息1"]
    assert answer["results"][0]["link"] == "/posts/2" and answer["results"][0]["read"] is False
    ids = [n["id"] for n in answer["results"]]
    theirs = rows("officer2")[0].id
    marked = client.post("/api/me/notifications/read", json={"ids": [*ids, theirs]},
                         headers=headers).get_json()
    assert marked == {"marked": 2, "unread": 1}
    assert client.post("/api/me/notifications/read", json={"all": True},
                       headers=headers).get_json() == {"marked": 1, "unread": 0}
    db.session.expire_all()
    assert rows("officer2")[0].read_at is None


@pytest.mark.parametrize("body", [None, [], {"ids": []}, {"ids": ["1"]}, {"ids": [2**40]},
                                  {"ids": [True]}, {"all": "yes"}])
def test_api_refuses_malformed_marks_in_chinese(app, client, body):
    response = client.post("/api/me/notifications/read", json=body, headers=bearer("officer"))
    assert response.status_code == 400 and "ids" in response.get_json()["error"] or (
        "JSON" in response.get_json()["error"])


@pytest.mark.parametrize("query", ["page=0", "limit=101", "limit=x", "page=99999999999999999"])
def test_api_refuses_bad_paging(app, client, query):
    response = client.get(f"/api/me/notifications?{query}", headers=bearer("officer"))
    assert response.status_code == 400 and "参数" in response.get_json()["error"]


def test_api_needs_a_user(client):
    assert client.get("/api/me/notifications").status_code == 401


def test_message_text_is_shown_as_text(app, client, auth):
    notify([user("officer")], "problem", '问题“<script>window.__xss=1</script><b>粗</b>”已交办。',
           '/posts/1" onclick="alert(1)')
    db.session.commit()
    auth.login("officer")
    html = client.get("/messages/").get_data(as_text=True)
    assert "<script>window.__xss" not in html and "&lt;script&gt;" in html and "<b>粗" not in html
    assert 'onclick="alert' not in html


def test_only_unread_on_the_page_and_the_api(app, client, auth):
    for number in range(3):
        notify([user("officer")], "system", f"消息{number}")
    db.session.commit()
    mark_read(user("officer"), [rows("officer")[0].id])
    db.session.commit()
    auth.login("officer")
    html = client.get("/messages/?unread=1").get_data(as_text=True)
    assert "消息2" in html and "消息1" in html and "消息0" not in html
    answer = client.get("/api/me/notifications?unread=1").get_json()
    assert [n["text"] for n in answer["results"]] == ["消息2", "消息1"] and answer["total"] == 2
    assert client.get("/api/me/notifications?unread=yes").status_code == 400
    token = csrf_token(client, "/messages/")
    response = client.post("/messages/read", data={"csrf_token": token, "all": "1",
                                                   "unread": "1"})
    assert response.headers["Location"].endswith("/messages/?unread=1")
    assert "没有未读消息" in client.get("/messages/?unread=1").get_data(as_text=True)
