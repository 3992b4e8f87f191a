"""群众建议 inside the site: registering, the desk's triage, the contact kept to the desk."""
from datetime import date

import pytest

from salon.extensions import db
from salon.problems.models import Problem
from salon.suggestions.models import Suggestion, mask_contact
from salon.suggestions.services import CODE_LENGTH, normalize_code
from salon.suggestions.stats import public_satisfaction

from .conftest import csrf_token
from .problem_data import make_problem, walk
from .suggestion_data import public_suggestion, registered, triage


def test_officer_registers_a_suggestion_and_gets_a_code_to_pass_on(app, client, auth):
    auth.login("officer")
    response = client.post("/suggestions/new", data={
        "csrf_token": csrf_token(client, "/suggestions/new"), "channel": "meeting",
        "received_on": "2026-11-20", "text": "希望工作态度越来越好", "place": "",
        "unit_id": "", "contact": "赵大爷 13700001234"})
    assert response.status_code == 302
    suggestion = db.session.scalar(db.select(Suggestion))
    assert (suggestion.channel, suggestion.status) == ("meeting", "new")
    assert suggestion.registered_by.username == "officer"
    assert len(suggestion.code) == CODE_LENGTH
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert suggestion.display_code in page
    # the registering officer sees the contact masked, never in full
    assert "13700001234" not in page and "137****1234" in page


