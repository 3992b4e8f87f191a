"""我的待办 for every person in every state, and the notices each hand-over sends."""
from datetime import date, datetime

import pytest

from salon.accounts.models import ApiToken
from salon.accounts.services import create_user
from salon.errors import NotAllowed
from salon.extensions import db
from salon.notifications.models import Notification
from salon.paging import Paging
from salon.problems.queries import todo_count, todo_lists
from salon.problems.workflow import DONE_STATES, OPEN_STATES
from salon.timeutil import frozen

from .conftest import PASSWORD_HASH
from .problem_data import make_problem, step, unit, user

PEOPLE = ("organizer", "leader", "officer2", "officer", "admin")
# Who must act, by state (officer2 is the responsible unit 曹甸, officer the reporter).
WAITING_ON = {
    "raised": {"organizer"},
    "accepted": {"organizer"},
    "assigned": {"officer2"},
    "in_progress": {"officer2"},
    "reported": {"leader"},
    "resolved": {"officer"},
}


def problem_in(state: str, **fields):
    problem = make_problem(f"待办 {state}", commit=False, **fields)
    problem.state = state
    if state not in ("raised", "accepted"):
        problem.responsible_unit = unit("曹甸派出所")
        problem.deadline = date(2099, 1, 1)
    db.session.commit()
    return problem


def lists_of(username: str) -> dict[str, list]:
    pages = todo_lists(user(username), lambda kind: Paging(1, 100))
    return {kind: page.items for kind, page in pages.items()}


def waiting(problem_id: int) -> set[str]:
    return {name for name in PEOPLE
            if any(p.id == problem_id for ps in lists_of(name).values() for p in ps)}


@pytest.mark.parametrize("state", OPEN_STATES + ("resolved",))
def test_every_open_state_waits_on_the_right_person(app, state):
    problem = problem_in(state)
    assert waiting(problem.id) == WAITING_ON[state], state
    assert WAITING_ON[state], f"nobody acts on a problem in state {state}"


def test_no_open_state_of_the_table_waits_on_nobody(app):
    for state in OPEN_STATES:
        assert state in WAITING_ON, f"add {state} to 我的待办"
        assert waiting(problem_in(state).id), state


def test_desk_sees_extensions_revisits_and_due_reviews(app):
    pending = problem_in("in_progress")
    pending.extension_until = date(2099, 2, 1)
    public = problem_in("confirmed", source="public")
    review = problem_in("confirmed")
    review.review_due = date(2026, 11, 30)
    later = problem_in("confirmed")
    later.review_due = date(2027, 3, 1)
    db.session.commit()
    with frozen(datetime(2026, 12, 1, 9)):
        lists = lists_of("organizer")
        assert [p.id for p in lists["extensions"]] == [pending.id]
        assert [p.id for p in lists["revisits_due"]] == [public.id]
        assert [p.id for p in lists["reviews_due"]] == [review.id]
        assert waiting(later.id) == set() and waiting(pending.id) == {"organizer", "officer2"}
        assert todo_count(user("organizer")) == 3


def test_done_states_wait_only_for_desk_steps(app):
    for state in DONE_STATES:
        problem = problem_in(state)
        assert waiting(problem.id) <= {"officer"}  # the reporter's confirm, nothing else


def test_api_me_todo(app, client):
    problem_in("reported")
    _, plain = ApiToken.issue(user("leader"))
    db.session.commit()
    body = client.get("/api/me/todo", headers={"Authorization": f"Bearer {plain}"}).get_json()
    assert body["total"] == 1
    [waiting_kind] = [k for k in body["kinds"] if k["problems"]]
    assert waiting_kind["kind"] == "to_approve" and waiting_kind["title"] == "待审核的报结"
    assert waiting_kind["problems"][0]["state"] == "reported"


def notices(username: str) -> list[str]:
    return list(db.session.scalars(db.select(Notification.text).filter_by(
        user_id=user(username).id, kind="problem").order_by(Notification.id)))


