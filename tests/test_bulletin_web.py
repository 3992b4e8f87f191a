"""Bulletin pages, build jobs, publishing, revisions, archive and the CLI."""
import hashlib

import pytest

from salon.bulletin import jobs, services
from salon.bulletin.models import BuildJob, Bulletin, BulletinRevision
from salon.extensions import db
from salon.salons.models import Salon
from tests import bulletin_data as d
from tests.conftest import AuthActions, csrf_token


@pytest.fixture
def salon(app):
    made = d.salon(1, "2026-10", status="held", topic="矛盾纠纷多元化解")
    d.post(made, "调解邻里纠纷三步法")
    db.session.commit()
    return made


def _post(client, url, data=None, json=False):
    token = csrf_token(client, "/bulletins/2026-10")
    headers = {"Accept": "application/json"} if json else {}
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=headers)


def _revisions():
    return db.session.scalars(db.select(BulletinRevision).order_by(BulletinRevision.id)).all()


def _signed_in(app, username):
    """A separate browser signed in as `username`."""
    other = app.test_client()
    AuthActions(other).login(username)
    return other


def test_page_shows_preview_to_everyone_and_tools_to_organizers(app, client, auth, salon):
    officer = _signed_in(app, "officer")
    html = officer.get("/bulletins/2026-10").get_data(as_text=True)
    assert "调解邻里纠纷三步法" in html and "矛盾纠纷多元化解" in html
    assert "生成专刊" not in html and "编者按与刊头" not in html
    assert db.session.scalar(db.select(db.func.count(Bulletin.id))) == 0  # reading writes nothing
    auth.login("organizer")
    html = client.get("/bulletins/2026-10").get_data(as_text=True)
    assert "生成专刊" in html and "编者按与刊头" in html and "js/bulletin.js" in html


def test_unknown_month_is_404(client, auth, salon):
    auth.login("organizer")
    assert client.get("/bulletins/2031-01").status_code == 404
    assert client.get("/bulletins/nonsense").status_code == 404
    assert _post(client, "/bulletins/2031-01/publish").status_code == 404


def test_editor_note_saved_and_validated(client, auth, salon):
    auth.login("organizer")
    response = _post(client, "/bulletins/2026-10/settings",
                     {"editor_note": "本期聚焦**调解**。", "total_number": "27",
                      "print_count": "200"})
    assert response.status_code == 302
    assert salon.bulletin.total_number == 27 and "调解" in salon.bulletin.editor_note
    response = _post(client, "/bulletins/2026-10/settings",
                     {"editor_note": "x", "print_count": "-3"})
    assert "印数应为" in client.get(response.location).get_data(as_text=True)
    assert salon.bulletin.print_count == 200 and salon.bulletin.editor_note == "本期聚焦**调解**。"


def test_officer_may_not_build_edit_or_publish(client, auth, salon):
    auth.login("officer")
    for action in ("build", "publish", "settings"):
        assert _post(client, f"/bulletins/2026-10/{action}").status_code == 403
    assert db.session.scalar(db.select(db.func.count(BuildJob.id))) == 0
    assert salon.status == "held"


def test_salon_without_posts_is_refused(client, auth, app):
    d.salon(1, "2026-10")
    db.session.commit()
    auth.login("organizer")
    response = _post(client, "/bulletins/2026-10/build", json=True)
    assert response.status_code == 400
    assert "还没有已提交的稿件" in response.get_json()["error"]
    assert db.session.scalar(db.select(db.func.count(BuildJob.id))) == 0


