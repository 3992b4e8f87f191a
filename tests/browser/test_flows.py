"""The main user flows in a real Chromium, as officers, organizers and leaders do them."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot
from .seed import unit_head

pytestmark = pytest.mark.browser


def file_problem(page, live_server, title: str, body: str) -> int:
    """An officer writes a problem report through the form; the new post's id."""
    page.goto(live_server("/posts/new?kind=problem"))
    page.get_by_label("标题").fill(title)
    page.get_by_label("正文").fill(body)
    page.get_by_label("标签").fill("警务室、信息化")
    page.get_by_label("扫描（发现了什么问题）").fill("群众到警务室办事，需回派出所录入。")
    page.get_by_label("分析（原因是什么）").fill("警务室没有接入户政网。")
    page.get_by_label("应对建议").fill("为警务室开通专线。")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("稿件已提交。")).to_be_visible()
    return int(re.search(r"/posts/(\d+)", page.url).group(1))


def panel(page):
    return page.locator("section.problem-panel")


def take_step(page, action: str, button: str, fill: dict | None = None) -> None:
    """Open a workflow step's form in the problem panel, fill it in and send it."""
    details = panel(page).locator(f"details.action-{action}")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    for label, value in (fill or {}).items():
        field = details.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    details.get_by_role("button", name=button, exact=True).click()


def expect_state(page, label: str) -> None:
    expect(panel(page).locator(".card-header")).to_contain_text(label)


def test_officer_reports_a_problem_sees_similar_ones_and_a_colleague_cosigns(open_as,
                                                                             live_server):
    officer = open_as("officer")
    officer.goto(live_server("/posts/new?kind=problem"))
    officer.get_by_label("标题").press_sequentially("警务室信息系统不通", delay=40)
    similar = officer.locator("#similar-problems")
    expect(similar).to_be_visible()
    expect(similar).to_contain_text("信息系统不通")
    screenshot(officer, "post-new-similar-problems")

    title = "警务室户政网络断网，群众办证跑两趟"
    post_id = file_problem(officer, live_server, title, "城郊警务室**每周断网两三次**。")
    expect(officer.locator("h1")).to_have_text(title)
    expect_state(officer, "已提出")
    screenshot(officer, "post-problem")

    colleague = open_as("officer2")
    colleague.goto(live_server(f"/posts/{post_id}"))
    panel(colleague).get_by_role("button", name="附议").click()
    expect(colleague.get_by_text("已附议。")).to_be_visible()
    expect(panel(colleague).locator(".cosign-count")).to_have_text("1")
    expect(panel(colleague)).to_contain_text("您已附议该问题")

    # The report is searchable at once, by a two-character term.
    officer.get_by_label("搜索", exact=True).fill("断网")
    officer.get_by_label("搜索", exact=True).press("Enter")
    expect(officer.locator("ol.search-results")).to_contain_text(title)
    screenshot(officer, "search")


def test_the_desk_assigns_the_unit_reports_a_leader_approves_the_reporter_confirms(
        open_as, live_server):
    officer = open_as("officer")
    post_id = file_problem(officer, live_server, "老旧小区电动车充电无处，飞线充电隐患大",
                           "辖区三个老旧小区没有集中充电桩。")

    desk = open_as("organizer")
    desk.goto(live_server(f"/posts/{post_id}"))
    panel(desk).get_by_role("button", name="受理").click()
    expect_state(desk, "已受理")
    take_step(desk, "assign", "交办", {"责任单位": "曹甸派出所", "办理时限": "2026-12-31"})
    expect_state(desk, "已交办")

    leader = open_as("leader")
    leader.goto(live_server(f"/posts/{post_id}"))
    take_step(leader, "instruct", "批示", {"批示内容": "请曹甸所会同街道月底前拿出方案。"})
    expect(panel(leader).locator(".instructions")).to_contain_text("月底前拿出方案")
    screenshot(leader, "problem-assigned")

    unit = open_as("officer2")   # 曹甸派出所, the responsible unit
    unit.goto(live_server(f"/posts/{post_id}"))
    panel(unit).get_by_role("button", name="签收").click()
    expect_state(unit, "办理中")

    head = open_as(unit_head(live_server.app, "曹甸派出所"))  # the 所长 reports it done
    head.goto(live_server(f"/posts/{post_id}"))
    take_step(head, "report", "报结", {"办理结果": "协调街道新建集中充电棚两处。",
                                       "指标1": "新建充电棚", "数值1": "2", "计量单位1": "处"})
    expect_state(head, "已报结")
    expect(panel(head).locator(".outcome-figures")).to_contain_text("新建充电棚")

    leader.reload()
    panel(leader).locator("details.action-approve summary").click()
    panel(leader).get_by_role("button", name="审核通过", exact=True).click()
    expect_state(leader, "已办结")

    officer.goto(live_server(f"/posts/{post_id}"))
    details = panel(officer).locator("details.action-confirm")
    details.locator("summary").click()
    details.get_by_label("满意", exact=True).check()
    details.get_by_label("已解决", exact=True).check()
    details.get_by_role("button", name="确认办结").click()
    expect_state(officer, "已确认")
    problem_link = panel(officer).locator("#problem-panel-title").inner_text()
    problem_id = int(re.search(r"#(\d+)", problem_link).group(1))
    officer.goto(live_server(f"/problems/{problem_id}"))
    expect(officer.locator(".timeline")).to_contain_text("已办结 → 已确认")
    screenshot(officer, "problem-confirmed")

    leader.goto(live_server("/dashboard/"))
    expect(leader.locator("main")).to_be_visible()
    screenshot(leader, "dashboard")
