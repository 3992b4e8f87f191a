"""The printed 专刊 as a reader holds it: pages filled, the salon's own words, 回头看, 成效,
and charts whose labels print whole. Built from the demo data and a generated 60-post issue."""
import re
import subprocess
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from benchmarks.bulletin_pages import BODY_TOP, MM, fills, section_starts, short_pages
from benchmarks.bulletin_snapshot import words
from salon.accounts.models import Unit
from salon.bulletin import charts
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.models import OutcomeFigure, Problem
from salon.problems.outcomes import outcome_totals
from salon.salons.models import Salon
from tests import bulletin_data as d

from .conftest import app_settings, app_with_schema

DEMO_ISSUES = ("2026-10", "2026-11")
# The demo issues' pages as PNGs, to look at (pdftoppm -r 50).
PAGES_OUT = Path(__file__).resolve().parent.parent / "test-output" / "bulletin"


def _save_pages(month: str, pdf: bytes) -> None:
    PAGES_OUT.mkdir(parents=True, exist_ok=True)
    for old in PAGES_OUT.glob(f"{month}-*.png"):
        old.unlink()
    target = PAGES_OUT / f"{month}.pdf"
    target.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(target), str(PAGES_OUT / month)],
                   check=True)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _text(page: list) -> str:
    return "".join(w[0] for w in page)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's two issues (held and published), built in parts as the site builds them,
    and the units that wrote for each."""
    from salon.bulletin.services import build

    settings = app_settings(tmp_path_factory.mktemp("bulletin-layout"))
    with app_with_schema(settings, seed=False) as app:
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        built, units = {}, {}
        for month in DEMO_ISSUES:
            salon = db.session.scalar(db.select(Salon).filter_by(month=month))
            built[month] = build(salon, workers=2).pdf
            _save_pages(month, built[month])
            units[month] = sorted(db.session.scalars(
                db.select(Unit.name).join(Post, Post.unit_id == Unit.id)
                .where(Post.salon_id == salon.id, Post.status == "submitted").distinct()))
    # Torn down before the tests: on PostgreSQL every test app shares one database.
    return built, units


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated issue of 60 posts (a quarter of them problems), three paragraphs each."""
    from benchmarks.bulletin_bench import make_data
    from salon.bulletin.services import build

    settings = app_settings(tmp_path_factory.mktemp("bulletin-60"))
    with app_with_schema(settings, seed=False):
        make_data(60, 3)
        salon = db.session.scalar(db.select(Salon).filter_by(month="2026-10"))
        pdf = build(salon, workers=2).pdf
    return pdf


@pytest.mark.parametrize("month", DEMO_ISSUES)
def test_demo_issue_pages_are_filled(demo, month):
    """No page but a section's last or the issue's last is under 60 % full; page 1 (cover,
    editor's note, contents) is not two-thirds empty."""
    pdf = demo[0][month]
    assert short_pages(pdf) == []
    assert fills(pdf)[0] >= 0.6
    assert len(fills(pdf)) <= 8  # 10 pages before the content flowed


def test_generated_issue_pages_are_filled(generated):
    assert short_pages(generated) == []
    page_fills = fills(generated)
    # Only the three section ends (front, experiences, problems) and the last may run short.
    assert sum(f < 0.6 for f in page_fills) <= 4


def test_the_fill_measure_sees_a_short_page():
    """The measure itself: a page a third full, followed by a page that is no section start,
    is reported; the same page before a section start is not."""
    from weasyprint import HTML

    html = ("<style>@page{size:A4;margin:24mm 20mm 22mm 20mm}"
            "h1{bookmark-level:1;break-before:page;margin:0}</style>"
            "<h1>甲节</h1>" + "<p>正文一行。</p>" * 12 + "<p style='break-before:page'>续</p>"
            + "<p>正文。</p>" * 3 + "<h1>乙节</h1><p>正文。</p>")
    pdf = HTML(string=html).write_pdf()
    assert section_starts(pdf) == {0, 2}
    assert [page for page, _fill in short_pages(pdf)] == [1]


def _lines(page: list) -> set[str]:
    rows: dict[int, list] = {}
    for w in page:
        rows.setdefault(round(w[2]), []).append(w)
    return {"".join(w[0] for w in sorted(row, key=lambda w: w[1])) for row in rows.values()}


