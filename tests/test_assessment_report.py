"""The 考核通报 published: a PDF (title, every unit whole, ranks, 缺报, the signer) and an
.xlsx frozen with their SHA-256 after a leader's 签发; only organizers publish, never an
unsigned or changed 通报; a weight changed afterwards leaves the published bytes alone."""
import hashlib
from io import BytesIO

import pytest
from pypdf import PdfReader

from salon.accounts.models import User
from salon.assessment import publication
from salon.assessment.models import AssessmentReport, Indicator
from salon.errors import Conflict, NotAllowed
from salon.extensions import db
from salon.notifications.models import Notification

from .assessment_data import build_quarter
from .conftest import csrf_token

UNITS = ("城关派出所", "曹甸派出所", "夏集派出所", "城东警务室")


@pytest.fixture
def quarter(app):
    return build_quarter()


def _user(name: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=name))


def _step(client, action: str, comment: str = ""):
    url = "/assessment/2026Q4"
    return client.post(f"/signoff/assessment/20264/{action}", data={
        "csrf_token": csrf_token(client, url), "comment": comment, "next": url})


def _sign(client, auth):
    auth.login("organizer")
    assert _step(client, "submit").status_code == 302
    auth.logout()
    auth.login("leader")
    assert _step(client, "sign", "同意通报。").status_code == 302
    auth.logout()


def _publish(client):
    return client.post("/assessment/2026Q4/publish",
                       data={"csrf_token": csrf_token(client, "/assessment/2026Q4")})


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_organizer_publishes_the_signed_report_and_it_stays_frozen(quarter, client, auth):
    leader = _user("leader")
    quarter["城关派出所"].contact_leaders = [leader]
    db.session.commit()
    _sign(client, auth)
    auth.login("organizer")
    page = client.get("/assessment/2026Q4").get_data(as_text=True)
    assert 'id="assessment-publish"' in page
    response = _publish(client)
    assert response.status_code == 302 and response.location.endswith("/assessment/reports")
    report = db.session.scalar(db.select(AssessmentReport))
    assert (report.period, report.number, report.signed_by.username) == ("2026Q4", 1, "leader")
    # every active officer is told; the organizer who published is not
    told = set(db.session.scalars(db.select(Notification.user_id).filter_by(kind="assessment")))
    officers = set(db.session.scalars(db.select(User.id).filter_by(role="officer")))
    assert told == officers and told
    pdf = client.get(f"/assessment/reports/{report.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == report.pdf_sha256
    xlsx = client.get(f"/assessment/reports/{report.id}.xlsx")
    assert hashlib.sha256(xlsx.data).hexdigest() == report.xlsx_sha256

    text = _text(pdf.data)
    flat = text.replace("\n", "").replace(" ", "")
    assert "2026年第四季度社区警务考核通报" in flat
    assert "签发人：测试leader" in flat
    for name in UNITS:  # every unit's name whole, on one line (not clipped or split)
        assert any(name in line.replace(" ", "") for line in text.splitlines()), name
    assert "缺报" in text and "末位" in text  # 夏集 has 熟识率 缺报; 曹甸 is last
    rows = [line.replace(" ", "") for line in text.splitlines()]
    assert any(r.startswith("1城关派出所75.00") for r in rows), rows
    assert any(r.startswith("1夏集派出所75.00") for r in rows)
    assert any(r.startswith("3曹甸派出所31.25") and "末位" in r for r in rows)
    assert any(r.startswith("1夏集派出所") and r.endswith("缺报熟识率") for r in rows), rows
    assert "捆绑考评" in flat and "熟识住户÷抽查住户" in flat  # pairing and the formulas
    assert report.fingerprint in flat

    # the organizer changes a weight and corrects a figure: the published 通报 does not change
    db.session.scalar(db.select(Indicator).filter_by(code="faan")).weight = 30
    db.session.commit()
    assert client.post("/assessment/2026Q4/figures", data={
        "csrf_token": csrf_token(client, "/assessment/2026Q4/figures"),
        "unit_id": quarter["夏集派出所"].id, "indicator_id": db.session.scalar(
            db.select(Indicator.id).filter_by(code="shuxi")),
        "value": "66", "evidence": "补报入户调查表"}).status_code == 302
    again = client.get(f"/assessment/reports/{report.id}.pdf")
    assert again.data == pdf.data
    assert client.get(f"/assessment/reports/{report.id}.xlsx").data == xlsx.data
    # …and publishing again is refused until a new 送审/签发
    refused = _publish(client)
    assert refused.status_code == 302
    assert "签发后内容已有变化" in client.get(refused.location).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(AssessmentReport.id))) == 1
    assert db.session.get(AssessmentReport, report.id).pdf_sha256 == report.pdf_sha256
    auth.logout()
    _sign(client, auth)
    auth.login("organizer")
    assert _publish(client).status_code == 302
    second = db.session.scalar(db.select(AssessmentReport).filter_by(number=2))
    assert second.fingerprint != report.fingerprint and second.pdf_sha256 != report.pdf_sha256
    second_text = _text(client.get(f"/assessment/reports/{second.id}.pdf").data)
    assert "夏集派出所" in second_text and "缺报熟识率" not in second_text.replace(" ", "")
    # both revisions listed and downloadable; the old one unchanged
    archive = client.get("/assessment/reports").get_data(as_text=True)
    assert "第1版" in archive and "第2版" in archive
    assert client.get(f"/assessment/reports/{report.id}.pdf").data == pdf.data
    # the same content is not published twice
    with pytest.raises(Conflict, match="无需重复发布"):
        publication.publish("2026Q4", _user("organizer"))


