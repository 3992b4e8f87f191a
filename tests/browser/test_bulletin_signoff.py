"""The 专刊 in Chromium, from the organizer's draft to publishing, through the leader's 签发.

The organizer chooses a post, writes the 编者按, builds and sends it (送审); a leader returns
it with a comment; the organizer reads the comment, rewrites the 编者按 and sends it again;
the leader signs (签发); the organizer builds the cover with the 签发人 and publishes. The
steps are helpers, so a later test can carry on from a published issue (`publish_round`).
Screenshots of the page at 1366 and 390 px wide along the way.
"""
import re
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import expect

from salon.extensions import db
from salon.notifications.models import Notification
from salon.posts.models import Post
from salon.salons.models import Salon

from .conftest import screenshot

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RETURN_COMMENT = "编者按要写明本期沙龙的决定事项，请补充后再送审。"
FIXED_NOTE = "本期沙龙决定：**推广夜间巡防联勤机制**，各派出所于月底前报送落实情况。"


def held_salon(live_server) -> tuple[str, int, str]:
    """The held salon's month and one of its submitted posts not yet chosen for the bulletin."""
    with live_server.app.app_context():
        salon = db.session.scalar(db.select(Salon).filter_by(status="held"))
        post = db.session.scalar(db.select(Post).filter_by(
            salon_id=salon.id, status="submitted", in_bulletin=False).order_by(Post.id))
        return salon.month, post.id, post.title


def signoff(page):
    return page.locator("#signoff")


def expect_signoff(page, label: str) -> None:
    expect(signoff(page).locator(".signoff-state")).to_have_text(label)


def open_bulletin(page, live_server, month: str) -> None:
    page.goto(live_server(f"/bulletins/{month}"))


def save_editor_note(page, text: str) -> None:
    page.get_by_label("编者按").fill(text)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("编者按与刊头设置已保存。")).to_be_visible()


def build(page) -> None:
    """生成专刊; the page reloads by itself when the build job is done."""
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="生成专刊").click()
    expect(page.get_by_role("button", name=re.compile("^发布"))).to_be_visible()


def take(page, action: str, button: str, comment: str | None = None) -> None:
    """A sign-off step from the panel: 送审, 签发 or 退回 (with its comment)."""
    form = signoff(page).locator(f"form.signoff-{action}")
    if comment is not None:
        form.locator("textarea").fill(comment)
    form.get_by_role("button", name=button, exact=True).click()


def publish(page) -> None:
    page.get_by_role("button", name=re.compile("^发布")).click()
    expect(page.get_by_text(re.compile("专刊.*已发布"))).to_be_visible()


def both_widths(page, name: str) -> None:
    for size, suffix in ((DESK, "1366"), (PHONE, "390")):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{suffix}")
    page.set_viewport_size(DESK)


def last_message(live_server, username: str) -> tuple[str, str]:
    from salon.accounts.models import User

    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        note = db.session.scalar(db.select(Notification).filter_by(user_id=user.id)
                                 .order_by(Notification.id.desc()))
        return note.text, note.link


def prepare_and_send(organizer, live_server) -> tuple[str, str]:
    """The organizer chooses a post, writes the 编者按, builds, and sends it (送审)."""
    month, post_id, title = held_salon(live_server)
    organizer.goto(live_server(f"/posts/{post_id}"))
    organizer.get_by_role("button", name="设为入选专刊").click()
    expect(organizer.locator("header")).to_contain_text("入选专刊")
    open_bulletin(organizer, live_server, month)
    save_editor_note(organizer, "本期聚焦**防范水平**：巡防、技防、群防三管齐下。")
    build(organizer)
    take(organizer, "submit", "送审", "请局领导审阅本期专刊。")
    expect(organizer.get_by_text("已送审，等待局领导签发。")).to_be_visible()
    expect_signoff(organizer, "待签发")
    return month, title


