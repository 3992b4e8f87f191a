"""XSS in a real browser: payloads through every user-written field, then the pages opened.

A sample of the payloadbox list plus Markdown tricks goes in through the real app — the JSON
API (title, body, tags, SARA fields), the comment form, the bulletin's editor's note, `flask
posts import` (titles, bodies, tags, author and unit names) and the Word import. Every page
showing them is opened in Chromium with the CSP switched off, so the sanitiser and the
templates' escaping are the only defence: no dialog may open, no console call or canary may
fire, and the live DOM may hold no handler attribute, script URL, inline script or frame.
"""
import io
import json
import re
from collections import defaultdict
from itertools import islice

import pytest

from salon.extensions import db
from salon.posts.services import TAG_MAX
from salon.salons.models import Salon
from tests.conftest import AuthActions, csrf_token
from tests.xss import dom_problems, sample_payloads

from .conftest import Watch, new_page

pytestmark = pytest.mark.browser

SAMPLE_SIZE = 400                       # + the Markdown tricks; at least 300 must be rendered
SEARCH_TERMS = ["alert", "script", "onerror", "img", "svg", "javascript", "prompt"]


class Injector:
    """Puts payloads into the site field by field; remembers what was accepted and where."""

    def __init__(self, app, month: str):
        self.app, self.month = app, month
        self.client = app.test_client()
        AuthActions(self.client).login("organizer")
        self.accepted: dict[str, list[str]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)
        self.paths: set[str] = set()
        self.post_ids: list[int] = []
        self.titles: dict[str, str] = {}      # page → the title it must show, as text

    def note(self, field: str, payloads: list[str], ok: bool) -> None:
        if ok:
            self.accepted[field] += payloads
        else:
            self.refused[field] += len(payloads)

    def api_post(self, title: str, body: list[str], tags: list[str], sara: list[str]) -> None:
        """POST /api/posts (session + CSRF header, as the site's own scripts would)."""
        kind = "problem" if sara else "experience"
        payload = {"kind": kind, "title": title, "body": "\n\n".join(body), "salon": self.month,
                   "tags": [t[:TAG_MAX] for t in tags],
                   **dict(zip(("scan", "analysis", "proposal"), sara, strict=False))}
        response = self.client.post("/api/posts", json=payload,
                                    headers={"X-CSRFToken": csrf_token(self.client, "/posts/new")})
        ok = response.status_code == 201
        self.note("title", [title], ok)
        self.note("body", body, ok)
        self.note("tags", tags, ok)
        self.note("sara", sara, ok)
        if ok:
            post_id = response.get_json()["id"]
            self.remember_post(post_id)
            self.titles[f"/posts/{post_id}"] = title

    def remember_post(self, post_id: int) -> None:
        self.post_ids.append(post_id)
        self.paths.add(f"/posts/{post_id}")

    def comments(self, post_id: int, payloads: list[str]) -> None:
        for payload in payloads:
            response = self.client.post(f"/posts/{post_id}/comments", data={
                "body": payload, "csrf_token": csrf_token(self.client, f"/posts/{post_id}")})
            page = self.client.get(f"/posts/{post_id}").get_data(as_text=True)
            self.note("comment", [payload], response.status_code == 302
                      and "评论已发表" in page)

    def editor_note(self, month: str, payloads: list[str]) -> None:
        note = "\n\n".join(payloads)[:5000]
        response = self.client.post(f"/bulletins/{month}/settings", data={
            "editor_note": note, "csrf_token": csrf_token(self.client, f"/bulletins/{month}")})
        self.note("editor_note", [p for p in payloads if p in note], response.status_code == 302)
        self.paths.add(f"/bulletins/{month}")

    def import_file(self, tmp_path, rows: list[dict]) -> None:
        """`flask posts import` with payloads in titles, bodies, tags, authors and units."""
        path = tmp_path / "xss.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
        with self.app.app_context():
            before = set(db.session.scalars(db.text("SELECT id FROM post")))
        result = self.app.test_cli_runner().invoke(args=["posts", "import", str(path)])
        ok = result.exit_code == 0
        for field in ("title", "author", "unit"):
            self.note(f"import-{field}", [r[field] for r in rows], ok)
        self.note("import-body", [r["body"] for r in rows], ok)
        self.note("import-tags", [t for r in rows for t in r["tags"]], ok)
        assert ok, result.output
        with self.app.app_context():
            for post_id in set(db.session.scalars(db.text("SELECT id FROM post"))) - before:
                self.remember_post(post_id)

    def docx(self, payloads: list[str]) -> None:
        """The Word import: payloads as paragraphs, a heading and a javascript: hyperlink."""
        data = {"file": (io.BytesIO(word_document(payloads)), "经验材料.docx"),
                "kind": "experience", "csrf_token": csrf_token(self.client, "/posts/import")}
        response = self.client.post("/posts/import", data=data,
                                    content_type="multipart/form-data")
        match = re.search(r"/posts/(\d+)", response.headers.get("Location", ""))
        self.note("docx", payloads, bool(match))
        assert match, response.get_data(as_text=True)[:500]
        self.remember_post(int(match.group(1)))

    def total(self) -> int:
        return len({p for values in self.accepted.values() for p in values})


