"""The salon's month: deadlines, the call that closes itself, late leave, walk-ins,
reminders sent once each at the right moment, and the calendar entry."""
from datetime import date, datetime

import pytest

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.notifications.models import Notification
from salon.posts.models import Post
from salon.salons import rhythm
from salon.salons.models import LatePermit, SignUp
from salon.timeutil import frozen

from .salon_factories import make_salon, post_form, reload, user

NOW = datetime(2026, 11, 10, 9, 0)


@pytest.fixture
def salon(app):
    """November's salon, open, meeting on the 26th, sign-up to the 24th, posts to the 20th."""
    with frozen(NOW):
        found = make_salon("2026-11", status="open", starts_at=datetime(2026, 11, 26, 14, 30),
                           place="县公安局三楼会议室", signup_deadline=date(2026, 11, 24),
                           call_deadline=date(2026, 11, 20))
    return found


def messages_of(username: str) -> list[str]:
    return db.session.scalars(db.select(Notification.text).filter_by(
        user_id=user(username).id).order_by(Notification.id)).all()


def bearer(username: str) -> dict:
    _, plain = ApiToken.issue(user(username))
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


# --- deadlines -------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("call_deadline", "2026-11-01", "征稿截止日期不能早于今天"),
    ("signup_deadline", "2026-11-27", "报名截止日期不能晚于沙龙召开日期"),
    ("call_deadline", "2026-13-40", "日期格式不正确"),
])
def test_a_bad_deadline_is_refused_beside_its_field_and_keeps_the_input(
        client, auth, field, value, message):
    auth.login("organizer")
    with frozen(NOW):
        answer = post_form(client, "/salons/new", {
            "month": "2026-11", "topic": "电动车防盗", "starts_at": "2026-11-26T14:30",
            field: value}, page="/salons/new")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and message in html
    assert 'value="电动车防盗"' in html  # nothing the organizer typed is lost


def test_deadlines_are_saved_and_shown(client, auth):
    auth.login("organizer")
    with frozen(NOW):
        answer = post_form(client, "/salons/new", {
            "month": "2026-11", "topic": "电动车防盗", "starts_at": "2026-11-26T14:30",
            "signup_deadline": "2026-11-24", "call_deadline": "2026-11-20"},
            page="/salons/new")
        assert answer.status_code == 302
        page = client.get("/salons/2026-11").get_data(as_text=True)
    assert "报名截止" in page and "2026年11月24日" in page and "2026年11月20日" in page


def test_editing_refuses_a_new_past_deadline_but_keeps_one_that_passed(client, auth, salon):
    """After the call closed the organizer may still edit the salon (its call deadline now
    lies in the past and stays); moving a deadline into the past is refused."""
    auth.login("organizer")
    form = {"month": "2026-11", "topic": "新的措辞", "starts_at": "2026-11-26T14:30",
            "place": "县公安局三楼会议室", "signup_deadline": "2026-11-24",
            "call_deadline": "2026-11-20"}
    with frozen(datetime(2026, 11, 22, 9, 0)):
        kept = post_form(client, "/salons/2026-11/edit", form, page="/salons/2026-11/edit")
        assert kept.status_code == 302, kept.get_data(as_text=True)
        moved = post_form(client, "/salons/2026-11/edit", form | {"signup_deadline": "2026-11-21"},
                          page="/salons/2026-11/edit")
    assert moved.status_code == 200 and "报名截止日期不能早于今天" in moved.get_data(as_text=True)
    assert reload(salon).topic == "新的措辞" and salon.signup_deadline == date(2026, 11, 24)


def test_cli_refuses_a_past_deadline_in_one_line(runner):
    with frozen(NOW):
        result = runner.invoke(args=["salons", "create", "--month", "2026-12", "--topic", "题",
                                     "--call-deadline", "2026-11-01"])
    assert result.exit_code != 0 and "征稿截止日期不能早于今天" in result.output
    assert "Traceback" not in result.output


# --- the call for posts closes itself --------------------------------------------------

def test_the_salon_page_offers_to_write_for_it(client, auth, salon):
    auth.login("officer")
    with frozen(NOW):
        page = client.get("/salons/2026-11").get_data(as_text=True)
        assert 'href="/posts/new?salon=2026-11"' in page
        form = client.get("/posts/new?salon=2026-11").get_data(as_text=True)
    assert f'<option selected value="{salon.id}">' in form
    # on a phone the card with the dates, 写稿 and 报名 comes first, not after every post
    phone = page.split('<div class="d-lg-none mb-4">')[1].split('<div class="row g-4">')[0]
    assert 'href="/posts/new?salon=2026-11"' in phone and "我要报名" in phone
    assert "2026年11月20日" in phone and "加入日历" in phone