def leader_returns(leader, live_server, month: str) -> None:
    """The leader finds it in 我的待办 and returns it with a comment."""
    leader.goto(live_server("/problems/todo"))
    section = leader.locator("section.todo-signoff_waiting")
    expect(section).to_contain_text("社区警务沙龙专刊")
    section.locator(f"a[href^='/bulletins/{month}']").click()
    expect_signoff(leader, "待签发")
    both_widths(leader, "bulletin-signoff-leader")
    # a return without a comment: the browser asks for it (the server refuses it too)
    expect(signoff(leader).get_by_label("退回意见")).to_have_attribute("required", "")
    take(leader, "return", "退回", RETURN_COMMENT)
    expect_signoff(leader, "已退回")


def organizer_fixes_and_resends(organizer, live_server, month: str) -> None:
    """The organizer sees the comment (page and 消息), rewrites the 编者按, sends it again."""
    text, link = last_message(live_server, "organizer")
    assert RETURN_COMMENT in text and link.startswith(f"/bulletins/{month}")
    open_bulletin(organizer, live_server, month)
    expect_signoff(organizer, "已退回")
    expect(signoff(organizer).locator(".signoff-comment")).to_contain_text(RETURN_COMMENT)
    both_widths(organizer, "bulletin-signoff-returned")
    publish_button = organizer.get_by_role("button", name=re.compile("^发布"))
    publish_button.click()  # refused, in plain Chinese
    expect(organizer.get_by_text("专刊已被局领导退回，请按退回意见修改后重新送审。")).to_be_visible()
    save_editor_note(organizer, FIXED_NOTE)
    take(organizer, "submit", "送审", "已按意见补充决定事项。")
    expect_signoff(organizer, "待签发")


def leader_signs(leader, live_server, month: str) -> None:
    open_bulletin(leader, live_server, month)
    expect(leader.locator(".bulletin-screen")).to_contain_text("推广夜间巡防联勤机制")
    take(leader, "sign", "签发", "同意印发。")
    expect(leader.get_by_text("已签发。")).to_be_visible()
    expect_signoff(leader, "已签发")


def organizer_publishes(organizer, live_server, month: str) -> bytes:
    """Build again (the cover now carries the 签发人), publish, download the file."""
    open_bulletin(organizer, live_server, month)
    expect(signoff(organizer).locator(".signoff-signer")).to_contain_text("测试leader")
    build(organizer)
    publish(organizer)
    both_widths(organizer, "bulletin-published")
    with organizer.expect_download() as download_info:
        organizer.locator("a[href$='.pdf']").first.click()
    return Path(download_info.value.path()).read_bytes()


def publish_round(open_as, live_server) -> dict:
    """The whole round; what a later step needs: the month, the chosen title, the PDF."""
    organizer, leader = open_as("organizer"), open_as("leader")
    month, title = prepare_and_send(organizer, live_server)
    leader_returns(leader, live_server, month)
    organizer_fixes_and_resends(organizer, live_server, month)
    leader_signs(leader, live_server, month)
    pdf = organizer_publishes(organizer, live_server, month)
    return {"month": month, "title": title, "pdf": pdf, "organizer": organizer,
            "leader": leader}


def test_organizer_sends_leader_returns_organizer_fixes_leader_signs_then_publish(
        open_as, live_server):
    from pypdf import PdfReader

    done = publish_round(open_as, live_server)
    pdf = done["pdf"]
    assert pdf.startswith(b"%PDF")
    pages = [p.extract_text() for p in PdfReader(BytesIO(pdf)).pages]
    squeeze = re.compile(r"\s+")
    text = squeeze.sub("", "".join(pages))
    cover = squeeze.sub("", pages[0])
    assert squeeze.sub("", done["title"]) in text
    assert "推广夜间巡防联勤机制" in text and "三管齐下" not in text  # the fixed note
    assert "签发人：测试leader" in cover
    dates = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", cover)
    assert len(dates) == 1, dates  # the date of 签发, once

    history = signoff(done["organizer"]).locator(".signoff-event")
    actions = history.evaluate_all("items => items.map(i => i.dataset.action)")
    # (the demo's own 送审 of this issue may come first) then this round, in order
    assert actions[-4:] == ["submit", "return", "submit", "sign"], actions
