"""XSS in a real browser: payloads through every user-written field, then the pages opened.

A sample of the payloadbox list plus Markdown tricks goes in through the real app — the JSON
API (title, body, tags, SARA fields), the comment form, the bulletin's editor's note, `flask
posts import` (titles, bodies, tags, author and unit names), the Word import, the organizer's
salon forms (topic, place, description, agenda, minutes) and every note of the problem
workflow (leader, responsible unit and reporter, through the site's step form). Every page
showing them is opened in Chromium with the CSP switched off, so the sanitiser and the
templates' escaping are the only defence: no dialog may open, no console call or canary may
fire, and the live DOM may hold no handler attribute, script URL, inline script or frame.

The module runs on a site of its own, so the payloads never reach the other browser tests.
"""
import io
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from itertools import islice

import pytest

from salon.accounts.models import User
from salon.extensions import db
from salon.posts.services import TAG_MAX
from salon.problems.models import Problem, ProblemEvent
from salon.salons.models import Salon
from salon.salons.services import AGENDA_SPEAKER_MAX, AGENDA_TITLE_MAX, PLACE_MAX, TOPIC_MAX
from tests.conftest import AuthActions, csrf_token
from tests.xss import agenda_part, dom_problems, sample_payloads

from .conftest import Watch, new_page, seeded_site
from .seed import unit_head

pytestmark = pytest.mark.browser

SAMPLE_SIZE = 620                       # + the Markdown tricks; at least 500 must be rendered
SEARCH_TERMS = ["alert", "script", "onerror", "img", "svg", "javascript", "prompt"]
SALON_MONTHS = [f"2031-{n:02d}" for n in range(1, 7)]   # new salons, one topic each
SALON_FIELDS = {"salon-topic", "salon-place", "salon-description", "salon-agenda",
                "salon-minutes"}
PROBLEM_FIELDS = {f"problem-{step}" for step in (
    "cosign", "accept", "assign", "instruct", "sign", "progress", "report", "figure",
    "approve", "dispute", "confirm", "decline")}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own site: salons and problems full of payloads stay out of the others'."""
    with seeded_site(tmp_path_factory.mktemp("xss-site")) as server:
        yield server