def test_after_the_deadline_a_post_needs_leave(app, client, auth, salon):
    auth.login("officer")
    late = datetime(2026, 11, 21, 9, 0)
    with frozen(late):
        page = client.get("/salons/2026-11").get_data(as_text=True)
        assert 'href="/posts/new?salon=2026-11"' not in page and "征稿已截止" in page
        # the list says it too: the status stays 征稿中 until the meeting, the call is over
        listing = client.get("/salons/").get_data(as_text=True)
        assert '征稿中</span> <span class="badge text-bg-secondary">征稿已截止</span>' in listing
    with frozen(NOW):
        assert "征稿已截止" not in client.get("/salons/").get_data(as_text=True)
    with frozen(late):
        answer = post_form(client, "/posts/new", {
            "kind": "experience", "title": "迟到的经验", "body": "正文内容", "salon": salon.id,
            "submit_post": "提交"}, page="/posts/new")
        html = answer.get_data(as_text=True)
        assert "征稿已于2026年11月20日截止" in html and "迟到的经验" in html
        assert db.session.scalar(db.select(Post).filter_by(title="迟到的经验")) is None
        api = app.test_client().post("/api/posts", headers=bearer("officer2"), json={
            "kind": "experience", "title": "接口迟交", "body": "x", "salon": "2026-11"})
        assert api.status_code == 409 and "征稿已于" in api.get_json()["error"], api.get_json()

        auth.logout()
        auth.login("organizer")
        assert post_form(client, "/salons/2026-11/late",
                         {"user": user("officer").id}).status_code == 302
        assert db.session.scalar(db.select(LatePermit).filter_by(user_id=user("officer").id))
        auth.logout()
        auth.login("officer")
        answer = post_form(client, "/posts/new", {
            "kind": "experience", "title": "迟到的经验", "body": "正文内容", "salon": salon.id,
            "submit_post": "提交"}, page="/posts/new")
    assert answer.status_code == 302
    assert db.session.scalar(db.select(Post).filter_by(title="迟到的经验")).status == "submitted"
    assert any("准许您向" in text for text in messages_of("officer"))


def test_only_organizers_grant_leave(client, auth, salon):
    auth.login("officer")
    with frozen(datetime(2026, 11, 21, 9, 0)):
        answer = post_form(client, "/salons/2026-11/late", {"user": user("officer").id},
                           page="/salons/2026-11")
    assert answer.status_code == 403


def test_sign_up_closes_at_its_deadline(client, auth, salon):
    auth.login("officer")
    with frozen(datetime(2026, 11, 25, 9, 0)):
        answer = post_form(client, "/salons/2026-11/signup", {})
        assert answer.status_code == 302
        page = client.get("/salons/2026-11").get_data(as_text=True)
    assert "报名已于2026年11月24日截止" in page
    assert not reload(salon).signups


# --- attendance ------------------------------------------------------------------------

def test_a_walk_in_is_marked_present_without_signing_up(client, auth, salon):
    salon.status = "held"
    db.session.commit()
    auth.login("organizer")
    page = client.get("/salons/2026-11").get_data(as_text=True)
    assert "现场签到" in page
    answer = post_form(client, "/salons/2026-11/walk-in", {"user": user("officer2").id})
    assert answer.status_code == 302
    signup = db.session.scalar(db.select(SignUp).filter_by(user_id=user("officer2").id))
    assert signup.attended is True and signup.walk_in is True
    assert post_form(client, "/salons/2026-11/walk-in", {"user": "abc"}).status_code == 400


def test_walk_ins_only_once_the_salon_is_held(client, auth, salon):
    auth.login("organizer")
    post_form(client, "/salons/2026-11/walk-in", {"user": user("officer2").id})
    assert not reload(salon).signups


# --- reminders -------------------------------------------------------------------------

def test_opening_a_salon_tells_everyone_who_may_write_once(client, auth, app):
    with frozen(NOW):
        make_salon("2026-11", status="planning", call_deadline=date(2026, 11, 20))
    auth.login("organizer")
    post_form(client, "/salons/2026-11/status", {"to": "open"})
    for name in ("officer", "officer2", "leader"):
        assert [t for t in messages_of(name) if "开始征稿" in t] == [
            "第1期（2026年11月）“如何提升防范水平”开始征稿，11月20日截止，欢迎投稿、报名。"]
    assert messages_of("admin") == []


