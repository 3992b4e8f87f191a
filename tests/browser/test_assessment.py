"""考核 in a real Chromium: the organizer enters a missing figure, the ranking shows it, and an
officer of a unit sees the unit's page and how its indicators were computed. Screenshots at
1366 and 390 px (the ranking turns into cards, nothing scrolls sideways)."""
import pytest
from playwright.sync_api import expect

from salon.assessment.services import current_period

from .conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def both_widths(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways at 390 px ({width} px)"
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def test_organizer_enters_figures_and_officer_sees_own_unit(open_as, live_server):
    period = current_period().code
    organizer = open_as("organizer")
    organizer.goto(live_server(f"/assessment/{period}"))
    row = organizer.locator(".ranking-table tr", has_text="氾水派出所")
    expect(row).to_contain_text("缺报 1 项")  # the demo left its 见警率 out
    organizer.get_by_role("link", name="填报数据").click()
    organizer.get_by_label("单位").select_option(label="氾水派出所")
    organizer.get_by_label("指标").select_option(label="见警率（0–100%）")
    organizer.get_by_label("数值").fill("150")
    organizer.get_by_label("数据依据").fill("见警率问卷 150 份")
    organizer.get_by_role("button", name="保存").click()
    expect(organizer.locator(".invalid-feedback")).to_contain_text("“见警率”的数值须在 0–100% 之间")
    organizer.get_by_label("数值").fill("71")
    organizer.get_by_role("button", name="保存").click()
    expect(organizer.locator(".alert-success")).to_contain_text("氾水派出所 见警率 71%")
    both_widths(organizer, "assessment-figures")
    organizer.get_by_role("link", name="排名").click()
    row = organizer.locator(".ranking-table tr", has_text="氾水派出所")
    expect(row).not_to_contain_text("缺报")
    expect(organizer.get_by_role("heading", name="派出所排名")).to_be_visible()
    expect(organizer.get_by_role("heading", name="捆绑考评（局领导挂点联系）")).to_be_visible()
    both_widths(organizer, "assessment-ranking")
    organizer.set_viewport_size(PHONE)
    expect(organizer.locator(".ranking-cards li").first).to_be_visible()
    organizer.set_viewport_size(DESKTOP)
    # 送审 the 通报 as it now stands; a leader 签发s it
    organizer.locator(".signoff-submit").get_by_role("button", name="送审").click()
    expect(organizer.locator(".signoff-state")).to_have_text("待签发")
    leader = open_as("leader")
    leader.goto(live_server(f"/assessment/{period}"))
    leader.locator(".signoff-sign textarea").fill("同意通报，末位单位按规定约谈。")
    leader.locator(".signoff-sign").get_by_role("button", name="签发").click()
    expect(leader.locator(".signoff-signer")).to_contain_text("测试leader")
    both_widths(leader, "assessment-signed")

    # the organizer publishes the signed 通报: frozen, archived, and its PDF downloads
    organizer.reload()
    expect(organizer.locator("#publish")).to_contain_text("局领导已签发本期通报")
    both_widths(organizer, "assessment-publish")
    organizer.get_by_role("button", name="发布考核通报").click()
    expect(organizer.locator(".alert-success")).to_contain_text("已发布")
    expect(organizer.get_by_role("heading", level=1)).to_have_text("考核通报档案")
    label = current_period().label
    row = organizer.locator("tr", has_text=label)
    expect(row).to_contain_text("第1版")
    expect(row).to_contain_text("测试leader")
    href = row.get_by_role("link", name="PDF").get_attribute("href")
    pdf = organizer.request.get(live_server(href))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    both_widths(organizer, "assessment-reports")

    officer = open_as("officer")  # 城关派出所
    officer.get_by_role("link", name="考核", exact=True).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("城关派出所")
    expect(officer.locator(".unit-total")).not_to_have_text("—")
    expect(officer.locator("#ind-faan")).to_contain_text("每万人")
    expect(officer.locator("#ind-faan")).to_contain_text("含城东社区警务室、城西社区警务室")
    expect(officer.locator("#ind-faan")).to_contain_text("口径：")
    expect(officer.locator("figure.chart svg")).to_be_visible()
    both_widths(officer, "assessment-unit-indicators")
    officer.get_by_role("link", name="城关派出所").first.click()
    expect(officer.locator("#brand")).to_contain_text("一格一警，网格里见民警")
    expect(officer.get_by_role("heading", name="历期考核")).to_be_visible()
    both_widths(officer, "assessment-unit-page")
    answer = officer.goto(live_server(f"/assessment/{period}"))
    assert answer.status == 403
    officer.goto(live_server("/assessment/reports"))  # circulated to every unit
    expect(officer.locator("tr", has_text=label)).to_contain_text("第1版")
    expect(officer.locator("tr", has_text=current_period().previous().label)).to_contain_text(
        "夏忠明")  # the demo's previous quarter, signed by lingdao
    officer.goto(live_server("/brands"))
    expect(officer.locator(".brand-card")).to_have_count(6)
    both_widths(officer, "assessment-brands")