def test_build_publish_rebuild_and_archive(client, auth, salon):
    d.signed_off(salon)
    auth.login("organizer")
    response = _post(client, "/bulletins/2026-10/build", json=True)
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    assert client.get("/bulletins/2026-10/status").get_json()["status"] == "queued"
    assert jobs.run_pending(in_subprocess=False) == 1
    state = client.get("/bulletins/2026-10/status").get_json()
    assert state["status"] == "done" and state["progress"] == 100, state
    [draft] = _revisions()
    assert draft.number is None and draft.pages >= 3  # front, a section, the end

    # Unchanged content is not rebuilt.
    _post(client, "/bulletins/2026-10/build")
    jobs.run_pending(in_subprocess=False)
    assert [r.id for r in _revisions()] == [draft.id]
    assert "内容未变化" in client.get("/bulletins/2026-10/status").get_json()["message"]

    assert _post(client, "/bulletins/2026-10/publish").status_code == 302
    db.session.refresh(salon)
    assert salon.status == "published"
    first = _revisions()[0]
    assert first.number == 1 and first.published_at is not None
    pdf = client.get(f"/bulletins/2026-10/revisions/{first.id}.pdf")
    assert pdf.mimetype == "application/pdf"
    # The stored file is frozen; a download is a copy of it stamped for the downloader
    # (tests/test_bulletin_copies.py), naming the frozen file it was made from.
    frozen_sha = hashlib.sha256(services.revision_bytes(first)).hexdigest()
    assert frozen_sha == first.sha256 == pdf.headers["X-Source-SHA256"]
    assert hashlib.sha256(pdf.data).hexdigest() != frozen_sha

    # Publishing again without a change is refused, and changes nothing.
    response = _post(client, "/bulletins/2026-10/publish", json=True)
    assert response.status_code == 409 and "没有待发布的样稿" in response.get_json()["error"]

    # A change makes revision 2; revision 1 stays downloadable, its file byte for byte.
    d.post(salon, "巡防队伍建设的新做法")
    db.session.commit()
    d.signed_off(salon)  # new words: sent and signed again
    _post(client, "/bulletins/2026-10/build")
    jobs.run_pending(in_subprocess=False)
    assert _post(client, "/bulletins/2026-10/publish").status_code == 302
    first, second = _revisions()
    assert (first.number, second.number) == (1, 2) and second.sha256 != frozen_sha
    again = client.get(f"/bulletins/2026-10/revisions/{first.id}.pdf")
    assert again.status_code == 200 and again.headers["X-Source-SHA256"] == frozen_sha
    assert hashlib.sha256(services.revision_bytes(first)).hexdigest() == first.sha256

    archive = client.get("/bulletins/").get_data(as_text=True)
    assert archive.index("第2版") < archive.index("第1版")
    assert "矛盾纠纷多元化解" in archive and f"{first.pages}" in archive


def test_publish_needs_a_held_salon(client, auth, salon):
    d.signed_off(salon)
    salon.status = "open"
    db.session.commit()
    auth.login("organizer")
    _post(client, "/bulletins/2026-10/build")
    jobs.run_pending(in_subprocess=False)
    response = _post(client, "/bulletins/2026-10/publish", json=True)
    assert response.status_code == 409 and "尚未召开" in response.get_json()["error"]
    db.session.refresh(salon)
    assert salon.status == "open"
    assert all(r.published_at is None for r in _revisions())


def test_drafts_are_for_organizers_and_leaders_only(app, client, auth, salon):
    auth.login("organizer")
    _post(client, "/bulletins/2026-10/build")
    jobs.run_pending(in_subprocess=False)
    [draft] = _revisions()
    officer = _signed_in(app, "officer")
    assert officer.get(f"/bulletins/2026-10/revisions/{draft.id}.pdf").status_code == 403
    leader = _signed_in(app, "leader")  # who signs it reads it first
    assert leader.get(f"/bulletins/2026-10/revisions/{draft.id}.pdf").status_code == 200
    assert client.get(f"/bulletins/2026-10/revisions/{draft.id}.pdf").status_code == 200


def test_salon_panel_partial(app, salon):
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string("{% include 'bulletin/_salon_panel.html' %}", salon=salon)
    assert "本期专刊尚未生成" in html and "/bulletins/2026-10" in html


def test_cli_build_writes_a_pdf(runner, salon, tmp_path):
    out = tmp_path / "b.pdf"
    result = runner.invoke(args=["bulletin", "build", "2026-10", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "已生成" in result.output
    assert db.session.get(Salon, salon.id).status == "held"


@pytest.mark.parametrize("month, message", [("2031-01", "没有 2031-01 的沙龙"),
                                            ("2026-13", "月份格式应为 YYYY-MM"),
                                            ("2026-09", "还没有已提交的稿件")])
def test_cli_errors_are_one_clear_line(runner, salon, tmp_path, month, message):
    d.salon(2, "2026-09")
    db.session.commit()
    out = tmp_path / "b.pdf"
    result = runner.invoke(args=["bulletin", "build", month, "--output", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()


def test_one_build_at_a_time_and_stale_jobs_fail(app, salon):
    from datetime import datetime

    from salon.timeutil import frozen

    other = d.salon(2, "2026-11")
    d.post(other, "另一期的稿件")
    db.session.commit()
    first, second = jobs.enqueue(salon, None), jobs.enqueue(other, None)
    assert jobs.enqueue(salon, None).id == first.id  # an active job is reused
    assert jobs.queue_position(second) == 1
    assert jobs.claim_next().id == first.id
    assert jobs.claim_next() is None  # one render at a time
    with frozen(datetime(2099, 1, 1)):
        assert jobs.claim_next().id == second.id  # the first one's process died long ago
    db.session.refresh(first)
    assert first.status == "failed" and "中断" in first.message


def test_editor_note_over_the_markdown_budget_is_refused_with_its_reason(client, auth, salon):
    auth.login("organizer")
    response = _post(client, "/bulletins/2026-10/settings", {"editor_note": "[" * 4900})
    assert response.status_code == 302
    page = client.get("/bulletins/2026-10").get_data(as_text=True)
    assert "编者按结构过于复杂" in page
    assert db.session.scalar(db.select(Bulletin)) is None or \
        db.session.scalar(db.select(Bulletin)).editor_note == ""
