"""Printing a problem's page in Chromium (Ctrl+P): the print stylesheet keeps the title,
meta, body and the whole handling record, and drops navigation, comments, side bar and forms;
the page links its one-page 督办单."""
import unicodedata
from io import BytesIO

import pytest
from playwright.sync_api import expect

from salon.extensions import db
from salon.problems.models import Problem

from .conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser


def _busiest_problem(live_server) -> tuple[int, int, str, int]:
    """(problem id, post id, title, steps) of the demo problem with the longest record."""
    with live_server.app.app_context():
        problems = db.session.scalars(db.select(Problem)).all()
        problem = max(problems, key=lambda p: len(p.events))
        return problem.id, problem.post_id, problem.post.title, len(problem.events)


def test_a_problem_page_prints_without_the_site_around_it(open_as, live_server):
    from pypdf import PdfReader

    problem_id, post_id, title, steps = _busiest_problem(live_server)
    organizer = open_as("organizer")
    organizer.goto(live_server(f"/posts/{post_id}"))
    link = organizer.get_by_role("link", name="打印督办单")
    expect(link).to_be_visible()
    expect(organizer.locator("#comments")).to_be_visible()

    organizer.emulate_media(media="print")
    for hidden in ("nav.navbar", "aside", "#comments", ".problem-actions", "footer"):
        for element in organizer.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(link).to_be_hidden()
    expect(organizer.get_by_role("heading", name=title)).to_be_visible()
    expect(organizer.locator(".post-meta")).to_be_visible()
    expect(organizer.locator(".timeline-item")).to_have_count(steps)
    for item in organizer.locator(".timeline-item").all():
        expect(item).to_be_visible()
    screenshot(organizer, "problem-print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = organizer.pdf(format="A4")
    (SCREENSHOTS / "problem-print.pdf").write_bytes(pdf)
    # Chromium's PDF maps some glyphs to Kangxi radicals (⼈ for 人): fold them back.
    text = unicodedata.normalize("NFKC", "".join(
        page.extract_text() for page in PdfReader(BytesIO(pdf)).pages))
    assert title[:6] in text and "办理过程" in text
    assert "评论" not in text and "相关经验" not in text

    sheet = organizer.request.get(live_server(f"/problems/{problem_id}/dubandan.pdf"))
    assert sheet.status == 200 and sheet.headers["content-type"] == "application/pdf"
    assert len(PdfReader(BytesIO(sheet.body())).pages) == 1
