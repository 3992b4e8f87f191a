"""The 督办 work order in Chromium: one 群众建议 from 受理 to 回头看, five people taking turns.

At every step the test looks at each person's 我的待办 (the problem is there for exactly the
people it now waits on) and at the 消息 of the step (exactly the people it hands work to, or
tells of a change of state, are told, and see it in their 消息中心). Screenshots of each
person's view are saved at 1366 and 390 px.
"""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from salon.accounts.models import User
from salon.extensions import db
from salon.notifications.models import Notification
from salon.posts.models import Post
from salon.problems.models import Problem, ProblemEvent
from salon.problems.services import open_problem

from .conftest import screenshot
from .seed import unit_head
from .test_flows import expect_state, panel, take_step

TITLE = "群众反映：夜市散场后噪音扰民、占道经营"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


@pytest.fixture
def people(open_as, live_server):
    """The desk, the 曹甸 所长 (unit head), a 曹甸 officer, a leader and the reporter."""
    head_name = unit_head(live_server.app, "曹甸派出所")
    names = {"desk": "organizer", "head": head_name, "member": "officer2", "leader": "leader",
             "reporter": "officer"}
    return {role: (username, open_as(username)) for role, username in names.items()}


def raise_public_problem(live_server) -> tuple[int, int]:
    """The reporter records a citizen's suggestion (群众建议) as a problem report."""
    with live_server.app.app_context():
        reporter = db.session.scalar(db.select(User).filter_by(username="officer"))
        post = Post(kind="problem", title=TITLE, body="夜市十点后仍有高声喧哗，摊点占用人行道。",
                    author=reporter, unit=reporter.unit, status="submitted")
        db.session.add(post)
        problem = open_problem(post, reporter, source="public", scan="夜市噪音、占道",
                               analysis="散场无人管理", proposal="定时清场、划线经营")
        db.session.commit()
        return problem.id, post.id


def in_todo(page, live_server) -> bool:
    page.goto(live_server("/problems/todo"))
    return TITLE in page.locator("main").inner_text()


def last_event(live_server, problem_id: int) -> tuple[int, str]:
    with live_server.app.app_context():
        event = db.session.scalar(db.select(ProblemEvent).filter_by(problem_id=problem_id)
                                  .order_by(ProblemEvent.id.desc()).limit(1))
        return event.id, event.action


def told(live_server, event_id: int, people: dict) -> set[str]:
    """Which of our five received the notice of this event."""
    with live_server.app.app_context():
        ids = set(db.session.scalars(db.select(Notification.user_id).filter_by(
            dedupe_key=f"problem-event:{event_id}")))
        users = {u.username: u.id for u in db.session.scalars(db.select(User))}
    return {role for role, (username, _) in people.items() if users[username] in ids}


def check(people, live_server, problem_id: int, label: str, waits_on: set, tells: set):
    """After a step: whose 待办 holds the problem, who was told, and what 消息 shows."""
    holding = {role for role, (_, page) in people.items() if in_todo(page, live_server)}
    assert holding == waits_on, (label, holding)
    event_id, _ = last_event(live_server, problem_id)
    assert told(live_server, event_id, people) == tells, label
    for role in tells:
        page = people[role][1]
        page.goto(live_server("/messages/"))
        expect(page.locator("main")).to_contain_text(f"{label}了问题 #{problem_id}")


