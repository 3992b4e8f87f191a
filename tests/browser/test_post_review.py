"""所长审核 in a real Chromium (SALON_POST_REVIEW=unit_head): an officer submits, the 所长
returns it with a comment, the officer fixes and resubmits, the 所长 approves — and only then
do other officers find it in the list and in search. Screenshots at 1366 and 390 px."""
import re

import pytest
from playwright.sync_api import expect

from salon.accounts.models import User
from salon.extensions import db
from tests.conftest import PASSWORD_HASH

from .conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TITLE = "蓝莓巷电动车防盗宣传的做法"
WORD = "蓝莓巷"


@pytest.fixture
def review_on(live_server):
    """Review switched on for this test; the demo's 城关派出所 所长 (suozhang1) signs in."""
    app = live_server.app
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="suozhang1"))
        head.password_hash = PASSWORD_HASH
        db.session.commit()
    app.config["POST_REVIEW"] = "unit_head"
    yield
    app.config["POST_REVIEW"] = ""


def both_widths(page, name: str) -> None:
    """Screenshots at 1366 and 390 px; at 390 nothing may scroll sideways."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways at 390 px ({width} px)"
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def others_find_it(page, live_server, post_path: str) -> tuple[bool, bool]:
    """(in the post list, in search) for another officer."""
    page.goto(live_server("/posts/"))
    in_list = page.get_by_role("link", name=TITLE).count() > 0
    page.get_by_label("搜索", exact=True).fill(WORD)
    page.get_by_label("搜索", exact=True).press("Enter")
    page.wait_for_load_state()
    in_search = page.locator(f"a[href='{post_path}']").count() > 0
    return in_list, in_search


def test_submit_return_resubmit_approve_then_everyone_finds_it(open_as, live_server, review_on):
    officer, head, other = open_as("officer"), open_as("suozhang1"), open_as("officer2")

    officer.goto(live_server("/posts/new"))
    expect(officer.get_by_text("点“提交审核”后交本单位所长审核")).to_be_visible()
    officer.get_by_label("标题").fill(TITLE)
    officer.get_by_label("正文").fill(
        f"{WORD}社区今年登记电动车 300 辆。\n\n车主张三、李四反映效果好。")
    officer.get_by_role("button", name="提交审核").click()
    expect(officer.get_by_text("稿件已提交，等待所长审核")).to_be_visible()
    post_path = re.search(r"/posts/\d+", officer.url).group(0)
    expect(officer.locator(".review-panel")).to_contain_text("待所长审核")
    expect(officer.locator(".review-panel")).to_contain_text("李明")
    both_widths(officer, "review-pending-author")
    assert others_find_it(other, live_server, post_path) == (False, False)
    assert other.goto(live_server(post_path)).status == 404

    # the 所长: 我的待办 → the post → 退回修改 (an empty comment is refused first)
    head.goto(live_server("/problems/todo"))
    section = head.locator(".todo-post_review")
    expect(section).to_contain_text("待我审核的稿件")
    both_widths(head, "review-todo")
    section.get_by_role("link", name=TITLE).click()
    both_widths(head, "review-reviewer")
    head.get_by_role("button", name="退回修改").click()
    expect(head.get_by_text("退回修改须填写意见")).to_be_visible()
    head.get_by_label("审核意见（退回时必填）").fill("请删去车主姓名，并写明登记前后发案的对比。")
    head.get_by_role("button", name="退回修改").click()
    expect(head.get_by_text("已退回作者修改")).to_be_visible()

    # the officer sees why, fixes it and resubmits
    officer.goto(live_server(post_path))
    expect(officer.locator(".review-panel")).to_contain_text("请删去车主姓名")
    both_widths(officer, "review-returned-author")
    officer.goto(live_server("/posts/?drafts=1"))
    expect(officer.get_by_text("退回意见：请删去车主姓名")).to_be_visible()
    both_widths(officer, "review-my-drafts")
    officer.goto(live_server(post_path))
    officer.get_by_role("link", name="按意见修改并重新提交").click()
    expect(officer.locator(".review-returned")).to_contain_text("请删去车主姓名")
    both_widths(officer, "review-editor-returned")
    officer.get_by_label("正文").fill(
        f"{WORD}社区今年登记电动车 300 辆，登记后三个月被盗 2 辆，上年同期 9 辆。")
    officer.get_by_role("button", name="重新提交审核").click()
    expect(officer.get_by_text("稿件已提交，等待所长审核")).to_be_visible()
    assert others_find_it(other, live_server, post_path) == (False, False)

    # the 所长 approves: now everyone finds it
    head.goto(live_server(post_path))
    head.get_by_role("button", name="审核通过").click()
    expect(head.get_by_text("已审核通过，稿件已全局发布")).to_be_visible()
    expect(head.locator(".review-panel")).to_contain_text("已通过审核")
    assert others_find_it(other, live_server, post_path) == (True, True)
    officer.goto(live_server("/messages/"))
    expect(officer.get_by_text("已由李明审核通过")).to_be_visible()