def word_document(payloads: list[str]) -> bytes:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    document.add_heading(payloads[0][:150], level=1)
    for payload in payloads[1:]:
        document.add_paragraph(payload)
    paragraph = document.add_paragraph("链接：")
    target = document.part.relate_to("javascript:window.__xss=1", RELATIONSHIP_TYPE.HYPERLINK,
                                     is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), target)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "点我"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def squeeze(text: str) -> str:
    return " ".join(text.split())


def take(source, n: int) -> list[str]:
    return list(islice(source, n))


@pytest.fixture(scope="module")
def injected(live_server, tmp_path_factory):
    """The sample spread over every field; returns the Injector."""
    app = live_server.app
    with app.app_context():
        month = db.session.scalar(db.select(Salon.month).filter_by(status="open"))
        note_month = db.session.scalar(db.select(Salon.month).filter_by(status="published"))
    injector = Injector(app, month)
    payloads = iter(sample_payloads(SAMPLE_SIZE))
    for i in range(40):                         # 40 posts: title, 3 in the body, 2 tags
        sara = take(payloads, 3) if i % 4 == 0 else []
        injector.api_post(next(payloads), take(payloads, 3), take(payloads, 2), sara)
    for post_id in injector.post_ids[:6]:       # 10 comments on each of six posts
        injector.comments(post_id, take(payloads, 10))
    injector.editor_note(note_month, take(payloads, 20))
    rows = [{"kind": "problem" if i % 3 == 0 else "experience", "title": next(payloads)[:200],
             "body": next(payloads), "author": next(payloads)[:64], "unit": next(payloads)[:80],
             "salon": month, "tags": [next(payloads)[:TAG_MAX]]} for i in range(16)]
    injector.import_file(tmp_path_factory.mktemp("xss-import"), rows)
    injector.docx(take(payloads, 25) + [p for p in payloads])   # everything left
    injector.paths |= {f"/search/?q={term}" for term in SEARCH_TERMS}
    injector.paths |= {"/", "/posts/", "/posts/?kind=problem", "/problems/", f"/salons/{month}",
                       f"/posts/?salon={month}&page=2", f"/posts/?salon={month}&page=3"}
    return injector


def test_the_sample_reaches_every_field(injected):
    fields = {"title", "body", "tags", "sara", "comment", "editor_note", "import-title",
              "import-body", "import-tags", "import-author", "import-unit", "docx"}
    assert fields <= set(injected.accepted), injected.accepted.keys()
    assert all(len(injected.accepted[f]) >= 10 for f in fields - {"import-tags"})
    assert injected.total() >= 300, (injected.total(), dict(injected.refused))


def test_no_script_runs_on_any_page_showing_the_payloads(browser, live_server, injected):
    from .conftest import login

    watch = Watch()
    page = new_page(browser, watch, bypass_csp=True)   # the sanitiser alone must hold
    failures = {}
    try:
        login(page, live_server, "organizer")
        for path in sorted(injected.paths):
            response = page.goto(live_server(path))
            page.wait_for_load_state("load")
            problems = dom_problems(page) + watch.script_hits(page)
            if response.status != 200:
                problems.append(f"HTTP {response.status}")
            if path in injected.titles and squeeze(page.inner_text("h1")) != squeeze(
                    injected.titles[path]):
                problems.append(f"标题未原样显示：{injected.titles[path]!r}")
            if problems:
                failures[path] = problems
            watch.dialogs.clear()
    finally:
        page.context.close()
    write_summary(injected)
    assert not failures, failures
    assert len(injected.paths) >= 60


def write_summary(injected: Injector) -> None:
    """How many payloads went through which field (test-output/xss-summary.json)."""
    from .conftest import ROOT

    summary = {"rendered_payloads": injected.total(), "pages": len(injected.paths),
               "accepted": {k: len(v) for k, v in sorted(injected.accepted.items())},
               "refused": dict(injected.refused)}
    out = ROOT / "test-output" / "xss-summary.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