# On a phone: nothing scrolls sideways; the list's rows are cards whose title and 责任单位
# take the card's width (not three characters a line); the step buttons are a thumb's size;
# the 待办 and 消息 badges stay in the bar, outside the collapsed menu.
PHONE_FIT = """() => {
  const found = [];
  const width = window.innerWidth;
  if (document.scrollingElement.scrollWidth > width)
    found.push('page is ' + document.scrollingElement.scrollWidth + ' px wide');
  for (const cell of document.querySelectorAll('.problem-list td.problem-title, '
                                               + '.problem-list td[data-label="责任单位"]')) {
    const box = cell.getBoundingClientRect();
    if (box.width > 0 && box.width < width * 0.7)
      found.push('list cell ' + Math.round(box.width) + ' px wide: ' + cell.innerText.slice(0, 12));
  }
  for (const button of document.querySelectorAll('.action-button')) {
    const box = button.getBoundingClientRect();
    if (box.width > 0 && (box.height < 40 || box.width < width * 0.6))
      found.push('button ' + button.innerText + ' ' + Math.round(box.width) + '×'
                 + Math.round(box.height));
  }
  for (const badge of document.querySelectorAll('.nav-badges a')) {
    const box = badge.getBoundingClientRect();
    if (box.width === 0 || box.right > width) found.push('badge hidden: ' + badge.innerText);
  }
  return found;
}"""


def shots(page, live_server, post_id: int, name: str) -> None:
    """The person's problem page, 我的待办, the list and 消息 at 1366 and at 390 px (there
    checked to read and work on a phone)."""
    for size, suffix in ((DESK, "1366"), (PHONE, "390")):
        page.set_viewport_size(size)
        for path, what in ((f"/posts/{post_id}", "problem"), ("/problems/todo", "todo"),
                           ("/problems/", "list"), ("/messages/", "messages")):
            page.goto(live_server(path))
            screenshot(page, f"workorder-{name}-{what}-{suffix}")
            if size is PHONE:
                assert page.evaluate(PHONE_FIT) == [], (name, what)
    page.set_viewport_size(DESK)


