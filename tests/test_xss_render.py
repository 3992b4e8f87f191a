"""Salon fields and problem-workflow notes full of XSS payloads, as the server renders them.

The browser test (tests/browser/test_xss.py) opens a sample in Chromium; here another sample
goes through the same forms (organizer, leader, responsible unit, reporter) and every page
showing it is parsed as a browser parses it (tinyhtml5, the HTML5 algorithm): a plain-text
field must come out as exactly its stored text with no element inside, a Markdown field may
hold no script, frame, handler or script URL, and no page may hold any of those either.
"""
from datetime import date, timedelta
from itertools import cycle, islice

import pytest
import tinyhtml5

from salon.accounts.models import User
from salon.extensions import db
from salon.problems.models import Problem
from salon.salons.models import Salon
from salon.salons.services import AGENDA_SPEAKER_MAX, AGENDA_TITLE_MAX, PLACE_MAX, TOPIC_MAX

from .conftest import AuthActions, csrf_token
from .xss import (
    BAD_SCHEMES,
    DANGEROUS_TAGS,
    URL_ATTRIBUTES,
    agenda_part,
    sample_payloads,
    url_as_browser_reads,
)

SAMPLE_SIZE = 300            # + the Markdown tricks; another seed than the browser test's
SALON_MONTHS = [f"2030-{n:02d}" for n in range(1, 13)]
FRAMES = {"iframe", "frame", "object", "embed", "applet", "base"}


# --- reading a page as a browser does ----------------------------------------------------

def parse(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)


def local(name) -> str:
    """A tag or attribute name without its namespace ("#comment" for a comment)."""
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else "#comment"


def elements(root, tag: str, css_class: str | None = None) -> list:
    return [el for el in root.iter() if local(el.tag) == tag
            and (css_class is None or css_class in (el.get("class") or "").split())]


def first(root, tag: str, css_class: str | None = None):
    found = elements(root, tag, css_class) if root is not None else []
    return found[0] if found else None


def paired(shown: list, stored: list, what: str) -> list[tuple]:
    """Page elements with the stored values they show; a count that differs is reported."""
    if len(shown) != len(stored):
        raise AssertionError(
            f"{what}：页面上 {len(shown)} 项，库中 {len(stored)} 项（标记被注入？）")
    return list(zip(shown, stored, strict=True))


def page_problems(root) -> list[str]:
    """Anything in the page that could run script (the site's own scripts are static files)."""
    problems = []
    for el in root.iter():
        tag = local(el.tag)
        if tag == "script" and not (el.get("src") or "").startswith("/static/"):
            problems.append(f"<script>{(el.text or '')[:40]}")
        if tag in FRAMES:
            problems.append(f"<{tag}>")
        for name, value in el.attrib.items():
            name = local(name)
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and url_as_browser_reads(value).startswith(BAD_SCHEMES):
                problems.append(f"<{tag} {name}={value[:40]}>")
    return problems


def comparable(text: str) -> str:
    """Text as the parser hands it back: control characters dropped, whitespace squeezed."""
    return " ".join("".join(c for c in text if c >= " " or c.isspace()).split())


def text_problem(el, stored: str) -> str | None:
    """Why this element does not show `stored` as plain text (None when it does)."""
    if el is None:
        return f"缺少元素：{stored[:60]!r}"
    if len(el):
        return f"文字变成了标记 <{local(el[0].tag)}>：{stored[:60]!r}"
    if comparable(el.text or "") != comparable(stored):
        return f"文字不符：{(el.text or '')[:60]!r} ≠ {stored[:60]!r}"
    return None


def markdown_problems(block) -> list[str]:
    """What in a rendered Markdown block could run script or pose as the site's own form."""
    return page_problems(block) + [f"<{local(el.tag)}>" for el in block.iter()
                                   if local(el.tag) in DANGEROUS_TAGS]


def dd_after(root, label: str):
    """The <dd> that follows the <dt> with this label."""
    for dl in elements(root, "dl"):
        children = list(dl)
        for dt, dd in zip(children, children[1:], strict=False):
            if local(dt.tag) == "dt" and (dt.text or "").strip() == label:
                return dd
    return None


# --- putting payloads in through the site's forms -----------------------------------------

class Site:
    """Signed-in clients by username; every form is posted with its session's CSRF token."""

    def __init__(self, app):
        self.app = app
        self.clients: dict[str, tuple] = {}

    def client(self, username: str):
        if username not in self.clients:
            client = self.app.test_client()
            AuthActions(client).login(username)
            self.clients[username] = (client, csrf_token(client, "/posts/new"))
        return self.clients[username]

    def post(self, username: str, url: str, **data):
        client, token = self.client(username)
        return client.post(url, data={**data, "csrf_token": token})

    def page(self, username: str, url: str):
        response = self.client(username)[0].get(url)
        assert response.status_code == 200, (url, response.status_code)
        return parse(response.get_data(as_text=True))


