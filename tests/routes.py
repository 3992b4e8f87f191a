"""For tests that walk the URL map: one of every object a URL can name, and request helpers.

`build_world()` creates a salon, posts, a problem, a token, an upload and a bulletin revision,
and returns a value for every URL argument name used by the site's rules. A rule whose
argument is missing here makes the walking tests fail with a message that says to add it.
"""
import hashlib
from datetime import datetime
from io import BytesIO

from flask import Flask
from werkzeug.routing import Rule

from salon.accounts.models import ApiToken, Unit, User
from salon.extensions import db

from .conftest import AuthActions


def _one_page_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()

ROLES = ("officer", "organizer", "leader", "admin")
ANONYMOUS = "anonymous"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SKIPPED_ENDPOINTS = {"static"}


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def build_world() -> dict[str, object]:
    """One of everything; {URL argument name: value}. Extend it when a new argument appears."""
    from salon.bulletin.models import Bulletin, BulletinRevision
    from salon.notifications.models import Notification
    from salon.posts.models import Post, Upload
    from salon.problems.models import LedgerExport
    from salon.problems.services import open_problem
    from salon.salons.models import Salon
    from salon.storage import storage

    officer, leader = user("officer"), user("leader")
    salon = Salon(number=1, month="2026-10", topic="社区警务室建设", status="open",
                  starts_at=datetime(2026, 10, 26, 14, 30))
    post = Post(kind="problem", title="夜间巡逻路段照明不足", body="村口路灯损坏。",
                author=officer, unit=officer.unit, salon=salon, status="submitted")
    draft = Post(kind="experience", title="草稿", body="未完成", author=officer,
                 unit=officer.unit, salon=salon, status="draft")
    # waiting for review (所长审核); 城关派出所 has no head here, so the desk reviews it
    pending = Post(kind="experience", title="待审核", body="待所长审核", author=officer,
                   unit=officer.unit, salon=salon, status="pending")
    db.session.add_all([salon, post, draft, pending])
    db.session.flush()
    problem = open_problem(post, officer)
    token, _ = ApiToken.issue(officer, "样例")
    image = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    upload_key = "sample.png"
    storage().put("uploads/" + upload_key, image, "image/png")
    upload = Upload(key=upload_key, owner_id=officer.id, content_type="image/png",
                    size=len(image), sha256=hashlib.sha256(image).hexdigest())
    pdf = _one_page_pdf()  # downloads are stamped copies: it must be a real PDF
    storage().put("bulletins/2026-10/r1.pdf", pdf, "application/pdf")
    revision = BulletinRevision(
        bulletin=Bulletin(salon=salon), number=1, storage_key="bulletins/2026-10/r1.pdf",
        sha256=hashlib.sha256(pdf).hexdigest(), content_hash="0" * 64, pages=1, size=len(pdf))
    message = Notification(user=officer, kind="problem", text="样例消息", link=f"/posts/{post.id}")
    export = LedgerExport(requested_by=leader, query="state=raised", status="queued")
    db.session.add_all([upload, revision, message, export])
    suggestion, other_suggestion, lecture, material = _suggestions_and_lectures(officer, problem)
    indicator = _indicator()
    published = _assessment_report(pdf, leader, user("organizer"))
    db.session.commit()
    return {
        "user_id": user("officer2").id,
        "unit_id": db.session.scalar(db.select(Unit.id).filter_by(name="曹甸派出所")),
        "token_id": token.id,
        "month": salon.month,
        "post_id": post.id,
        "draft_id": draft.id,
        "pending_id": pending.id,
        "problem_id": problem.id,
        "flag": "exemplary",
        "key": upload.key,
        "revision_id": revision.id,
        "kind": "bulletin",  # a document to sign off (签发): the bulletin
        "subject_id": revision.bulletin_id,
        "action": "submit",
        "fmt": "csv",
        "notification_id": message.id,  # the officer's own
        "export_id": export.id,  # the leader's background ledger export
        "suggestion_id": suggestion.id,
        "other_suggestion_id": other_suggestion.id,
        "lecture_id": lecture.id,
        "material_id": material.id,
        "period": "2026Q4",
        "indicator_id": indicator.id,
        "own_unit_id": officer.unit_id,
        "report_id": published.id,  # a published 考核通报
        "ext": "pdf",
    }