@pytest.mark.parametrize("month", DEMO_ISSUES)
def test_contents_and_bookmarks_point_at_the_section_titles(demo, month):
    """A section that flows on (本期主题 under the contents, 本期成效 under 回头看) is listed
    at the page where its title is printed, not where its box began."""
    from pypdf import PdfReader

    pdf = demo[0][month]
    reader = PdfReader(BytesIO(pdf))
    pages = words(pdf)
    toc = _flat(reader.pages[0].extract_text(extraction_mode="layout"))
    sections = [item for item in reader.outline if not isinstance(item, list)]
    assert [s.title for s in sections][:2] == ["编者按", "本期主题"]
    assert "本期成效" in [s.title for s in sections]
    for item in sections:
        page = reader.get_destination_page_number(item)
        assert item.title in _lines(pages[page]), (item.title, page + 1)
        entry = re.escape(item.title) + r"\.{3,}" + str(page + 1) + r"(?!\d)"
        assert re.search(entry, toc), (item.title, page + 1)


def test_topic_carries_agenda_speakers_and_minutes(demo):
    text = _flat("".join(_text(page) for page in words(demo[0]["2026-11"])[:3]))
    for fragment in ("议程", "民警讲坛：农村流窜案件的研判与堵截", "夏集派出所徐志明",
                     "沙龙纪要", "局党委已明确：由科技信息化科牵头对监控网络开展调查",
                     "参会情况"):
        assert fragment in text, fragment


def test_lookback_and_outcome_totals_in_the_demo_issue(demo):
    text = _flat("".join(_text(page) for page in words(demo[0]["2026-11"])))
    tail = text[text.index("往期问题尚未办结"):]
    # 办结 since salon 1 met: the camera equipment (10-29) and the peak-hour staff (11-08).
    assert "上期以来办结（共2项）" in tail
    assert "回头看复查" in tail and "反弹" in tail
    outcomes = tail[tail.index("本期成效"):]
    for fragment in ("更换照相设备6台", "抽调支援民警12名", "出片合格率98%"):
        assert fragment in outcomes, fragment


@pytest.mark.parametrize("month", DEMO_ISSUES)
def test_chart_page_prints_every_unit_name_whole(demo, month):
    """Each unit's name is one word on the chart page, inside the page's body (a clipped
    "城" printed as "成" sat left of the margin, cut by the chart's edge)."""
    built, units = demo
    pages = words(built[month])
    chart_page = next(page for page in pages if "各单位稿件数" in _text(page))
    left = 20 * MM
    found = {w[0]: w[1] for w in chart_page if w[2] > BODY_TOP}
    for name in units[month]:
        assert name in found, (name, sorted(found))
        assert found[name] >= left - 0.5, (name, found[name])


def test_chart_value_labels_have_no_grid_through_them():
    svg = charts.posts_by_unit([("城关派出所", 3), ("曹甸派出所", 2), ("安宜派出所", 2),
                                ("夏集派出所", 1), ("氾水派出所", 1)]).decode()
    assert 'class="guide line"' not in svg
    verticals = [float(x) for x in re.findall(r'<path d="M([\d.]+) [\d.]+ v[\d.]+"', svg)]
    values = [float(x) for x in re.findall(r'<text text-anchor="middle" x="([\d.]+)"[^>]*'
                                           r'class="value"', svg)]
    assert values
    assert all(abs(v - line) > 4 for v in values for line in verticals)
    bars = charts.problems_by_state([("办理中", 3), ("已办结", 2)]).decode()
    assert 'class="guide line"' not in bars


def test_outcome_totals_sum_by_label_and_unit_in_one_query(app, client, auth, count_queries):
    salon = d.salon(1, "2026-10")
    done_at = datetime(2026, 10, 20)
    for i, (cams, rate) in enumerate([(10, 90), (6, 100), (4, 80)]):
        problem = d.problem(d.post(salon, f"探头问题{i}", kind="problem"),
                            "resolved" if i < 2 else "in_progress", unit_name="科技信息化科")
        problem.resolved_at = done_at + timedelta(days=i)
        d.figure(problem, "新增探头", cams, "组")
        d.figure(problem, "清晰度达标率", rate, "%")
    other = d.problem(d.post(salon, "调整问题", kind="problem"), "confirmed")
    other.resolved_at = done_at
    d.figure(other, "调整探头", 27, "组")
    d.figure(other, "新增探头", 2, "个")  # another unit of measure: its own line
    db.session.commit()
    with count_queries() as statements:
        totals = outcome_totals()
    assert len(statements) == 1
    lines = {t.text: t.problems for t in totals}
    # The in-progress problem's 4 groups are not a result yet.
    assert lines == {"新增探头 16 组": 2, "清晰度达标率 平均 95%": 2, "调整探头 27 组": 1,
                     "新增探头 2 个": 1}
    since = outcome_totals(Problem.resolved_at >= datetime(2026, 10, 21))
    assert [t.text for t in since] == ["新增探头 6 组", "清晰度达标率 100%"]
    assert db.session.scalar(db.select(db.func.count(OutcomeFigure.id))) == 8
    # The leadership dashboard shows the same totals.
    auth.login("leader")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "办理成效" in page
    for line in lines:
        assert line in page, line