def test_each_hand_over_notifies_the_next_person_and_the_reporter(app):
    cosigner = create_user("officer3", "李三", "城关派出所", "officer")
    cosigner.password_hash = PASSWORD_HASH
    problem = make_problem("交接")
    step(problem, "officer3", "cosign")
    step(problem, "organizer", "accept")
    assert len(notices("officer")) == 1 and len(notices("officer3")) == 1  # state changed
    assert notices("officer2") == [] and notices("leader") == []
    step(problem, "organizer", "assign", unit=unit("曹甸派出所"), deadline=date(2026, 12, 1))
    assert "交办" in notices("officer2")[-1]
    step(problem, "officer2", "sign")
    assert "签收" in notices("organizer")[-1]
    step(problem, "officer2", "request_extension", deadline=date(2026, 12, 20), note="施工期长")
    assert "申请延期" in notices("organizer")[-1]
    before = len(notices("officer"))
    step(problem, "organizer", "approve_extension")
    assert "批准延期" in notices("officer2")[-1] and len(notices("officer")) == before
    step(problem, "organizer", "urge", note="请抓紧")
    assert "催办" in notices("officer2")[-1]
    step(problem, "officer2", "report", outcome="已整改", figures=[("新增探头", 4, "组")])
    assert "报结" in notices("organizer")[-1] and "报结" in notices("leader")[-1]
    assert "报结" in notices("officer3")[-1]
    step(problem, "leader", "reject", note="成效不实")
    assert "退回重办" in notices("officer2")[-1]
    actor_own = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(
        user_id=user("leader").id).where(Notification.text.contains("退回重办")))
    assert actor_own == 0  # the actor is never told of their own step


def test_the_unit_head_reports_and_asks_for_time_members_sign(app):
    head = create_user("suozhang", "顾所长", "曹甸派出所", "officer", unit_head=True)
    head.password_hash = PASSWORD_HASH
    db.session.commit()
    problem = problem_in("assigned")
    step(problem, "officer2", "sign")  # any member signs
    with pytest.raises(NotAllowed, match="负责人"):
        step(problem, "officer2", "report", outcome="已整改", figures=[("探头", 4, "组")])
    db.session.rollback()
    with pytest.raises(NotAllowed):
        step(problem, "officer2", "request_extension", deadline=date(2099, 2, 1), note="x")
    db.session.rollback()
    step(problem, "officer2", "progress", note="勘察完毕")  # any member reports progress
    step(problem, "suozhang", "report", outcome="已整改", figures=[("探头", 4, "组")])
    assert problem.state == "reported"


def test_only_the_head_hands_a_problem_back_and_the_desk_hears_of_it(app):
    head = create_user("suozhang", "顾所长", "曹甸派出所", "officer", unit_head=True)
    head.password_hash = PASSWORD_HASH
    db.session.commit()
    problem = problem_in("assigned")
    with pytest.raises(NotAllowed, match="负责人"):
        step(problem, "officer2", "return", note="不属本所辖区")
    db.session.rollback()
    step(problem, "suozhang", "return", note="不属本所辖区")
    assert problem.state == "accepted" and problem.responsible_unit is None
    assert "退回" in notices("organizer")[-1]
    assert waiting(problem.id) == {"organizer"}  # back on the desk's 待交办


@pytest.mark.parametrize("state", OPEN_STATES + DONE_STATES + ("declined",))
def test_state_by_role_with_a_unit_head_and_a_bystander(app, state):
    """Every state × every kind of person (desk, leader, unit head, unit member, reporter,
    an officer of another unit, admin): exactly those who must act have it in 我的待办 and
    in the badge; an open state always waits on somebody."""
    create_user("suozhang", "顾所长", "曹甸派出所", "officer", unit_head=True)
    create_user("pangren", "路人甲", "城关派出所", "officer")
    db.session.commit()
    people = (*PEOPLE, "suozhang", "pangren")
    expected = {"raised": {"organizer"}, "accepted": {"organizer"},
                "assigned": {"officer2", "suozhang"}, "in_progress": {"officer2", "suozhang"},
                "reported": {"leader"}, "resolved": {"officer"}, "confirmed": set(),
                "declined": set()}[state]
    problem = problem_in(state)
    holding = {name for name in people
               if any(p.id == problem.id for ps in lists_of(name).values() for p in ps)}
    assert holding == expected, state
    assert {name for name in people if todo_count(user(name))} == expected
    if state in OPEN_STATES:
        assert holding, f"nobody acts on a problem in state {state}"
