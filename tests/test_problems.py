"""Problem workflow: filing, steps through the site, instructions, outcome, events, 我的待办."""
from datetime import date, datetime

import pytest

from salon.extensions import db
from salon.problems.models import ImmutableEventError, Problem, ProblemEvent
from salon.problems.services import InvalidInput, NotAllowed, StateConflict
from salon.timeutil import frozen

from .conftest import csrf_token
from .problem_data import make_problem, step, unit, user, walk


def post_step(client, problem_id, **data):
    data.setdefault("csrf_token", csrf_token(client, "/problems/todo"))
    return client.post(f"/problems/{problem_id}/act", data=data)


def test_open_problem_records_the_raise_event(app):
    problem = make_problem()
    assert problem.state == "raised"
    [event] = problem.events
    assert (event.action, event.from_state, event.to_state) == ("raise", None, "raised")
    assert event.actor.username == "officer"


def test_a_problem_goes_from_raised_to_confirmed_through_the_site(app, client, auth):
    problem_id = make_problem().id
    auth.login("organizer")
    assert post_step(client, problem_id, action="accept").status_code == 302
    auth.logout()
    auth.login("leader")
    response = post_step(client, problem_id, action="instruct",
                         note="请曹甸派出所牵头，一月内拿出方案")
    assert response.status_code == 302
    auth.logout()
    auth.login("organizer")
    caodian = unit("曹甸派出所").id
    post_step(client, problem_id, action="assign", unit=caodian, deadline="2099-01-31",
              note="限期整改")
    auth.logout()

    auth.login("officer2")
    post_step(client, problem_id, action="sign")
    post_step(client, problem_id, action="progress", note="已完成点位勘察")
    response = post_step(client, problem_id, action="report",
                         outcome="新增并调整探头，巡逻定时定线",
                         **{"figures-0-label": "新增探头", "figures-0-value": "16",
                            "figures-0-unit": "组", "figures-1-label": "调整探头",
                            "figures-1-value": "27", "figures-1-unit": "组"})
    assert response.status_code == 302
    auth.logout()

    auth.login("leader")
    assert post_step(client, problem_id, action="approve").status_code == 302
    auth.logout()

    auth.login("officer")
    post_step(client, problem_id, action="confirm", satisfaction="satisfied", solved="solved",
              note="效果明显")
    html = client.get(f"/problems/{problem_id}", follow_redirects=True).get_data(as_text=True)
    problem = db.session.get(Problem, problem_id)
    assert problem.state == "confirmed"
    assert (problem.satisfaction, problem.solved) == ("satisfied", "solved")
    assert [e.action for e in problem.events] == [
        "raise", "accept", "instruct", "assign", "sign", "progress", "report", "approve",
        "confirm"]
    assert "请曹甸派出所牵头" in html and "领导批示" in html
    assert "新增探头" in html and "<strong>16</strong>" in html and "<strong>27</strong>" in html
    assert "已确认" in html and "办理过程" in html and "已完成点位勘察" in html


def test_steps_the_user_may_take_are_offered_as_forms(app, client, auth):
    problem = make_problem()
    auth.login("organizer")
    html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
    assert 'value="accept"' in html and 'value="decline"' in html
    assert 'value="instruct"' not in html and 'value="sign"' not in html
    auth.logout()
    auth.login("leader")
    html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
    assert 'value="instruct"' in html and 'value="accept"' not in html
    auth.logout()
    auth.login("officer")  # the reporter: nothing to do while raised
    html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
    assert 'name="action"' not in html


def test_refused_step_is_403_on_the_site_and_changes_nothing(app, client, auth):
    problem = make_problem()
    auth.login("officer")
    response = post_step(client, problem.id, action="accept")
    assert response.status_code == 403
    assert "督办" in response.get_data(as_text=True)
    db.session.expire_all()
    assert problem.state == "raised" and len(problem.events) == 1
    auth.logout()
    auth.login("organizer")
    response = post_step(client, problem.id, action="assign", unit=unit("曹甸派出所").id,
                         deadline="2099-01-31")
    assert response.status_code == 409 and "已提出" in response.get_data(as_text=True)


def test_decline_requires_a_reason(app, client, auth):
    problem = make_problem()
    auth.login("organizer")
    response = post_step(client, problem.id, action="decline", note="  ")
    assert response.status_code == 400
    assert "请填写不予受理理由" in response.get_data(as_text=True)
    db.session.expire_all()
    assert problem.state == "raised"
    post_step(client, problem.id, action="decline", note="属交通部门职责，已转交")
    db.session.expire_all()
    assert problem.state == "declined" and problem.decline_reason == "属交通部门职责，已转交"


