"""The issue's whole round in Chromium, start to end: an organizer builds the 专刊 and sends it
(送审); a leader returns it with a comment; the organizer reads the comment, fixes it and sends it
again; the leader signs (签发); the organizer publishes; an officer gets the message, opens the
issue (已阅, in the database and on the organizer's read rates), downloads a stamped copy, and
`flask bulletin trace` on that file names the officer.

At each stop the page is photographed at 1366 and 390 px (警务通), and at 390 px it must fit:
nothing scrolls sideways and no short label of a table is broken over two lines (the archive
and the read rates turn into cards / stacked rows). PDF pages of the copy are saved as PNGs.
"""
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from salon.accounts.models import User
from salon.bulletin.models import BulletinRead, BulletinRevision, Download
from salon.extensions import db
from salon.notifications.models import Notification
from salon.posts.models import Post
from salon.salons.models import Salon

from .conftest import ROOT, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
OUTPUT = ROOT / "test-output" / "bulletin-copies"
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


# At 390 px: what scrolls sideways (the page or a box in it) and which short table labels
# (期号, 应阅, 下载 …) are broken over two lines, within `scope`; the preview of the printed
# issue (.bulletin-screen) is a page of paper and is left out.
CRAMPED = """(scope) => {
  const root = document.querySelector(scope);
  const sideways = [];
  if (document.scrollingElement.scrollWidth > window.innerWidth)
    sideways.push('page ' + document.scrollingElement.scrollWidth);
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.bulletin-screen')) continue;
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      sideways.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + el.scrollWidth);
  }
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const cell = node.parentElement.closest('th, td');
    if (!cell || text.length === 0 || text.length > 6 || cell.closest('.bulletin-screen')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                         .map(r => Math.round(r.top)));
    if (tops.size > 1) broken.push(text);
  }
  return {sideways, broken};
}"""


def shoot(page, name: str, scope: str = "main") -> None:
    """A full-page PNG, or of `scope` alone; on a bulletin page only down to the first screen
    of the preview (the printed issue is looked at as PDF pages; photographing it is slow)."""
    if scope != "main":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(scope).screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        return
    preview = page.locator(".bulletin-screen")
    if preview.count() == 0:
        screenshot(page, name)
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bottom = preview.evaluate("el => el.getBoundingClientRect().top + window.scrollY") + 500
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": bottom})


def both_widths(page, name: str, scope: str = "main") -> None:
    """Screenshots at 1366 and 390 px; at 390 the page (within `scope`) must fit the phone."""
    page.set_viewport_size(DESK)
    shoot(page, f"{name}-1366", scope)
    page.set_viewport_size(PHONE)
    found = page.evaluate(CRAMPED, scope)
    assert found == {"sideways": [], "broken": []}, f"{name} at 390 px: {found}"
    shoot(page, f"{name}-390", scope)
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
    both_widths(leader, "todo-signoff-waiting")
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


def organizer_publishes(organizer, live_server, month: str) -> None:
    """Build again (the cover now carries the 签发人), publish; everyone is still unread."""
    open_bulletin(organizer, live_server, month)
    expect(signoff(organizer).locator(".signoff-signer")).to_contain_text("测试leader")
    build(organizer)
    publish(organizer)
    expect(organizer.locator('#bulletin-reads tr[data-unit="曹甸派出所"]')).to_contain_text("王二")


def officer_reads_and_downloads(officer, live_server, month: str) -> tuple[Path, int]:
    """消息中心 → 查看 → the issue (已阅) → 下载: the saved copy and its revision id."""
    officer.goto(live_server("/messages/"))
    message = officer.locator("li.message", has_text=re.compile("专刊.*已发布")).first
    expect(message).to_be_visible()
    message.get_by_role("link", name="查看").click()
    expect(officer).to_have_url(re.compile(f"/bulletins/{month}$"))
    expect(officer.get_by_role("heading", name="预览")).to_be_visible()
    expect(officer.locator("#bulletin-reads")).to_have_count(0)  # not the others' reading
    expect(officer.locator(".downloads-by-person")).to_have_count(0)
    both_widths(officer, "bulletin-officer")
    link = officer.locator(f"a[href^='/bulletins/{month}/revisions/'][href$='.pdf']").first
    revision_id = int(re.search(r"/revisions/(\d+)\.pdf$", link.get_attribute("href")).group(1))
    with officer.expect_download() as download_info:
        link.click()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    copy = OUTPUT / "copy.pdf"
    download_info.value.save_as(copy)
    return copy, revision_id