@pytest.mark.parametrize("text, message", [
    ("", "请填写建议内容"),
    ("长" * 10_000, "建议内容最多 2000 字"),
])
def test_bad_registration_keeps_the_input_and_says_why(app, client, auth, text, message):
    auth.login("officer")
    response = client.post("/suggestions/new", data={
        "csrf_token": csrf_token(client, "/suggestions/new"), "channel": "phone",
        "text": text, "place": "人民路口", "unit_id": "", "contact": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "人民路口" in html
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 0


def test_desk_adopts_a_suggestion_as_a_linked_public_problem(app, client, auth):
    suggestion = public_suggestion()
    auth.login("organizer")
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "王先生 13812345678" in page  # the desk sees the contact
    response = triage(client, suggestion.id, action="adopt", title="人民路路灯损坏")
    assert response.status_code == 302
    db.session.expire_all()
    suggestion = db.session.get(Suggestion, suggestion.id)
    problem = suggestion.problem
    assert suggestion.status == "adopted" and suggestion.first_answer_at is not None
    assert problem.source == "public" and problem.state == "raised"
    assert problem.post.title == "人民路路灯损坏"
    assert "13812345678" not in problem.post.body  # the contact stays on the suggestion
    # the link back: the problem's page names the suggestion
    post_page = client.get(f"/posts/{problem.post_id}").get_data(as_text=True)
    assert f"/suggestions/{suggestion.id}" in post_page
    # twice is refused
    triage(client, suggestion.id, action="adopt")
    assert db.session.scalar(db.select(db.func.count(Problem.id))) == 1


def test_desk_merges_a_duplicate_found_by_search(app, client, auth):
    problem = make_problem(title="人民路路灯损坏，夜间漆黑")
    from salon.search import catch_up

    catch_up(app)
    suggestion = public_suggestion(text="人民路路灯损坏好久了，夜间漆黑一片")
    auth.login("organizer")
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert f"#{problem.id} 人民路路灯损坏" in page  # suggested by the similar-problems search
    response = triage(client, suggestion.id, action="merge", problem_id=str(problem.id))
    assert response.status_code == 302
    db.session.expire_all()
    merged = db.session.get(Suggestion, suggestion.id)
    assert (merged.status, merged.problem_id) == ("merged", problem.id)


def test_merge_into_a_missing_problem_is_refused(app, client, auth):
    suggestion = public_suggestion()
    auth.login("organizer")
    response = triage(client, suggestion.id, action="merge", problem_id="9999")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "问题编号不存在" in page
    db.session.expire_all()
    assert db.session.get(Suggestion, suggestion.id).status == "new"


def test_reply_and_decline_need_text_and_show_to_the_citizen(app, client, auth):
    replied, declined = public_suggestion(), public_suggestion(text="把派出所搬到我家门口")
    auth.login("organizer")
    triage(client, declined.id, action="decline", reason="")
    db.session.expire_all()
    assert db.session.get(Suggestion, declined.id).status == "new"
    triage(client, declined.id, action="decline", reason="派出所选址由县里统一规划")
    triage(client, replied.id, action="reply", text="已通知供电所，三日内修复")
    db.session.expire_all()
    assert db.session.get(Suggestion, declined.id).decline_reason == "派出所选址由县里统一规划"
    answered = db.session.get(Suggestion, replied.id)
    assert answered.status == "replied" and answered.replies[0].text.startswith("已通知")


@pytest.mark.parametrize("who", ["officer", "leader"])
def test_others_cannot_triage(app, client, auth, who):
    suggestion = public_suggestion()
    auth.login(who)
    response = triage(client, suggestion.id, action="reply", text="好的")
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(Suggestion, suggestion.id).replies == []


def test_leader_sees_the_queue_with_contacts_masked(app, client, auth):
    suggestion = public_suggestion()
    auth.login("leader")
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "13812345678" not in page and "138****5678" in page
    assert suggestion.display_code not in page  # the code is the citizen's


def test_contact_never_reaches_search_or_the_api(app, client, auth):
    suggestion = public_suggestion(contact="保密人 13812345678")
    auth.login("organizer")
    triage(client, suggestion.id, action="adopt")
    db.session.expire_all()
    problem = db.session.get(Suggestion, suggestion.id).problem
    from salon.search import catch_up

    catch_up(app)
    found = client.get("/api/search?q=13812345678").get_json()
    assert found["total"] == 0
    detail = client.get(f"/api/problems/{problem.id}").get_data(as_text=True)
    assert "13812345678" not in detail and "保密人" not in detail
    ledger = client.get("/problems/export.csv").get_data(as_text=True)
    assert "13812345678" not in ledger


def test_desk_records_the_verdict_of_an_answered_suggestion_once_answered(app, client, auth):
    suggestion = public_suggestion()
    auth.login("organizer")
    response = triage(client, suggestion.id, action="verdict", verdict="satisfied")
    assert "办结或答复后才能评价" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    triage(client, suggestion.id, action="reply", text="已通知供电所修复")
    triage(client, suggestion.id, action="verdict", verdict="basically", note="修好了")
    db.session.expire_all()
    answered = db.session.get(Suggestion, suggestion.id)
    assert (answered.verdict, answered.verdict_source) == ("basically", "desk")
    assert public_satisfaction().satisfaction_rate == 100.0


def test_a_problems_revisit_is_the_citizens_verdict_on_its_suggestion(app, client, auth):
    from .problem_data import step

    suggestion = public_suggestion()
    auth.login("organizer")
    triage(client, suggestion.id, action="adopt")
    db.session.expire_all()
    problem = db.session.get(Suggestion, suggestion.id).problem
    walk(problem, "resolved", deadline=date(2099, 1, 1))
    # the suggestion page sends the desk to the problem's own 回访 (which reopens on 不满意)
    response = triage(client, suggestion.id, action="verdict", verdict="satisfied")
    assert "请在问题页“回访”" in client.get(response.headers["Location"]).get_data(as_text=True)
    step(problem, "organizer", "revisit", satisfaction="unsatisfied", solved="partly",
         note="路灯又坏了", deadline=date(2099, 2, 1))
    figures = public_satisfaction()
    assert figures.verdicts == {"unsatisfied": 1} and figures.satisfaction_rate == 0.0
    from salon.suggestions.progress import citizen_view

    db.session.expire_all()
    view = citizen_view(db.session.get(Suggestion, suggestion.id))
    assert view["progress"] == "办理中" and not view["may_give_verdict"]  # reopened


def test_public_satisfaction_counts_citizens_apart_from_reporters(app):
    figures = public_satisfaction()
    assert figures.total == 0 and figures.satisfaction_rate is None
    for verdict in ("satisfied", "unsatisfied", "basically", "unsatisfied"):
        s = registered(channel="sms")
        s.status, s.verdict = "replied", verdict
    public_suggestion()
    db.session.commit()
    figures = public_satisfaction()
    assert figures.total == 5 and figures.by_channel["短信"] == 4
    assert figures.by_channel["网上"] == 1
    assert figures.satisfaction_rate == 50.0


def test_dashboard_shows_the_citizens_satisfaction(app, client, auth):
    s = registered(channel="phone")
    s.status, s.verdict = "replied", "satisfied"
    db.session.commit()
    auth.login("leader")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "群众满意率" in html and "提出人满意率" in html
    assert 'id="public-satisfaction-rate">100.0' in html


@pytest.mark.parametrize("typed, code", [
    ("k7qm-3xzp-8hwd-2rtn", "K7QM3XZP8HWD2RTN"),
    (" K7QM 3XZP 8HWD 2RTN ", "K7QM3XZP8HWD2RTN"),
    ("K7QM-3XZP-8HWD-2RTO", "K7QM3XZP8HWD2RT0"),  # O read as 0
    ("K7QM-3XZP", None),
    ("' OR 1=1 --", None),
    ("", None),
])
def test_codes_are_read_forgivingly(typed, code):
    assert normalize_code(typed) == code


@pytest.mark.parametrize("contact, masked", [
    ("张三 13812345678", "张* 138****5678"),
    ("王先生", "王**"),
    ("", ""),
])
def test_mask_contact(contact, masked):
    assert mask_contact(contact) == masked


def test_the_desk_and_the_registering_officer_are_told(app, client, auth):
    from salon.notifications.models import Notification

    def messages(username):
        return [n.text for n in db.session.scalars(
            db.select(Notification).join(Notification.user).where(
                Notification.user.has(username=username)).order_by(Notification.id))]

    suggestion = registered("officer", channel="phone", text="夜里广场舞噪音扰民")
    assert messages("organizer") == [
        "新的群众建议（电话，城关派出所 测试officer登记）：夜里广场舞噪音扰民"]
    auth.login("organizer")
    triage(client, suggestion.id, action="decline", reason="已转城管部门处理")
    assert messages("officer") == ["您登记的群众建议不予采纳：已转城管部门处理"]
    online = public_suggestion(text="学校门口车多")
    assert messages("organizer")[-1] == "新的群众建议（网上）：学校门口车多"
    assert all(f"/suggestions/{online.id}" == n.link for n in db.session.scalars(
        db.select(Notification).where(Notification.text.like("%学校门口%"))))


def test_untriaged_suggestions_wait_in_the_desks_todo(app, client, auth):
    public_suggestion(text="菜市场门口电瓶车乱停")
    auth.login("organizer")
    page = client.get("/problems/todo").get_data(as_text=True)
    assert "待处理的群众建议" in page and "菜市场门口电瓶车乱停" in page
    auth.logout()
    auth.login("leader")
    assert "待处理的群众建议" not in client.get("/problems/todo").get_data(as_text=True)


def test_the_desks_export_holds_contacts_defused(app, client, auth):
    public_suggestion(text="=HYPERLINK(\"http://x\")", contact="王 13812345678")
    auth.login("organizer")
    response = client.get("/suggestions/export.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.startswith("\ufeff编号,收集日期")
    assert "王 13812345678" in text and "'=HYPERLINK" in text
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_huge_numbers_in_forms_are_refused_not_crashes(app, client, auth):
    """A unit or problem number past what the database holds is a Chinese message, not a 500."""
    suggestion = public_suggestion()
    auth.login("organizer")
    response = client.post("/suggestions/new", data={
        "csrf_token": csrf_token(client, "/suggestions/new"), "channel": "phone",
        "text": "夜里有人飙车", "place": "", "unit_id": "9" * 25, "contact": ""})
    assert response.status_code == 200 and "所选单位不存在" in response.get_data(as_text=True)
    response = triage(client, suggestion.id, action="merge", problem_id="9" * 25)
    assert "问题编号不存在" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_time_to_first_answer_and_channels_on_the_dashboard(app, client, auth):
    """The median from taking a suggestion in to its first answer, and the count by channel."""
    from datetime import datetime, timedelta

    start = datetime(2026, 11, 2, 9, 0)
    for channel, hours in (("phone", 12), ("sms", 36), ("sms", 96), ("visit", None)):
        s = registered(channel=channel)
        s.created_at = start
        s.first_answer_at = start + timedelta(hours=hours) if hours else None
    db.session.commit()
    figures = public_satisfaction()
    assert (figures.answered, figures.median_days_to_answer) == (3, 1.5)
    assert figures.by_channel["短信"] == 2 and figures.by_channel["走访"] == 1
    auth.login("leader")
    html = " ".join(client.get("/dashboard/").get_data(as_text=True).split())
    assert "首次答复用时中位数" in html and ">1.5<" in html and "已答复 3 条" in html
    assert "<td>短信</td><td class=\"text-end\">2</td>" in html
