"""Salon meetings: sign-up and attendance, the agenda and the minutes."""

from salon.extensions import db
from salon.salons import services
from salon.salons.models import Salon

from .salon_factories import make_salon, post_form, reload, user

# --- sign-up and attendance ------------------------------------------------------------

def test_sign_up_and_cancel(app, client, auth):
    salon = make_salon(status="open")
    auth.login("officer")
    post_form(client, "/salons/2026-11/signup", {})
    post_form(client, "/salons/2026-11/signup", {})
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "您已报名本期沙龙" in html and "测试officer" in html and "取消报名" in html
    assert len(reload(salon).signups) == 1
    post_form(client, "/salons/2026-11/cancel", {})
    assert reload(salon).signups == []
    assert "我要报名" in client.get("/salons/2026-11").get_data(as_text=True)


def test_sign_up_needs_csrf(app, client, auth):
    make_salon(status="open")
    auth.login()
    assert client.post("/salons/2026-11/signup").status_code == 400


def test_sign_up_closes_once_held(app, client, auth):
    salon = make_salon(status="held")
    auth.login("officer")
    response = post_form(client, "/salons/2026-11/signup", {})
    assert "报名已截止" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert reload(salon).signups == []


def test_admin_cannot_sign_up(app, client, auth):
    make_salon(status="open")
    auth.login("admin")
    assert "我要报名" not in client.get("/salons/2026-11").get_data(as_text=True)
    assert post_form(client, "/salons/2026-11/signup", {}).status_code == 403


def test_organizer_marks_attendance_on_held_salon(app, client, auth):
    salon = make_salon(status="open")
    for name in ("officer", "officer2"):
        services.sign_up(salon, user(name))
    salon.status = "held"
    db.session.commit()
    auth.login("organizer")
    post_form(client, "/salons/2026-11/attendance", {"attended": str(user("officer").id)})
    attended = {s.user.username: s.attended for s in reload(salon).signups}
    assert attended == {"officer": True, "officer2": False}
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "1 人出席" in html and "保存出席情况" in html and "出席 1 人" in html


def test_attendance_refused_before_held_and_for_strangers(app, client, auth):
    salon = make_salon(status="open")
    services.sign_up(salon, user("officer"))
    db.session.commit()
    auth.login("organizer")
    response = post_form(client, "/salons/2026-11/attendance",
                         {"attended": str(user("officer").id)})
    assert "才能登记出席情况" in client.get(response.headers["Location"]).get_data(as_text=True)
    salon = reload(salon)
    salon.status = "held"
    db.session.commit()
    post_form(client, "/salons/2026-11/attendance", {"attended": str(user("leader").id)})
    assert reload(salon).signups[0].attended is None
    assert post_form(client, "/salons/2026-11/attendance", {"attended": "x"}).status_code == 400


# --- agenda and minutes ----------------------------------------------------------------

def test_organizer_edits_agenda(app, client, auth):
    make_salon()
    auth.login("organizer")
    response = post_form(client, "/salons/2026-11/agenda", {
        "agenda": "二代证攻坚的做法 | 曹甸派出所 陈建国\n\n自由交流"})
    assert response.status_code == 302
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "二代证攻坚的做法" in html and "主讲：曹甸派出所 陈建国" in html and "自由交流" in html
    assert "二代证攻坚的做法 | 曹甸派出所 陈建国\n自由交流" in client.get(
        "/salons/2026-11/agenda").get_data(as_text=True)
    response = post_form(client, "/salons/2026-11/agenda", {"agenda": "新题目\n | 张三"})
    assert "第 2 行缺少题目" in response.get_data(as_text=True)
    assert [i.title for i in reload(db.session.scalar(db.select(Salon))).agenda] == \
        ["二代证攻坚的做法", "自由交流"]


def test_minutes_only_after_held(app, client, auth):
    salon = make_salon(status="open")
    auth.login("organizer")
    response = client.get("/salons/2026-11/minutes")
    assert response.status_code == 302
    salon.status = "held"
    db.session.commit()
    post_form(client, "/salons/2026-11/minutes", {"minutes": "## 议定事项\n\n1. 制定技防三年规划"})
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "<h2>议定事项</h2>" in html and "制定技防三年规划" in html
    auth.logout()
    auth.login("officer")
    assert client.get("/salons/2026-11/minutes").status_code == 403
    assert "制定技防三年规划" in client.get("/salons/2026-11").get_data(as_text=True)