class Injector:
    """Puts payloads into the site field by field; remembers what was accepted and where."""

    def __init__(self, app, month: str):
        self.app, self.month = app, month
        self.client = app.test_client()
        AuthActions(self.client).login("organizer")
        self.clients = {"organizer": self.client}
        self.tokens: dict[str, str] = {}
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

    # --- salons: the organizer's forms -------------------------------------------------------

    def as_user(self, username: str):
        """A signed-in test client of that user and a CSRF token of its session."""
        if username not in self.clients:
            self.clients[username] = self.app.test_client()
            AuthActions(self.clients[username]).login(username)
        if username not in self.tokens:
            self.tokens[username] = csrf_token(self.clients[username], "/posts/new")
        return self.clients[username], self.tokens[username]

    def form(self, username: str, url: str, **data) -> None:
        client, token = self.as_user(username)
        client.post(url, data={**data, "csrf_token": token})

    def salon(self, month: str, payloads) -> None:
        """A new salon, then its edit form (topic, place, description) and its agenda."""
        self.form("organizer", "/salons/new", month=month, topic=f"{month} 沙龙")
        topic, place = next(payloads)[:TOPIC_MAX], next(payloads)[:PLACE_MAX]
        description = take(payloads, 4)
        self.form("organizer", f"/salons/{month}/edit", month=month, topic=topic, place=place,
                  description="\n\n".join(description), starts_at="")
        agenda = [agenda_part(next(payloads), limit)
                  for _ in range(3) for limit in (AGENDA_TITLE_MAX, AGENDA_SPEAKER_MAX)]
        self.form("organizer", f"/salons/{month}/agenda",
                  agenda="\n".join(f"{t} | {s}" for t, s in zip(agenda[::2], agenda[1::2],
                                                              strict=True)))
        stored = self.stored_salon(month)
        self.note("salon-topic", [topic], stored["topic"] == topic.strip())
        self.note("salon-place", [place], stored["place"] == place.strip())
        for payload in description:
            self.note("salon-description", [payload], payload.strip() in stored["description"])
        for part in agenda:
            self.note("salon-agenda", [part], part in stored["agenda"])
        self.paths.add(f"/salons/{month}")
        self.titles[f"/salons/{month}"] = topic

    def advance(self, month: str, status: str) -> None:
        self.form("organizer", f"/salons/{month}/status", to=status)

    def minutes(self, month: str, payloads: list[str]) -> None:
        """纪要 (the salon must have been held)."""
        self.form("organizer", f"/salons/{month}/minutes", minutes="\n\n".join(payloads))
        stored = self.stored_salon(month)["minutes"]
        for payload in payloads:
            self.note("salon-minutes", [payload], payload.strip() in stored)

    def stored_salon(self, month: str) -> dict:
        with self.app.app_context():
            salon = db.session.scalar(db.select(Salon).filter_by(month=month))
            return {"topic": salon.topic, "place": salon.place,
                    "description": salon.description, "minutes": salon.minutes,
                    "agenda": [part for item in salon.agenda
                               for part in (item.title, item.speaker)]}

    # --- problems: every note of the workflow, through the site's step form -----------------

    def problem(self, month: str, payloads, declined: bool = False) -> None:
        """Filed by `officer` in that salon; the leader, the responsible unit (`officer2`, who
        also co-signs) and the reporter take it to confirmed (or the leader declines it)."""
        problem_id = self.file_problem(month)
        self.step("officer2", problem_id, "cosign", [next(payloads)[:500]])
        if declined:
            self.step("organizer", problem_id, "decline", take(payloads, 2))
            return
        self.step("organizer", problem_id, "accept", take(payloads, 2))
        self.step("organizer", problem_id, "assign", take(payloads, 2),
                  unit=self.unit_of("officer2"), deadline=str(date.today() + timedelta(days=30)))
        for _ in range(2):
            self.step("leader", problem_id, "instruct", take(payloads, 2))
        self.step("officer2", problem_id, "sign", take(payloads, 2))
        self.step("officer2", problem_id, "progress", take(payloads, 2))
        self.resolve(problem_id, payloads)
        self.step("officer", problem_id, "dispute", take(payloads, 2), solved="partly")
        self.resolve(problem_id, payloads)
        self.step("officer", problem_id, "confirm", take(payloads, 2), satisfaction="satisfied",
                  solved="solved")

    def file_problem(self, month: str) -> int:
        client, token = self.as_user("officer")
        title = f"{month} 沙龙反映的问题 {len(self.post_ids) + 1}"
        response = client.post("/api/posts", headers={"X-CSRFToken": token}, json={
            "kind": "problem", "title": title, "body": "辖区问题，详见办理过程。",
            "salon": month})
        assert response.status_code == 201, response.get_json()
        post_id = response.get_json()["id"]
        self.remember_post(post_id)
        self.titles[f"/posts/{post_id}"] = title
        with self.app.app_context():
            return db.session.scalar(db.select(Problem.id).filter_by(post_id=post_id))

    def step(self, username: str, problem_id: int, action: str, texts: list[str],
             into: str = "note", **data) -> bool:
        """One workflow step with the texts in its note (or outcome); accepted when its event
        was recorded."""
        before = self.event_count(problem_id)
        self.form(username, f"/problems/{problem_id}/act", action=action,
                  **{into: "\n".join(texts)}, **data)
        ok = self.event_count(problem_id) == before + 1
        self.note(f"problem-{action}", texts, ok)
        return ok

    def resolve(self, problem_id: int, payloads) -> None:
        """报结 by the unit's head (the outcome and a measured figure's name and unit carry
        payloads), then 审核通过 by a leader."""
        label, unit = next(payloads)[:100], next(payloads)[:20]
        head = unit_head(self.app, "曹甸派出所")
        ok = self.step(head, problem_id, "report", take(payloads, 2), into="outcome",
                       **{"figures-0-label": label, "figures-0-value": "16",
                          "figures-0-unit": unit})
        self.note("problem-figure", [label, unit], ok)
        self.step("leader", problem_id, "approve", take(payloads, 2))

    def event_count(self, problem_id: int) -> int:
        with self.app.app_context():
            return db.session.scalar(db.select(db.func.count(ProblemEvent.id)).filter_by(
                problem_id=problem_id))

    def unit_of(self, username: str) -> int:
        with self.app.app_context():
            return db.session.scalar(db.select(User.unit_id).filter_by(username=username))

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
    salons_and_problems(injector, payloads)
    injector.docx(take(payloads, 25) + [p for p in payloads])   # everything left
    injector.paths |= {f"/search/?q={term}" for term in SEARCH_TERMS}
    injector.paths |= {"/", "/posts/", "/posts/?kind=problem", "/problems/", f"/salons/{month}",
                       f"/posts/?salon={month}&page=2", f"/posts/?salon={month}&page=3",
                       "/salons/", "/dashboard/", "/problems/todo"}
    return injector


def salons_and_problems(injector: Injector, payloads) -> None:
    """Six new salons; problems in the first two, whose bulletin previews show them too. The
    newest salon stays open (the home page shows its call for posts); the others are held
    and get minutes."""
    for month in SALON_MONTHS:
        injector.salon(month, payloads)
        injector.advance(month, "open")
    for month in SALON_MONTHS[:2]:
        for _ in range(2):
            injector.problem(month, payloads)
        injector.paths.add(f"/bulletins/{month}")
        injector.paths.add(f"/problems/?salon={month}")
    injector.problem(SALON_MONTHS[0], payloads, declined=True)
    for month in SALON_MONTHS[:-1]:
        injector.advance(month, "held")
        injector.minutes(month, take(payloads, 4))


def test_the_sample_reaches_every_field(injected):
    fields = {"title", "body", "tags", "sara", "comment", "editor_note", "import-title",
              "import-body", "import-tags", "import-author", "import-unit", "docx"}
    assert fields | SALON_FIELDS | PROBLEM_FIELDS <= set(injected.accepted), injected.accepted
    assert all(len(injected.accepted[f]) >= 10 for f in fields - {"import-tags"})
    # The salon and workflow forms take every payload as it is (the agenda's "|" aside).
    assert not {f: n for f, n in injected.refused.items() if f in SALON_FIELDS | PROBLEM_FIELDS}
    assert len(injected.accepted["salon-topic"]) == len(SALON_MONTHS)
    assert injected.total() >= 500, (injected.total(), dict(injected.refused))


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
    assert not failures, f"{len(failures)} 个页面：" + "\n".join(
        f"{path}: {problems[:4]}" for path, problems in sorted(failures.items()))
    assert len(injected.paths) >= 80


def write_summary(injected: Injector) -> None:
    """How many payloads went through which field (test-output/xss-summary.json)."""
    from .conftest import ROOT

    summary = {"rendered_payloads": injected.total(), "pages": len(injected.paths),
               "accepted": {k: len(v) for k, v in sorted(injected.accepted.items())},
               "refused": dict(injected.refused)}
    out = ROOT / "test-output" / "xss-summary.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