def test_only_a_signed_report_is_published_by_an_organizer(quarter, client, auth):
    organizer = _user("organizer")
    with pytest.raises(Conflict, match="尚未经局领导签发"):
        publication.publish("2026Q4", organizer)
    auth.login("organizer")
    assert _step(client, "submit").status_code == 302
    response = _publish(client)  # sent, not yet signed
    assert "尚未经局领导签发" in client.get(response.location).get_data(as_text=True)
    auth.logout()
    for role in ("leader", "officer", "admin"):
        with pytest.raises(NotAllowed, match="只有组织者可以发布"):
            publication.publish("2026Q4", _user(role))
    auth.login("leader")
    assert _step(client, "sign").status_code == 302
    assert _publish(client).status_code == 403
    auth.logout()
    assert db.session.scalar(db.select(db.func.count(AssessmentReport.id))) == 0


def test_officers_read_the_archive_and_a_bad_file_is_not_served(quarter, client, auth):
    _sign(client, auth)
    report = publication.publish("2026Q4", _user("organizer"))
    db.session.commit()
    auth.login("officer")
    archive = client.get("/assessment/reports")
    assert archive.status_code == 200 and "第1版" in archive.get_data(as_text=True)
    assert client.get(f"/assessment/reports/{report.id}.pdf").status_code == 200
    assert client.get(f"/assessment/reports/{report.id}.doc").status_code == 404
    assert client.get("/assessment/reports/999.pdf").status_code == 404
    from salon.storage import storage

    storage().put(report.pdf_key, b"%PDF-1.4 tampered", "application/pdf")
    tampered = client.get(f"/assessment/reports/{report.id}.pdf")
    assert tampered.status_code == 500 and tampered.mimetype == "text/html"
    page = tampered.get_data(as_text=True)
    assert "考核通报文件校验失败" in page and "服务器出错" in page and "%PDF" not in page


def test_publish_needs_a_csrf_token(quarter, client, auth):
    auth.login("organizer")
    assert client.post("/assessment/2026Q4/publish").status_code == 400


def test_archive_queries_do_not_grow_with_revisions(quarter, client, auth, count_queries):
    import json

    leader, organizer = _user("leader"), _user("organizer")

    def add(number: int) -> None:
        db.session.add(AssessmentReport(
            period=f"20{10 + number}Q1", number=1, fingerprint=str(number) * 64,
            pdf_key=f"a/{number}.pdf", pdf_sha256="0" * 64, pdf_size=1, pages=1,
            xlsx_key=f"a/{number}.xlsx", xlsx_sha256="0" * 64, xlsx_size=1,
            content=json.dumps({}), signed_by_id=leader.id, signed_at=db.func.now(),
            published_by_id=organizer.id))
        db.session.commit()

    add(1)
    auth.login("officer")
    client.get("/assessment/reports")
    with count_queries() as few:
        assert "2011年第一季度" in client.get("/assessment/reports").get_data(as_text=True)
    for number in range(2, 8):
        add(number)
    with count_queries() as many:
        assert "2017年第一季度" in client.get("/assessment/reports").get_data(as_text=True)
    assert len(many) == len(few)