def test_reporting_requires_outcome_and_a_measured_figure(app):
    problem = walk(make_problem(), "in_progress")
    with pytest.raises(InvalidInput, match="成效数据"):
        step(problem, "officer2", "report", outcome="已整改")
    with pytest.raises(InvalidInput, match="办理结果"):
        step(problem, "officer2", "report", figures=[("新增探头", 16, "组")])
    db.session.rollback()
    assert problem.state == "in_progress" and problem.outcome == "" and problem.figures == []
    step(problem, "officer2", "report", outcome="已整改", figures=[("新增探头", 16, "组")])
    assert problem.state == "reported"
    assert [(f.label, f.value, f.unit) for f in problem.figures] == [("新增探头", 16.0, "组")]


def test_report_through_the_site_without_figure_is_refused_and_keeps_the_text(app, client,
                                                                              auth):
    problem = walk(make_problem(), "in_progress")
    auth.login("officer2")
    response = post_step(client, problem.id, action="report", outcome="已整改南段")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "至少填写一项成效数据" in html and "已整改南段</textarea>" in html
    response = post_step(client, problem.id, action="report", outcome="已整改北段",
                         note="附照片",
                         **{"figures-0-label": "新增探头", "figures-0-value": "很多"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "成效数值须为数字" in html
    assert "已整改北段</textarea>" in html and 'value="新增探头"' in html and "附照片" in html
    assert 'value="很多"' in html and '<details class="mb-2 action-report" open>' in html
    db.session.expire_all()
    assert problem.state == "in_progress"


def test_dispute_reopens_and_is_counted(app):
    problem = walk(make_problem(), "resolved")
    with pytest.raises(InvalidInput):
        step(problem, "officer", "dispute", solved="solved", note="x")
    db.session.rollback()
    step(problem, "officer", "dispute", solved="partly", note="南段仍无探头")
    assert problem.state == "in_progress" and problem.reopen_count == 1
    assert problem.resolved_at is None and problem.satisfaction is None
    assert problem.outcome == "" and problem.figures == []
    [earlier] = problem.results
    assert earlier.heading == "第1次办结，被提出异议" and earlier.solved == "partly"
    step(problem, "officer2", "report", outcome="南段补装", figures=[("补装探头", 4, "组")])
    step(problem, "leader", "approve")
    step(problem, "officer", "confirm", satisfaction="basically", solved="solved")
    assert problem.state == "confirmed" and problem.satisfaction == "basically"
    assert [e.action for e in problem.events][-4:] == ["dispute", "report", "approve", "confirm"]


def test_several_instructions_are_kept_in_order(app, client, auth):
    problem = make_problem()
    step(problem, "leader", "instruct", note="第一条批示", at=datetime(2026, 11, 3, 9))
    step(problem, "organizer", "accept")
    step(problem, "leader", "instruct", note="第二条批示", at=datetime(2026, 11, 5, 9))
    assert [i.text for i in problem.instructions] == ["第一条批示", "第二条批示"]
    auth.login("officer")
    html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
    assert html.index("第一条批示") < html.index("第二条批示")


def test_cosign_counts_once_and_not_by_the_reporter(app, client, auth):
    problem = make_problem()
    auth.login("officer2")
    post_step(client, problem.id, action="cosign")
    assert post_step(client, problem.id, action="cosign").status_code == 409  # already co-signed
    html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
    assert 'class="cosign-count">1<' in html and "您已附议" in html
    auth.logout()
    auth.login("officer")
    assert post_step(client, problem.id, action="cosign").status_code == 403
    db.session.expire_all()
    assert problem.cosign_count == 1


def test_events_cannot_be_edited_or_deleted(app):
    problem = walk(make_problem(), "accepted")
    event = problem.events[-1]
    event.note = "篡改"
    with pytest.raises(ImmutableEventError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(ProblemEvent, event.id))
    with pytest.raises(ImmutableEventError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(ImmutableEventError):
        db.session.execute(db.update(ProblemEvent).values(note="篡改"))
    with pytest.raises(ImmutableEventError):
        db.session.execute(db.delete(ProblemEvent))
    db.session.rollback()
    assert db.session.get(ProblemEvent, event.id).note == "已受理"
    assert db.session.scalar(db.select(db.func.count(ProblemEvent.id))) == 2


def test_the_site_offers_no_way_to_change_events(app, client, auth):
    problem = make_problem()
    auth.login("leader")
    rules = [r for r in app.url_map.iter_rules() if "event" in r.rule]
    assert all(r.methods & {"PUT", "PATCH", "DELETE"} == set() for r in rules)
    response = client.delete(f"/api/problems/{problem.id}/events")
    assert response.status_code == 405


def test_service_raises_403_before_409(app):
    problem = make_problem()
    with pytest.raises(NotAllowed):
        step(problem, "officer", "approve")
    with pytest.raises(StateConflict):
        step(problem, "leader", "approve")


# 超期 and reminders, with a fixed clock --------------------------------------------------

def test_overdue_with_a_fixed_clock(app, client, auth):
    problem = walk(make_problem(), "assigned", deadline=date(2026, 12, 1))
    with frozen(datetime(2026, 12, 1, 23, 0)):
        assert not problem.is_overdue
    with frozen(datetime(2026, 12, 2, 8, 0)):
        assert problem.is_overdue
        auth.login("organizer")
        html = client.get("/problems/?overdue=1").get_data(as_text=True)
        assert "table-danger" in html and problem.post.title in html
        html = client.get(f"/problems/{problem.id}", follow_redirects=True).get_data(as_text=True)
        assert "已超期" in html
    walk_rest = step(problem, "officer2", "sign")
    with frozen(datetime(2026, 12, 5)):
        step(walk_rest, "officer2", "report", at=datetime(2026, 12, 5), outcome="已整改",
             figures=[("新增探头", 16, "组")])
        assert not problem.is_overdue  # reported late is no longer 已超期


def home_due_section(client) -> str:
    html = client.get("/").get_data(as_text=True)
    start = html.index('class="mb-4 home-due"')
    return html[start:html.index("</section>", start)]


def test_home_page_lists_due_problems_for_the_users_unit(app, client, auth):
    walk(make_problem("曹甸的问题"), "assigned", deadline=date(2026, 12, 2))
    walk(make_problem("城关的问题"), "assigned", deadline=date(2026, 12, 2), unit_name="城关派出所")
    with frozen(datetime(2026, 12, 1, 8, 0)):
        auth.login("officer2")
        html = home_due_section(client)
        assert "问题办理提醒" in html and "曹甸的问题" in html and "城关的问题" not in html
        auth.logout()
        auth.login("organizer")
        html = home_due_section(client)
        assert "曹甸的问题" in html and "城关的问题" in html


# 我的待办 -------------------------------------------------------------------------------

def test_todo_for_each_role_and_the_badge(app, client, auth, count_queries):
    make_problem("待受理")
    walk(make_problem("交办曹甸"), "assigned")
    walk(make_problem("待确认"), "resolved")
    walk(make_problem("待审核", reporter="officer2"), "reported")
    overdue = walk(make_problem("超期未办"), "in_progress", deadline=date(2026, 11, 20),
                   unit_name="城关派出所")
    with frozen(datetime(2026, 11, 25, 8)):
        assert overdue.is_overdue
        auth.login("organizer")
        html = client.get("/problems/todo").get_data(as_text=True)
        assert "待受理" in html and "超期未办" in html and "待审核" not in html
        assert 'todo-badge">2<' in html
        auth.logout()
        auth.login("leader")
        html = client.get("/problems/todo").get_data(as_text=True)
        assert "待审核" in html and "待受理" not in html and 'todo-badge">1<' in html
        auth.logout()
        auth.login("officer2")
        html = client.get("/problems/todo").get_data(as_text=True)
        assert "交办曹甸" in html and "待受理" not in html and 'todo-badge">1<' in html
        auth.logout()
        auth.login("officer")  # reporter of all, member of 城关 (the overdue one)
        html = client.get("/problems/todo").get_data(as_text=True)
        assert "待确认" in html and "超期未办" in html and 'todo-badge">2<' in html
        with count_queries() as statements:
            client.get("/problems/todo")
        # The problems' part of the badge is one COUNT (消息 and other 待办 sources count
        # their own; the 附议 count is a column of the list).
        badge = [s for s in statements if "count(problem.id)" in s.lower()]
        assert len(badge) == 1


def test_list_page_runs_a_constant_number_of_queries(app, client, auth, count_queries):
    auth.login("leader")
    for i in range(3):
        walk(make_problem(f"问题{i}"), "assigned")
    with count_queries() as few:
        client.get("/problems/")
    for i in range(6):
        walk(make_problem(f"更多问题{i}", reporter="officer2"), "resolved")
    with count_queries() as many:
        assert "更多问题5" in client.get("/problems/").get_data(as_text=True)
    assert len(many) == len(few)


def test_list_filters(app, client, auth):
    walk(make_problem("十一月的问题", month="2026-11"), "assigned")
    make_problem("十月的问题", month="2026-10", at=datetime(2026, 10, 5, 9))
    auth.login("leader")
    html = client.get("/problems/?salon=2026-10").get_data(as_text=True)
    assert "十月的问题" in html and "十一月的问题" not in html
    html = client.get(f"/problems/?unit={unit('曹甸派出所').id}").get_data(as_text=True)
    assert "十一月的问题" in html and "十月的问题" not in html
    html = client.get("/problems/?state=raised").get_data(as_text=True)
    assert "十月的问题" in html and "十一月的问题" not in html
    html = client.get("/problems/?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    assert "十一月的问题" in html and "十月的问题" not in html
    assert "/problems/export.xlsx?start=2026-11-01" in html


def test_pages_need_sign_in(app, client):
    problem = make_problem()
    for url in ("/problems/", f"/problems/{problem.id}", "/problems/todo", "/problems/export.csv"):
        assert client.get(url).status_code == 302
    assert user("officer") is not None