def test_reminders_arrive_once_each_at_the_right_moments(runner, salon):
    services_signup = SignUp(salon=salon, user=user("officer2"))
    db.session.add(services_signup)
    db.session.commit()

    def remind(moment: datetime) -> str:
        with frozen(moment):
            result = runner.invoke(args=["salons", "remind"])
        assert result.exit_code == 0, result.output
        return result.output

    with frozen(datetime(2026, 11, 12, 9, 0)):  # the leader already sent a post
        db.session.add(Post(kind="experience", title="已投的稿", body="正文", status="submitted",
                            author=user("leader"), unit=user("leader").unit, salon=salon))
        db.session.commit()
    assert "没有需要发送" in remind(datetime(2026, 11, 16, 8, 0))  # 4 days before the call
    remind(datetime(2026, 11, 17, 8, 0))  # 3 days before the call closes
    remind(datetime(2026, 11, 17, 18, 0))  # the same day again: nothing new
    assert [t for t in messages_of("officer") if "征稿将于" in t] == [
        "第1期（2026年11月）征稿将于11月20日截止，请抓紧提交稿件。"]
    assert not any("征稿将于" in t for t in messages_of("leader"))  # has sent one
    remind(datetime(2026, 11, 21, 8, 0))  # 3 days before sign-up closes
    assert any("报名将于11月24日截止" in t for t in messages_of("officer"))
    assert not any("报名将于" in t for t in messages_of("officer2"))  # already signed up
    remind(datetime(2026, 11, 25, 8, 0))  # the day before the meeting
    remind(datetime(2026, 11, 25, 9, 0))
    assert [t for t in messages_of("officer2") if "明天" in t] == [
        "第1期（2026年11月）明天（11月26日 14:30）召开，地点：县公安局三楼会议室。"]
    assert not any("明天" in t for t in messages_of("officer"))  # not signed up


# --- the calendar entry ----------------------------------------------------------------

def test_the_meeting_downloads_as_a_calendar_entry(client, auth, salon):
    salon.topic = "监控探头, 看得清; 装得准\\再议"
    db.session.commit()
    assert client.get("/salons/2026-11.ics").status_code == 302  # sign-in first
    auth.login("officer")
    answer = client.get("/salons/2026-11.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    lines = raw.decode().split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = raw.decode().replace("\r\n ", "")
    assert "DTSTART;TZID=Asia/Shanghai:20261126T143000" in unfolded
    assert "DTEND;TZID=Asia/Shanghai:20261126T163000" in unfolded
    summary = "SUMMARY:社区警务沙龙 第1期（2026年11月）：监控探头\\, 看得清\\; 装得准\\\\再议"
    assert summary in unfolded
    assert "LOCATION:县公安局三楼会议室" in unfolded
    assert raw.endswith(b"END:VCALENDAR\r\n")


def test_a_salon_without_a_time_has_no_calendar_entry(client, auth, app):
    make_salon("2026-12")
    auth.login("officer")
    assert client.get("/salons/2026-12.ics").status_code == 404


def test_rhythm_page_context_lists_walk_in_candidates_with_units_in_few_queries(
        app, salon, count_queries):
    salon.status = "held"
    db.session.commit()
    organizer, _month = user("organizer"), salon.month  # loaded before counting
    with count_queries() as queries:
        context = rhythm.page_context(salon, organizer, True)
        names = [(u.name, u.unit.name) for u in context["walk_in_candidates"]]
    # late permits, people for leave, sign-ups, people for walk-ins: none per person
    assert names and len(queries) <= 4, queries


def test_a_missed_day_still_brings_the_deadline_reminder_once(runner, salon):
    """The daily run did not happen three days before (a server down, or the deadline was
    set two days ahead): the next run sends it, once; after the deadline, nothing."""
    def remind(moment: datetime) -> None:
        with frozen(moment):
            assert runner.invoke(args=["salons", "remind"]).exit_code == 0

    remind(datetime(2026, 11, 18, 8, 0))  # two days before the call closes
    remind(datetime(2026, 11, 19, 8, 0))
    remind(datetime(2026, 11, 20, 8, 0))  # its last day
    assert [t for t in messages_of("officer") if "征稿将于" in t] == [
        "第1期（2026年11月）征稿将于11月20日截止，请抓紧提交稿件。"]
    remind(datetime(2026, 11, 25, 8, 0))  # a day after sign-up closed: too late to say
    assert not any("报名将于" in t for t in messages_of("officer"))