def organizer_sees_who_read_and_downloaded(organizer, live_server, month: str) -> None:
    """The read rates by unit (王二 no longer unread), the copies per person, the archive."""
    open_bulletin(organizer, live_server, month)
    reads = organizer.locator("#bulletin-reads")
    expect(reads).to_contain_text("已阅情况")
    expect(reads.locator('tr[data-unit="曹甸派出所"]')).not_to_contain_text("王二")
    history = signoff(organizer).locator(".signoff-event")
    actions = history.evaluate_all("items => items.map(i => i.dataset.action)")
    # (the demo's own 送审 of this issue may come first) then this round, in order
    assert actions[-4:] == ["submit", "return", "submit", "sign"], actions
    organizer.locator(".downloads-by-person summary").first.click()
    expect(organizer.locator('.downloads-by-person li[data-user="officer2"]')).to_contain_text(
        "1 份")
    both_widths(organizer, "bulletin-organizer-reads")
    organizer.goto(live_server("/bulletins/"))
    issue = organizer.locator(f'tbody.archive-issue[data-month="{month}"]')
    issue.locator("summary", has_text="已下载").click()
    expect(issue.locator('li[data-user="officer2"]')).to_contain_text("1 份")
    both_widths(organizer, "bulletin-archive")


def leader_sees_reads_on_the_dashboard(leader, live_server, number: int) -> None:
    leader.goto(live_server("/dashboard/"))
    reads = leader.locator("#bulletin-reads")
    expect(reads).to_contain_text(f"第{number}期")
    expect(reads.locator('tr[data-unit="曹甸派出所"]')).to_be_visible()
    both_widths(leader, "dashboard-bulletin-reads", scope="#bulletin-reads")


def publish_round(open_as, live_server) -> dict:
    """送审, 退回, 送审 again, 签发, publish: the month, the chosen title and both pages."""
    organizer, leader = open_as("organizer"), open_as("leader")
    month, title = prepare_and_send(organizer, live_server)
    leader_returns(leader, live_server, month)
    organizer_fixes_and_resends(organizer, live_server, month)
    leader_signs(leader, live_server, month)
    organizer_publishes(organizer, live_server, month)
    return {"month": month, "title": title, "organizer": organizer, "leader": leader}


def test_a_bulletin_from_draft_through_signoff_to_a_traced_copy(open_as, live_server):
    from pypdf import PdfReader

    done = publish_round(open_as, live_server)
    month, app = done["month"], live_server.app
    officer = open_as("officer2")
    copy, revision_id = officer_reads_and_downloads(officer, live_server, month)
    with app.app_context():
        revision = db.session.get(BulletinRevision, revision_id)
        assert revision.published_at is not None and revision.bulletin.salon.month == month
        bulletin_id, number = revision.bulletin_id, revision.bulletin.salon.number
        user_id = db.session.scalar(db.select(User.id).filter_by(username="officer2"))
        assert db.session.scalar(db.select(BulletinRead).filter_by(
            bulletin_id=bulletin_id, user_id=user_id)) is not None  # 已阅
        download = db.session.scalar(db.select(Download).filter_by(user_id=user_id)
                                     .order_by(Download.id.desc()))
        assert download.revision_id == revision_id
        from salon.bulletin.services import revision_bytes

        frozen = revision_bytes(revision)

    # the copy: the words signed, the 签发人 and one date on the cover
    pages = [p.extract_text() for p in PdfReader(copy).pages[:3]]  # cover, contents
    squeeze = re.compile(r"\s+")
    text = squeeze.sub("", "".join(pages))
    cover = squeeze.sub("", pages[0])
    assert squeeze.sub("", done["title"]) in text
    assert "推广夜间巡防联勤机制" in text and "三管齐下" not in text  # the fixed note
    assert "签发人：测试leader" in cover
    dates = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", cover)
    assert len(dates) == 1, dates  # the date of 签发, once
    assert all("王二" in page for page in pages)  # stamped for the officer
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "3", str(copy),
                    str(OUTPUT / "copy")], check=True, timeout=60)

    # flask bulletin trace names the officer; the frozen file itself is no copy
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bulletin", "trace", str(copy)])
    assert result.exit_code == 0, result.output
    assert "王二" in result.output and "曹甸派出所" in result.output
    assert "127.0.0.1" in result.output and download.copy_id in result.output
    (OUTPUT / "frozen.pdf").write_bytes(frozen)
    result = runner.invoke(args=["bulletin", "trace", str(OUTPUT / "frozen.pdf")])
    assert result.exit_code != 0 and "未找到副本编号" in result.output

    organizer_sees_who_read_and_downloaded(done["organizer"], live_server, month)
    leader_sees_reads_on_the_dashboard(done["leader"], live_server, number)