def test_a_public_suggestion_goes_through_the_whole_work_order(people, live_server):
    problem_id, post_id = raise_public_problem(live_server)
    desk, head, member = people["desk"][1], people["head"][1], people["member"][1]
    leader, reporter = people["leader"][1], people["reporter"][1]
    url = live_server(f"/posts/{post_id}")
    unit = {"head", "member"}
    assert {r for r, (_, p) in people.items() if in_todo(p, live_server)} == {"desk"}

    desk.goto(url)
    panel(desk).get_by_role("button", name="受理").click()
    expect_state(desk, "已受理")
    check(people, live_server, problem_id, "受理", {"desk"}, {"reporter"})

    deadline = (date.today() + timedelta(days=20)).isoformat()
    desk.goto(url)
    take_step(desk, "assign", "交办", {"责任单位": "曹甸派出所", "办理时限": deadline})
    expect_state(desk, "已交办")
    check(people, live_server, problem_id, "交办", unit, unit | {"reporter"})

    member.set_viewport_size(PHONE)  # the officer signs on a phone (警务通)
    member.goto(url)
    panel(member).get_by_role("button", name="签收").click()
    expect_state(member, "办理中")
    member.set_viewport_size(DESK)
    check(people, live_server, problem_id, "签收", unit, {"desk", "reporter"})

    later = (date.today() + timedelta(days=40)).isoformat()
    head.goto(url)
    expect(panel(head).locator("details.action-request_extension")).to_have_count(1)
    take_step(head, "request_extension", "申请延期",
              {"延期至": later, "延期理由": "需协调城管、市场监管联合整治。"})
    expect(panel(head).locator(".extension-pending")).to_contain_text("待审批")
    check(people, live_server, problem_id, "申请延期", unit | {"desk"}, {"desk"})
    shots(desk, live_server, post_id, "desk")

    desk.goto(url)
    take_step(desk, "approve_extension", "批准延期")
    expect(panel(desk).locator(".deadline-history")).to_contain_text(later)
    check(people, live_server, problem_id, "批准延期", unit, unit)

    stage_due = (date.today() + timedelta(days=10)).isoformat()
    member.goto(url)
    take_step(member, "progress", "办理进展", {"办理进展": "制定整治方案，分两个阶段。",
                                              "新阶段名称": "第一阶段：划线定点经营",
                                              "新阶段时限": stage_due})
    expect(panel(member).locator(".stages")).to_contain_text("第一阶段：划线定点经营")
    details = panel(member).locator("details.action-progress")
    details.locator("summary").click()
    details.get_by_label("完成一个阶段（须填成效数据）").select_option(index=1)
    details.get_by_label("办理进展").fill("已划线定点。")
    details.get_by_label("指标1").fill("划定经营点位")
    details.get_by_label("数值1").fill("46")
    details.get_by_label("计量单位1").fill("个")
    details.get_by_role("button", name="办理进展", exact=True).click()
    expect(panel(member).locator(".stages")).to_contain_text("已完成")
    check(people, live_server, problem_id, "办理进展", unit, set())
    shots(member, live_server, post_id, "unit-member")

    def report(outcome: str, value: str) -> None:
        head.goto(url)
        details = panel(head).locator("details.action-report")
        details.locator("summary").click()
        details.get_by_label("办理结果").fill(outcome)
        details.get_by_label("指标1").fill("噪音投诉")
        details.get_by_label("数值1").fill("很多")  # a bad figure: nothing typed is lost
        details.get_by_role("button", name="报结", exact=True).click()
        expect(head.get_by_text("成效数值须为数字")).to_be_visible()
        expect(panel(head).locator("details.action-report textarea[name=outcome]")) \
            .to_have_value(outcome)
        panel(head).locator("details.action-report").get_by_label("数值1").fill(value)
        panel(head).locator("details.action-report").get_by_role(
            "button", name="报结", exact=True).click()
        expect_state(head, "已报结")

    report("夜市十点清场，设专人巡查。", "3")
    check(people, live_server, problem_id, "报结", {"leader"}, {"desk", "leader", "reporter"})
    shots(head, live_server, post_id, "unit-head")

    leader.goto(url)
    take_step(leader, "reject", "退回重办", {"退回重办理由": "占道经营未见成效数据，请补充。"})
    expect_state(leader, "办理中")
    expect(panel(leader).locator(".earlier-results")).to_contain_text("第1次报结，被局领导退回重办")
    check(people, live_server, problem_id, "退回重办", unit, unit | {"reporter"})

    report("夜市十点清场，划线经营，占道清零。", "2")
    check(people, live_server, problem_id, "报结", {"leader"}, {"desk", "leader", "reporter"})
    shots(leader, live_server, post_id, "leader")

    leader.goto(url)
    take_step(leader, "approve", "审核通过")
    expect_state(leader, "已办结")
    check(people, live_server, problem_id, "审核通过", {"desk", "reporter"}, {"reporter"})
    shots(reporter, live_server, post_id, "reporter")

    desk.goto(url)
    details = panel(desk).locator("details.action-revisit")
    details.locator("summary").click()
    details.get_by_label("满意", exact=True).check()
    details.get_by_label("已解决", exact=True).check()
    details.get_by_label("回访记录").fill("电话回访摊贩与居民，夜间已安静。")
    details.get_by_role("button", name="回访", exact=True).click()
    expect(panel(desk).locator(".problem-facts")).to_contain_text("满意，已解决")
    check(people, live_server, problem_id, "回访", {"reporter"}, set())

    desk.goto(url)
    details = panel(desk).locator("details.action-review")
    details.locator("summary").click()
    details.get_by_label("巩固", exact=True).check()
    details.get_by_label("指标1").fill("夜间噪音投诉")
    details.get_by_label("数值1").fill("0")
    details.get_by_label("计量单位1").fill("起")
    details.get_by_role("button", name="回头看", exact=True).click()
    expect(panel(desk).locator(".reviews")).to_contain_text("巩固")
    check(people, live_server, problem_id, "回头看", {"reporter"}, set())
    with live_server.app.app_context():
        problem = db.session.get(Problem, problem_id)
        assert problem.state == "resolved" and problem.revisit_satisfaction == "satisfied"
        assert [r.ended for r in problem.results] == ["rejected"]
        assert problem.deadline.isoformat() == later