def _indicator():
    """An entered indicator (考核), so the assessment pages have something to show."""
    from salon.assessment.models import Indicator

    indicator = Indicator(code="shuxi", name="熟识率", source="entered", direction="higher",
                          weight=10, normalisation="none", value_unit="%", min_value=0,
                          max_value=100, definition="熟识住户 ÷ 抽查住户 × 100%")
    db.session.add(indicator)
    return indicator


def _assessment_report(pdf: bytes, leader: User, organizer: User):
    """A published 考核通报 (its PDF and .xlsx stored)."""
    from salon.assessment.models import AssessmentReport
    from salon.storage import storage

    sheet = b"PK sample sheet"
    storage().put("assessment/2026Q3/r1.pdf", pdf, "application/pdf")
    storage().put("assessment/2026Q3/r1.xlsx", sheet, "application/octet-stream")
    published = AssessmentReport(
        period="2026Q3", number=1, fingerprint="0" * 64, pdf_key="assessment/2026Q3/r1.pdf",
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf), pages=1,
        xlsx_key="assessment/2026Q3/r1.xlsx", xlsx_sha256=hashlib.sha256(sheet).hexdigest(),
        xlsx_size=len(sheet), content="{}", signed_by_id=leader.id,
        signed_at=datetime(2026, 10, 8, 9, 0), published_by_id=organizer.id)
    db.session.add(published)
    return published


def _suggestions_and_lectures(officer: User, problem) -> tuple:
    """A suggestion officer registered, one officer2 did; a lecture with a PDF and its preview."""
    from datetime import date

    from salon.lectures.models import Lecture, LectureMaterial
    from salon.storage import storage
    from salon.suggestions.models import Suggestion

    mine = Suggestion(code="A" * 16, channel="visit", text="路灯坏了", contact="张三 13812345678",
                      received_on=date(2026, 10, 5), registered_by=officer)
    other = Suggestion(code="B" * 16, channel="phone", text="噪音扰民", contact="李四",
                       received_on=date(2026, 10, 6), registered_by=user("officer2"))
    lecture = Lecture(kind="weekend_school", held_on=date(2026, 10, 9), unit=officer.unit,
                      speaker=officer, title="执法自查讲评", created_by=user("organizer"),
                      problems=[problem])
    pdf = b"%PDF-1.4 sample lecture"
    storage().put("lectures/sample.pdf", pdf, "application/pdf")
    storage().put("lectures/sample-p1.png", b"\x89PNG\r\n\x1a\n" + b"0" * 16, "image/png")
    material = LectureMaterial(lecture=lecture, key="lectures/sample.pdf", filename="讲稿.pdf",
                               kind="pdf", size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
                               preview_key="lectures/sample-p1.png", uploaded_by_id=officer.id)
    db.session.add_all([mine, other, lecture, material])
    return mine, other, lecture, material


def rules(app: Flask, methods: set[str]) -> list[Rule]:
    """Every rule that accepts one of these methods, by endpoint."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint not in SKIPPED_ENDPOINTS and methods & (r.methods or set())),
                  key=lambda r: (r.endpoint, r.rule))


def url_for_rule(app: Flask, rule: Rule, world: dict, overrides: dict | None = None) -> str:
    """The rule's URL with every argument filled from the world (or the overrides)."""
    values = {**world, **(overrides or {})}
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, (
        f"{rule.endpoint} ({rule.rule}) needs a sample value for {missing}: "
        f"add it to build_world() in tests/routes.py")
    values = {arg: values[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def signed_in_clients(app: Flask) -> dict[str, object]:
    """One client per role, signed in, and one anonymous client."""
    clients = {ANONYMOUS: app.test_client()}
    for role in ROLES:
        clients[role] = app.test_client()
        response = AuthActions(clients[role]).login(role)
        assert response.status_code == 302, f"{role} could not sign in"
    return clients


def snapshot() -> dict[str, list]:
    """Every row of every table: to prove that a refused request changed nothing."""
    db.session.expire_all()
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(table.select().order_by(*order)).all()
            state[table.name] = [tuple(row) for row in rows]
    return state
