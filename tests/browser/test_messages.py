"""消息 in a real Chromium: the badge stays visible on a 390 px phone, the message centre
lists, marks read and leads to the subject; screenshots at 1366 and 390 px."""
import pytest
from playwright.sync_api import expect

from salon.accounts.models import User
from salon.extensions import db
from salon.notifications.services import mark_read, notify
from salon.posts.models import Post

from .conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def send_messages(live_server, username: str) -> int:
    """Three messages for the user, the first about a real post; that post's id. What the
    seeded site already told them (a salon opening for posts, say) is read first."""
    with live_server.app.app_context():
        person = db.session.scalar(db.select(User).filter_by(username=username))
        mark_read(person, "all")
        post = db.session.scalar(db.select(Post).filter_by(kind="problem", status="submitted")
                                 .order_by(Post.id).limit(1))
        notify([person], "problem", f"问题“{post.title}”已交办城关派出所，请签收办理。",
               f"/posts/{post.id}")
        notify([person], "remind", "问题“夜间巡逻路段照明不足”还有 2 天到期（时限 2026年12月5日），"
               "请按时办结。", f"/posts/{post.id}")
        notify([person], "review",
               "问题“二代证办理设备老化”办结已满 90 天，请组织回头看，核实是否反弹。")
        db.session.commit()
        return post.id


def test_badge_on_a_phone_and_the_message_centre(open_as, live_server):
    post_id = send_messages(live_server, "officer2")
    page = open_as("officer2")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/"))
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()  # the menu is collapsed at 390 px …
    badge = page.locator(".nav-badges .messages-badge")
    expect(badge).to_be_visible()  # … and the unread count is not inside it
    expect(badge).to_have_text("3")
    box, bar = badge.bounding_box(), page.locator("nav.navbar").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"] and box["y"] < bar["y"] + bar["height"]
    screenshot(page, "nav-badge-390")
    page.locator("nav.navbar").screenshot(path=str(SCREENSHOTS / "nav-badge-390-bar.png"))

    page.locator(".nav-badges").get_by_role("link", name="消息").click()
    expect(page.get_by_role("heading", name="消息中心")).to_be_visible()
    expect(page.locator(".message-unread")).to_have_count(3)
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"the page scrolls sideways at 390 px ({overflow} px)"
    screenshot(page, "messages-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "messages-1366")
    page.set_viewport_size(PHONE)

    page.locator(".message-unread").filter(has_text="回头看").get_by_role(
        "button", name="标为已读").click()
    expect(page.get_by_text("已将 1 条消息标为已读。")).to_be_visible()
    expect(page.locator(".nav-badges .messages-badge")).to_have_text("2")

    page.locator(".message-unread").filter(has_text="已交办").get_by_role(
        "link", name="查看").click()
    assert page.url.endswith(f"/posts/{post_id}")
    expect(page.locator(".nav-badges .messages-badge")).to_have_text("1")

    page.goto(live_server("/messages/"))
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".message-unread")).to_have_count(0)
    expect(page.locator(".nav-badges .messages-badge")).to_have_count(0)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server("/"))
    screenshot(page, "nav-badge-1366")