@pytest.fixture
def site(app):
    return Site(app)


@pytest.fixture
def payloads():
    return cycle(sample_payloads(SAMPLE_SIZE, seed=6))


def take(source, n: int) -> list[str]:
    return list(islice(source, n))


def salon(month: str) -> Salon:
    db.session.expire_all()
    return db.session.scalar(db.select(Salon).filter_by(month=month))


def fill_salon(site: Site, month: str, payloads, held: bool) -> list[str]:
    """Create, edit (topic, place, description), agenda; held salons get minutes too."""
    site.post("organizer", "/salons/new", month=month, topic=f"{month} 沙龙")
    sent = [next(payloads)[:TOPIC_MAX], next(payloads)[:PLACE_MAX], *take(payloads, 5)]
    site.post("organizer", f"/salons/{month}/edit", month=month, topic=sent[0], place=sent[1],
              description="\n\n".join(sent[2:]), starts_at="")
    lines = [(agenda_part(next(payloads), AGENDA_TITLE_MAX),
              agenda_part(next(payloads), AGENDA_SPEAKER_MAX)) for _ in range(5)]
    site.post("organizer", f"/salons/{month}/agenda",
              agenda="\n".join(f"{title} | {speaker}" for title, speaker in lines))
    sent += [part for line in lines for part in line]
    site.post("organizer", f"/salons/{month}/status", to="open")
    if held:
        site.post("organizer", f"/salons/{month}/status", to="held")
        minutes = take(payloads, 5)
        site.post("organizer", f"/salons/{month}/minutes", minutes="\n\n".join(minutes))
        sent += minutes
    return sent


def salon_text(s: Salon) -> str:
    agenda = " ".join(f"{item.title} {item.speaker}" for item in s.agenda)
    return "\n".join([s.topic, s.place, s.description, s.minutes, agenda])


def test_salon_fields_show_as_text_or_sanitised_markdown(app, site, payloads):
    sent = {}
    for n, month in enumerate(SALON_MONTHS):       # the newest stays open, for the home page
        sent[month] = fill_salon(site, month, payloads, held=n < len(SALON_MONTHS) - 1)
    failures = []
    for month, texts in sent.items():
        stored = salon(month)
        missing = [t for t in texts if t.strip() not in salon_text(stored)]
        assert not missing, f"{month}：表单未保存 {missing[:3]}"
        root = site.page("organizer", f"/salons/{month}")
        failures += page_problems(root)
        failures += filter(None, [text_problem(first(root, "h1"), stored.topic),
                                  text_problem(dd_after(root, "地点"), stored.place)])
        agenda = first(root, "ol", "list-group-numbered")
        for li, item in paired(list(agenda) if agenda is not None else [], stored.agenda,
                               f"{month} 议程"):
            failures += filter(None, [text_problem(li[0], item.title)] + (
                [text_problem(li[1], f"主讲：{item.speaker}")] if item.speaker else []))
        blocks = elements(root, "div", "salon-text")
        assert len(blocks) == (2 if stored.minutes else 1), month
        for block in blocks:
            failures += markdown_problems(block)
    failures += salon_list_and_home_problems(site)
    assert not failures, failures[:5]
    assert sum(map(len, sent.values())) >= 250


def salon_list_and_home_problems(site: Site) -> list[str]:
    """The salon list shows every topic as text; the home page the current salon's."""
    db.session.expire_all()
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all()
    root = site.page("officer", "/salons/")
    links = {a.get("href"): a for a in elements(root, "a")}
    problems = page_problems(root)
    problems += filter(None, [text_problem(links.get(f"/salons/{s.month}"), s.topic)
                              for s in salons])
    home = site.page("officer", "/")
    current = salon(SALON_MONTHS[-1])
    heading = next(el for el in elements(home, "h1") if el.get("id") == "current-salon")
    problems += page_problems(home)
    problems += filter(None, [text_problem(heading, f"本期主题：{current.topic}")])
    return problems


# --- problems: every note of the workflow ------------------------------------------------

def file_problem(site: Site, month: str, title: str) -> Problem:
    client, token = site.client("officer")
    response = client.post("/api/posts", headers={"X-CSRFToken": token}, json={
        "kind": "problem", "title": title, "body": "辖区问题，详见办理过程。", "salon": month})
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(db.select(Problem).filter_by(post_id=response.get_json()["id"]))


def step(site: Site, username: str, problem: Problem, action: str, texts: list[str],
         into: str = "note", **data) -> None:
    """One step through the site's form; it must be recorded."""
    before = len(problem.events)
    site.post(username, f"/problems/{problem.id}/act", action=action,
              **{into: "\n".join(texts)}, **data)
    db.session.expire_all()
    assert len(problem.events) == before + 1, (action, texts)


