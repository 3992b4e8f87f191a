"""The full transition matrix (role × state × action), through the site and through the API.

The expectations are written out here by hand from the issue, independent of the service's table.
"""
from datetime import date

import pytest

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.problems.models import Problem, ProblemEvent

from .conftest import csrf_token
from .problem_data import make_problem, unit, user

STATES = ("raised", "accepted", "assigned", "in_progress", "resolved", "confirmed", "declined")
OPEN = {"raised", "accepted", "assigned", "in_progress"}
# Who is who towards the problem: the reporter is `officer` (城关派出所); the responsible unit is
# 曹甸派出所, whose member is `officer2`; organizer and admin are bystanders.
ACTORS = {"leader": "leader", "unit": "officer2", "reporter": "officer",
          "organizer": "organizer", "admin": "admin"}

# action: (states that allow it, actors that may take it, resulting state or None for "stays")
EXPECTED = {
    "accept": ({"raised"}, {"leader"}, "accepted"),
    "decline": ({"raised"}, {"leader"}, "declined"),
    "assign": ({"accepted"}, {"leader"}, "assigned"),
    "instruct": (OPEN | {"resolved"}, {"leader"}, None),
    "start": ({"assigned"}, {"unit"}, "in_progress"),
    "progress": ({"in_progress"}, {"unit"}, None),
    "resolve": ({"in_progress"}, {"leader"}, "resolved"),
    "confirm": ({"resolved"}, {"reporter"}, "confirmed"),
    "dispute": ({"resolved"}, {"reporter"}, "in_progress"),
    "cosign": (OPEN, {"leader", "unit", "organizer"}, None),
}

VALID_INPUT = {
    "decline": {"note": "不属于公安职责"},
    "assign": {"unit": "曹甸派出所", "deadline": "2099-12-31"},
    "instruct": {"note": "抓紧办理"},
    "progress": {"note": "已勘察点位"},
    "resolve": {"outcome": "新增探头",
                "figures": [{"label": "新增探头", "value": 16, "unit": "组"}]},
    "confirm": {"satisfaction": "satisfied"},
    "dispute": {"satisfaction": "unsatisfied", "note": "仍有盲区"},
}


def problem_in(state: str) -> Problem:
    """A problem put straight into `state` (the matrix tests each step, not the path)."""
    problem = make_problem(f"矩阵 {state}", commit=False)
    problem.state = state
    problem.responsible_unit = unit("曹甸派出所")
    problem.deadline = date(2099, 12, 1)
    return problem


def expected_status(action: str, actor: str, state: str, api: bool) -> int:
    states, actors, _ = EXPECTED[action]
    if actor not in actors:
        return 403
    if state not in states:
        return 409 if api else 403
    return 200 if api else 302


def site_form(action: str) -> dict:
    data = dict(VALID_INPUT.get(action, {}))
    if action == "assign":
        data["unit"] = str(unit("曹甸派出所").id)
    if action == "resolve":
        figure = data.pop("figures")[0]
        data.update({"figures-0-label": figure["label"], "figures-0-value": str(figure["value"]),
                     "figures-0-unit": figure["unit"]})
    return data


def check(problem_id: int, before_events: int, action: str, state: str, allowed: bool) -> None:
    db.session.expire_all()
    problem = db.session.get(Problem, problem_id)
    count = db.session.scalar(
        db.select(db.func.count(ProblemEvent.id)).filter_by(problem_id=problem_id))
    if allowed:
        target = EXPECTED[action][2] or state
        assert problem.state == target
        assert count == before_events + 1
    else:
        assert problem.state == state, "a refused step must change nothing"
        assert count == before_events


def cases(actor: str, api: bool):
    """Every (action, state) for this actor with the expected status and a problem to try it
    on: a fresh one when the step should succeed, else one shared per state (nothing changes)."""
    shared, planned = {}, []
    for action in EXPECTED:
        for state in STATES:
            want = expected_status(action, actor, state, api)
            if want in (200, 302):
                problem = problem_in(state)
            else:
                problem = shared.get(state) or shared.setdefault(state, problem_in(state))
            planned.append((action, state, want, problem))
    db.session.commit()  # one commit for all of them: the disk is the slow part
    return [(action, state, want, p.id, 1) for action, state, want, p in planned]


@pytest.mark.parametrize("actor", list(ACTORS))
def test_matrix_through_the_site(app, client, actor):
    token = csrf_token(client)
    client.post("/login", data={"username": ACTORS[actor], "password": "Passw0rd!",
                                "csrf_token": token})
    token = csrf_token(client, "/")
    for action, state, want, problem_id, events in cases(actor, api=False):
        data = dict(site_form(action), action=action, csrf_token=token)
        response = client.post(f"/problems/{problem_id}/act", data=data)
        assert response.status_code == want, (action, actor, state, response.status_code)
        check(problem_id, events, action, state, allowed=want == 302)


@pytest.mark.parametrize("actor", list(ACTORS))
def test_matrix_through_the_api(app, client, actor):
    _, token = ApiToken.issue(user(ACTORS[actor]))
    db.session.commit()
    for action, state, want, problem_id, events in cases(actor, api=True):
        response = client.post(f"/api/problems/{problem_id}/events",
                               json=dict(VALID_INPUT.get(action, {}), action=action),
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == want, (action, actor, state, response.get_json())
        body = response.get_json()
        if want == 200:
            assert body["state"] == (EXPECTED[action][2] or state)
        else:
            assert body["error"]
        check(problem_id, events, action, state, allowed=want == 200)
