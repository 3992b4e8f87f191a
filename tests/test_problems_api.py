"""The problems API with bearer tokens: list, detail, steps, errors."""
from datetime import date, datetime

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.timeutil import frozen

from .conftest import csrf_token
from .problem_data import make_problem, step, unit, user, walk


def bearer(username: str) -> dict:
    _, plain = ApiToken.issue(user(username))
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_follow_a_problem_from_raised_to_confirmed_with_tokens(app, client):
    problem_id = make_problem().id
    leader, desk = bearer("leader"), bearer("organizer")
    unit_member, reporter = bearer("officer2"), bearer("officer")

    def event(headers, **payload):
        return client.post(f"/api/problems/{problem_id}/events", json=payload, headers=headers)

    assert event(desk, action="accept").get_json()["state"] == "accepted"
    assert event(leader, action="instruct", note="限期一个月").status_code == 200
    response = event(desk, action="assign", unit="曹甸派出所", deadline="2099-06-30")
    assert response.status_code == 200 and response.get_json()["state"] == "assigned"
    assert event(unit_member, action="sign").get_json()["state"] == "in_progress"
    response = event(unit_member, action="report", outcome="已新增探头")
    assert response.status_code == 400 and "成效数据" in response.get_json()["error"]
    assert response.get_json()["field"] == "figures"
    response = event(unit_member, action="report", outcome="已新增探头",
                     figures=[{"label": "新增探头", "value": 16, "unit": "组"},
                              {"label": "调整探头", "value": 27, "unit": "组"}])
    assert response.get_json()["state"] == "reported"
    assert event(leader, action="approve").get_json()["state"] == "resolved"
    response = event(reporter, action="confirm", satisfaction="basically")
    assert response.status_code == 400 and response.get_json()["field"] == "solved"
    response = event(reporter, action="confirm", satisfaction="basically", solved="partly")
    assert response.get_json()["state"] == "confirmed"

    body = client.get(f"/api/problems/{problem_id}", headers=leader).get_json()
    assert body["state"] == "confirmed" and body["unit"] == "曹甸派出所"
    assert body["deadline"] == "2099-06-30" and body["instruction"] == "限期一个月"
    assert body["outcome"] == "已新增探头" and body["satisfaction"] == "basically"
    assert body["solved"] == "partly" and body["earlier_results"] == []
    assert body["figures"] == [{"label": "新增探头", "value": 16.0, "unit": "组"},
                               {"label": "调整探头", "value": 27.0, "unit": "组"}]
    assert [e["action"] for e in body["events"]] == [
        "raise", "accept", "instruct", "assign", "sign", "report", "approve", "confirm"]
    assert body["events"][3]["data"] == {"unit": "曹甸派出所", "deadline": "2099-06-30"}
    assert body["events"][3]["from"] == "accepted" and body["events"][3]["to"] == "assigned"


def test_list_filters_state_unit_overdue(app, client):
    late = walk(make_problem("超期问题"), "assigned", deadline=date(2026, 11, 20))
    walk(make_problem("城关问题"), "assigned", unit_name="城关派出所", deadline=date(2026, 12, 30))
    make_problem("新问题")
    headers = bearer("officer")
    with frozen(datetime(2026, 11, 25, 9)):
        body = client.get("/api/problems?overdue=1", headers=headers).get_json()
        assert [p["id"] for p in body["problems"]] == [late.id] and body["problems"][0]["overdue"]
        body = client.get("/api/problems?unit=城关派出所", headers=headers).get_json()
        assert [p["title"] for p in body["problems"]] == ["城关问题"]
        unit_id = body["problems"][0]["unit_id"]
        assert client.get(f"/api/problems?unit={unit_id}", headers=headers).get_json()["total"] == 1
        body = client.get("/api/problems?state=raised", headers=headers).get_json()
        assert [p["title"] for p in body["problems"]] == ["新问题"]
        assert client.get("/api/problems?unit=不存在", headers=headers).get_json()["total"] == 0
    body = client.get("/api/problems?state=raised", headers=bearer("organizer")).get_json()
    assert len(body["problems"][0]["events"]) == 1