def resolve(site: Site, problem: Problem, payloads) -> None:
    """报结 by the unit, 审核通过 by a leader."""
    label, unit = next(payloads)[:100], next(payloads)[:20]
    step(site, "officer2", problem, "report", take(payloads, 2), into="outcome",
         **{"figures-0-label": label, "figures-0-value": "16", "figures-0-unit": unit})
    step(site, "leader", problem, "approve", take(payloads, 2))


def run_workflow(site: Site, problem: Problem, payloads, unit_id: int) -> None:
    """Raised → … → confirmed (with a dispute between), a payload pair in every note."""
    step(site, "officer2", problem, "cosign", [next(payloads)[:500]])
    step(site, "organizer", problem, "accept", take(payloads, 2))
    step(site, "organizer", problem, "assign", take(payloads, 2), unit=unit_id,
         deadline=str(date.today() + timedelta(days=30)))
    step(site, "leader", problem, "instruct", take(payloads, 2))
    step(site, "leader", problem, "instruct", take(payloads, 2))
    step(site, "officer2", problem, "sign", take(payloads, 2))
    step(site, "officer2", problem, "progress", take(payloads, 2))
    step(site, "organizer", problem, "escalate", take(payloads, 2), body=next(payloads)[:100])
    step(site, "organizer", problem, "urge", take(payloads, 2))
    step(site, "officer2", problem, "request_extension", take(payloads, 2),
         deadline=str(date.today() + timedelta(days=60)))
    step(site, "organizer", problem, "deny_extension", take(payloads, 2))
    resolve(site, problem, payloads)
    step(site, "officer", problem, "dispute", take(payloads, 2), solved="partly")
    resolve(site, problem, payloads)
    step(site, "officer", problem, "confirm", take(payloads, 2), satisfaction="basically",
         solved="solved")


def panel_problems(root, problem: Problem) -> list[str]:
    """Timeline notes, instructions, outcome, figures and decline reason shown as text."""
    timeline = first(root, "ol", "timeline")
    notes = [div for li in (timeline or []) for div in li if div.get("class") == "small"]
    events = [e for e in problem.events if e.note]
    problems = [text_problem(div, e.note) for div, e in paired(notes, events, "办理过程")]
    shown = [li[0] for li in elements(root, "li", "instruction")]
    problems += [text_problem(p, i.text)
                 for p, i in paired(shown, problem.instructions, "领导批示")]
    if problem.outcome:
        problems.append(text_problem(first(dd_after(root, "评估"), "p"), problem.outcome))
        figures = first(root, "ul", "outcome-figures")
        for li, figure in paired(list(figures) if figures is not None else [],
                                 problem.figures, "成效数据"):
            extra = [local(child.tag) for child in li if local(child.tag) != "strong"]
            if extra or comparable(figure.label) not in comparable("".join(li.itertext())):
                problems.append(f"成效指标未原样显示：{figure.label[:60]!r}")
    if problem.state == "declined":
        problems.append(text_problem(dd_after(root, "不予受理理由"), problem.decline_reason))
    return [p for p in problems if p]


def test_problem_workflow_notes_show_as_text(app, site, payloads):
    month = SALON_MONTHS[0]
    site.post("organizer", "/salons/new", month=month, topic="问题跟踪")
    site.post("organizer", f"/salons/{month}/status", to="open")
    unit_id = db.session.scalar(db.select(User.unit_id).filter_by(username="officer2"))
    problems = [file_problem(site, month, f"问题 {n}") for n in range(6)]
    for problem in problems[:4]:
        run_workflow(site, problem, payloads, unit_id)
    for problem in problems[4:]:
        step(site, "officer2", problem, "cosign", [next(payloads)[:500]])
        step(site, "organizer", problem, "decline", take(payloads, 2))
    db.session.expire_all()
    assert [p.state for p in problems] == ["confirmed"] * 4 + ["declined"] * 2
    failures = []
    for problem in problems:
        root = site.page("officer", f"/posts/{problem.post_id}")
        failures += page_problems(root) + panel_problems(root, problem)
    failures += bulletin_preview_problems(site, month, problems)
    for username, url in [("leader", "/dashboard/"), ("officer2", "/problems/todo"),
                          ("leader", f"/problems/?salon={month}")]:
        failures += page_problems(site.page(username, url))
    assert not failures, failures[:5]


def bulletin_preview_problems(site: Site, month: str, problems: list[Problem]) -> list[str]:
    """The bulletin preview renders each outcome as Markdown and instructions as text."""
    root = site.page("organizer", f"/bulletins/{month}")
    found = page_problems(root)
    preview = first(root, "div", "bulletin-screen")
    for cell in elements(preview, "td"):
        found += markdown_problems(cell)
    shown = [comparable("".join(p.itertext())) for p in elements(preview, "p", "instruction")]
    for instruction in (i for p in problems for i in p.instructions):
        if not any(text.startswith(comparable(instruction.text)) for text in shown):
            found.append(f"批示未原样显示：{instruction.text[:60]!r}")
    return found
