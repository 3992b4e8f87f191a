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

STATES = ("raised", "accepted", "assigned", "in_progress", "reported", "resolved", "confirmed",
          "declined")
OPEN = {"raised", "accepted", "assigned", "in_progress", "reported"}
DONE = {"resolved", "confirmed"}
WORKING = {"assigned", "in_progress"}
# Who is who towards the problem: the reporter is `officer` (城关派出所); the responsible unit is
# 曹甸派出所, whose only member (no head: so any member reports) is `officer2`; the desk is
# `organizer`; admin manages users only.
ACTORS = {"leader": "leader", "unit": "officer2", "reporter": "officer",
          "organizer": "organizer", "admin": "admin"}

# action: (states that allow it, actors that may take it, resulting state or None for "stays")
EXPECTED = {
    "accept": ({"raised"}, {"organizer"}, "accepted"),
    "decline": ({"raised"}, {"organizer"}, "declined"),
    "assign": ({"accepted"}, {"organizer"}, "assigned"),
    "sign": ({"assigned"}, {"unit"}, "in_progress"),
    "return": ({"assigned"}, {"unit"}, "accepted"),
    "reassign": (WORKING, {"organizer"}, "assigned"),
    "progress": (OPEN, {"unit"}, None),
    "report": ({"in_progress"}, {"unit"}, "reported"),
    "approve": ({"reported"}, {"leader"}, "resolved"),
    "reject": ({"reported"}, {"leader"}, "in_progress"),
    "confirm": ({"resolved"}, {"reporter"}, "confirmed"),
    "dispute": ({"resolved"}, {"reporter"}, "in_progress"),
    "revisit": (DONE, {"organizer"}, None),
    "review": (DONE, {"organizer"}, None),
    "instruct": (OPEN | DONE, {"leader"}, None),
    "urge": (OPEN, {"organizer"}, None),
    "request_extension": (WORKING, {"unit"}, None),
    "approve_extension": (WORKING, {"organizer", "leader"}, None),
    "deny_extension": (WORKING, {"organizer", "leader"}, None),
    "escalate": ({"accepted", "assigned", "in_progress"}, {"organizer"}, None),
    "cosign": (OPEN, {"leader", "unit", "organizer"}, None),
}
# These need an extension request waiting; every other step is tried on a problem without one.
NEEDS_PENDING = {"approve_extension", "deny_extension"}

FIGURES = [{"label": "新增探头", "value": 16, "unit": "组"}]
VALID_INPUT = {
    "decline": {"note": "不属于公安职责"},
    "assign": {"unit": "曹甸派出所", "deadline": "2099-12-31"},
    "return": {"note": "不属本单位"},
    "reassign": {"unit": "城关派出所", "deadline": "2099-12-31", "note": "改由城关所办理"},
    "instruct": {"note": "抓紧办理"},
    "progress": {"note": "已勘察点位"},
    "report": {"outcome": "新增探头", "figures": FIGURES},
    "reject": {"note": "成效不实"},
    "confirm": {"satisfaction": "satisfied", "solved": "solved"},
    "dispute": {"note": "仍有盲区"},
    "revisit": {"satisfaction": "basically", "solved": "solved"},
    "review": {"verdict": "held", "figures": FIGURES},
    "request_extension": {"deadline": "2100-01-31", "note": "施工期长"},
    "deny_extension": {"note": "时限足够"},
    "escalate": {"body": "县政府", "note": "资金需县政府统筹"},
}


def problem_in(state: str, pending: bool = False) -> Problem:
    """A 群众建议 put straight into `state` (the matrix tests each step, not the path)."""
    problem = make_problem(f"矩阵 {state}", commit=False, source="public")
    problem.state = state
    problem.responsible_unit = unit("曹甸派出所")
    problem.deadline = date(2099, 12, 1)
    if pending:
        problem.extension_until, problem.extension_reason = date(2100, 1, 31), "施工期长"
    return problem


def expected_status(action: str, actor: str, state: str, api: bool) -> int:
    states, actors, _ = EXPECTED[action]
    if actor not in actors:
        return 403
    if state not in states:
        return 409
    return 200 if api else 302


def site_form(action: str) -> dict:
    data = dict(VALID_INPUT.get(action, {}))
    if "unit" in data:
        data["unit"] = str(unit(data["unit"]).id)
    if "figures" in data:
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
        pending = action in NEEDS_PENDING
        for state in STATES:
            want = expected_status(action, actor, state, api)
            if want in (200, 302):
                problem = problem_in(state, pending)
            else:
                problem = shared.get((state, pending)) or shared.setdefault(
                    (state, pending), problem_in(state, pending))
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