def test_officers_get_the_list_columns_not_the_ledger(app, client):
    """The ledger export refuses officers; /api/problems gives them only what the list shows."""
    step(walk(make_problem("有批示的问题"), "assigned"), "leader", "instruct", note="内部批示")
    officer, leader = bearer("officer"), bearer("leader")
    row = client.get("/api/problems", headers=officer).get_json()["problems"][0]
    assert row["title"] == "有批示的问题" and row["state"] == "assigned"
    for hidden in ("events", "instructions", "instruction", "scan", "analysis", "proposal",
                   "outcome", "figures"):
        assert hidden not in row, hidden
    assert "内部批示" not in client.get("/api/problems", headers=officer).get_data(as_text=True)
    full = client.get("/api/problems", headers=leader).get_json()["problems"][0]
    assert full["instruction"] == "内部批示" and full["events"]
    assert client.get("/problems/export.csv", headers=officer).status_code == 403
    assert app.test_client().get("/problems/export.csv", headers=leader).status_code == 200


def test_the_list_is_paginated_with_its_total(app, client):
    for number in range(5):
        make_problem(f"问题{number}", at=datetime(2026, 11, 2 + number, 9))
    headers = bearer("leader")
    body = client.get("/api/problems?limit=2&page=2", headers=headers).get_json()
    assert body["total"] == 5 and body["page"] == 2 and body["limit"] == 2 and body["pages"] == 3
    assert [p["title"] for p in body["problems"]] == ["问题2", "问题1"]
    assert len(client.get("/api/problems", headers=headers).get_json()["problems"]) == 5
    for bad in ("limit=0", "limit=101", "page=0", "page=x", "limit=%C2%B2", "page=99999999999"):
        response = client.get(f"/api/problems?{bad}", headers=headers)
        assert response.status_code == 400 and response.get_json()["error"], bad


def test_errors_are_json_with_the_right_status(app, client):
    problem = make_problem()
    leader = bearer("organizer")  # the desk
    url = f"/api/problems/{problem.id}/events"
    assert client.get("/api/problems").status_code == 401
    assert client.post(url, json={"action": "fly"}, headers=leader).status_code == 400
    assert client.post(url, data="x", headers=leader).status_code == 400
    assert client.post(url, json={"action": "sign"}, headers=leader).status_code == 403
    assert client.post(url, json={"action": "approve"}, headers=leader).status_code == 403
    assert client.post(url, json={"action": "assign"}, headers=leader).status_code == 409
    response = client.post(url, json={"action": "decline"}, headers=leader)
    assert response.status_code == 400 and "理由" in response.get_json()["error"]
    assert response.get_json()["field"] == "note"
    response = client.post(url, json={"action": "decline", "note": 5}, headers=leader)
    assert response.status_code == 400 and response.get_json()["field"] == "note"
    step(problem, "organizer", "accept")
    for bad in ({"unit": "无此单位", "deadline": "2099-01-01"},
                {"unit": "曹甸派出所", "deadline": "明天"},
                {"unit": "曹甸派出所"}):
        response = client.post(url, json={"action": "assign", **bad}, headers=leader)
        assert response.status_code == 400, bad
    response = client.post(url, json={"action": "assign", "unit": "曹甸派出所",
                                      "deadline": "2099-01-01", "figures": "x"}, headers=leader)
    assert response.status_code == 400
    assert client.get("/api/problems/9999", headers=leader).status_code == 404
    db.session.expire_all()
    assert problem.state == "accepted" and len(problem.events) == 2


def test_session_calls_that_change_state_need_csrf(app, client, auth):
    problem = make_problem()
    auth.login("organizer")
    response = client.post(f"/api/problems/{problem.id}/events", json={"action": "accept"})
    assert response.status_code == 400
    db.session.expire_all()
    assert problem.state == "raised"


def test_an_admin_takes_no_problem_step_even_in_the_responsible_unit(app, client, auth):
    """Admins manage users and units only: refused on the API and on the site (server-side)."""
    problem = walk(make_problem(), "accepted")
    step(problem, "organizer", "assign", unit=unit("科技信息化科"), deadline=date(2026, 12, 1))
    admin = bearer("admin")  # a member of 科技信息化科, the responsible unit
    response = client.post(f"/api/problems/{problem.id}/events", json={"action": "sign"},
                           headers=admin)
    assert response.status_code == 403 and response.get_json()["error"]
    auth.login("admin")
    response = client.post(f"/problems/{problem.id}/act", data={
        "action": "sign", "csrf_token": csrf_token(client, f"/posts/{problem.post_id}")})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(problem), problem.id).state == "assigned"
