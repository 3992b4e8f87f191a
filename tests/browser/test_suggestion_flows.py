"""开门评警 and 讲坛 in a real Chromium: a citizen's suggestion from the public app to a
verdict that moves the dashboard; a weekly-school lecture with materials and sign-ins."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.livesite import free_port
from salon.extensions import db
from salon.public import create_app as create_public_app
from salon.suggestions.models import Suggestion
from salon.timeutil import today

from ..lecture_data import office_bytes, pdf_bytes
from .conftest import LiveServer, axe_violations, new_page, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def public_site(live_server):
    """The public app, served on its own port against the site's database."""
    config = live_server.app.config
    site = create_public_app({
        "INSTANCE_PATH": live_server.app.instance_path,
        "SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": config["SECRET_KEY"], "STORAGE_DIR": config["STORAGE_DIR"],
    })
    server = LiveServer(site, free_port()).start()
    yield server
    server.stop()


def both_widths(page, name: str) -> None:
    """Screenshots at 1366 px and 390 px (a phone), then back to the desktop width."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def citizen_rate(page, live_server) -> str:
    page.goto(live_server("/dashboard/"))
    return page.locator("#public-satisfaction-rate").inner_text()


def test_citizen_suggestion_becomes_a_problem_and_the_verdict_moves_the_dashboard(
        browser, open_as, live_server, public_site, watch):
    citizen = new_page(browser, watch)
    citizen.goto(public_site("/?unit=1"))
    both_widths(citizen, "public-form")
    assert axe_violations(citizen) == []
    text = "城北小区晚上八点到十点常有人撬电动车，希望增加巡逻。"
    citizen.get_by_label("您的意见或建议").fill(text)
    citizen.get_by_label("涉及地点（选填）").fill("城北小区")
    citizen.get_by_label("联系方式（选填，仅公安机关督办人员可见）").fill("周女士 13512345678")
    citizen.get_by_role("button", name="提交").click()
    code = citizen.locator("#code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    both_widths(citizen, "public-code")

    leader = open_as("leader")
    before = citizen_rate(leader, live_server)

    desk = open_as("organizer")
    desk.goto(live_server("/suggestions/?status=new"))
    desk.get_by_role("link", name=re.compile("城北小区晚上八点")).click()
    expect(desk.locator("main")).to_contain_text("周女士 13512345678")  # the desk sees it
    both_widths(desk, "suggestion-desk")
    desk.get_by_label("问题标题").fill("城北小区夜间电动车被盗")
    desk.get_by_role("button", name="采纳为问题").click()
    expect(desk.get_by_text(re.compile("已采纳为问题"))).to_be_visible()
    desk.get_by_role("link", name=re.compile("城北小区夜间电动车被盗")).click()
    expect(desk.locator(".problem-suggestions")).to_contain_text("来自群众建议")
    screenshot(desk, "suggestion-problem")

    officer = open_as("officer")  # another officer sees the suggestion's contact masked
    with live_server.app.app_context():
        suggestion = db.session.scalar(db.select(Suggestion).filter_by(text=text))
        suggestion_id, problem_id = suggestion.id, suggestion.problem_id
    leader.goto(live_server(f"/suggestions/{suggestion_id}"))
    expect(leader.locator("main")).to_contain_text("135****5678")
    expect(leader.locator("main")).not_to_contain_text("13512345678")
    officer.goto(live_server(f"/suggestions/{suggestion_id}"))
    expect(officer.locator("main")).to_contain_text("不存在")

    handle_to_resolved(live_server, problem_id)

    citizen.goto(public_site("/query"))
    citizen.get_by_label("查询码").fill(code.lower())
    citizen.get_by_role("button", name="查询").click()
    expect(citizen.locator(".public-progress")).to_have_text("已办结")
    expect(citizen.locator(".public-outcome")).to_contain_text("新增探头并调整点位")
    expect(citizen.locator("main")).not_to_contain_text("13512345678")
    both_widths(citizen, "public-answer")
    assert axe_violations(citizen) == []
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_text("谢谢您的评价！")).to_be_visible()

    after = citizen_rate(leader, live_server)
    assert after != before, (before, after)
    leader.locator("#public-title").scroll_into_view_if_needed()
    both_widths(leader, "dashboard-public")
    assert not watch.script_hits(citizen)
    citizen.context.close()


def handle_to_resolved(live_server, problem_id: int) -> None:
    """The problem goes through main's workflow to 办结 (the problem tests' own walk)."""
    from salon.problems.models import Problem
    from tests.problem_data import walk

    with live_server.app.app_context():
        walk(db.session.get(Problem, problem_id), "resolved", unit_name="城关派出所",
             deadline=today() + timedelta(days=30))


def test_weekend_school_lecture_with_materials_sign_in_and_download(
        browser, open_as, live_server, tmp_path):
    organizer = open_as("organizer")
    organizer.goto(live_server("/lectures/new"))
    organizer.get_by_label("类型").select_option(label="民警周末学校")
    organizer.get_by_label("日期").fill(today().isoformat())
    organizer.get_by_label("举办单位").select_option(label="城关派出所")
    organizer.get_by_label("题目").fill("兼职法制员讲评：十一月执法自查")
    organizer.get_by_label("或外请主讲人（姓名、身份）").fill("兼职法制员 测试officer")
    organizer.get_by_label("内容摘要").fill("受案登记不及时、告知书漏签。")
    organizer.get_by_role("button", name="保存").click()
    expect(organizer.get_by_text(re.compile("已保存"))).to_be_visible()
    lecture_url = organizer.url

    files = {"讲评.pdf": pdf_bytes(), "课件.pptx": office_bytes("pptx"),
             "伪装.pptx": office_bytes("xlsx")}
    for name, data in files.items():
        path = Path(tmp_path / name)
        path.write_bytes(data)
        organizer.get_by_label("上传材料（PDF、PPTX、DOCX、XLSX）").set_input_files(str(path))
        organizer.get_by_role("button", name="上传", exact=True).click()
        message = "内容却是 XLSX 文件" if name == "伪装.pptx" else f"已上传：{name}"
        expect(organizer.get_by_text(re.compile(message))).to_be_visible()
    expect(organizer.locator("ul.materials li")).to_have_count(2)
    expect(organizer.locator("img.material-preview")).to_be_visible()
    both_widths(organizer, "lecture")

    for username in ("officer", "officer2"):
        page = open_as(username)
        page.goto(lecture_url)
        page.get_by_role("button", name="签到", exact=True).click()
        expect(page.get_by_text("签到成功。")).to_be_visible()
    officer = page
    expect(officer.locator(".attendees li")).to_have_count(2)

    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="课件.pptx").click()
    download = download_info.value
    assert download.suggested_filename == "课件.pptx"
    assert Path(download.path()).read_bytes() == office_bytes("pptx")
    href = officer.get_by_role("link", name="课件.pptx").get_attribute("href")

    anonymous = new_page(browser)
    response = anonymous.request.get(live_server(href), max_redirects=0)
    assert response.status == 302 and "/login" in response.headers["location"]
    anonymous.context.close()

    organizer.goto(live_server("/lectures/?unit=1"))
    both_widths(organizer, "lectures")
