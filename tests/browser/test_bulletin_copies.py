"""A published 专刊 reaches an officer: the message, 已阅 on opening it, a stamped copy that
`flask bulletin trace` maps back to the officer."""
import re
import subprocess
from pathlib import Path

from playwright.sync_api import expect

from salon.accounts.models import User
from salon.bulletin.content import bulletin_for
from salon.bulletin.models import Bulletin, BulletinRead, BulletinRevision, Download
from salon.bulletin.services import build, publish, store
from salon.bulletin.signing import KIND
from salon.extensions import db
from salon.posts.models import Post
from salon.salons.models import Salon
from salon.signoff.services import sign, submit

from .conftest import ROOT, screenshot

OUTPUT = ROOT / "test-output" / "bulletin-copies"


def _publish_new_revision(app) -> tuple[str, int]:
    """A new revision of a demo salon's bulletin (one more post chosen), built and published
    as the organizer does; the salon's month and the new revision's id."""
    with app.app_context():
        salon = db.session.scalar(db.select(Salon).filter_by(status="held").order_by(Salon.id)) \
            or db.session.scalar(db.select(Salon).filter_by(status="published"))
        post = db.session.scalar(db.select(Post).filter_by(
            salon_id=salon.id, status="submitted", in_bulletin=False).order_by(Post.id))
        if post is not None:
            post.in_bulletin = True
        organizer = db.session.scalar(db.select(User).filter_by(username="organizer"))
        leader = db.session.scalar(db.select(User).filter_by(username="leader"))
        bulletin = bulletin_for(salon)
        submit(KIND, bulletin.id, organizer)  # 送审 and 签发, as the sign-off flow does
        sign(KIND, bulletin.id, leader)
        store(salon, build(salon, workers=0), organizer.id)
        revision = publish(salon, organizer)
        db.session.commit()
        return salon.month, revision.id


def test_officer_is_told_reads_and_downloads_a_traceable_copy(open_as, live_server):
    month, revision_id = _publish_new_revision(live_server.app)
    officer = open_as("officer2")

    officer.goto(live_server("/messages/"))
    message = officer.locator("li.message", has_text=re.compile("专刊.*已发布")).first
    expect(message).to_be_visible()
    message.get_by_role("link", name="查看").click()
    expect(officer).to_have_url(re.compile(f"/bulletins/{month}$"))
    expect(officer.get_by_role("heading", name="预览")).to_be_visible()
    expect(officer.locator("#bulletin-reads")).to_have_count(0)  # not the others' reading
    screenshot(officer, "bulletin-officer")
    with live_server.app.app_context():
        bulletin_id = db.session.get(BulletinRevision, revision_id).bulletin_id
        user_id = db.session.scalar(db.select(User.id).filter_by(username="officer2"))
        assert db.session.scalar(db.select(BulletinRead).filter_by(
            bulletin_id=bulletin_id, user_id=user_id)) is not None  # 已阅

    link = officer.locator(f"a[href$='/revisions/{revision_id}.pdf']")
    with officer.expect_download() as download_info:
        link.click()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    copy = OUTPUT / "copy.pdf"
    download_info.value.save_as(copy)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(copy),
                    str(OUTPUT / "copy")], check=True, timeout=60)

    result = live_server.app.test_cli_runner().invoke(args=["bulletin", "trace", str(copy)])
    assert result.exit_code == 0, result.output
    assert "王二" in result.output and "曹甸派出所" in result.output
    assert "127.0.0.1" in result.output
    with live_server.app.app_context():
        row = db.session.scalar(db.select(Download).filter_by(user_id=user_id)
                                .order_by(Download.id.desc()))
        assert row.revision_id == revision_id and row.copy_id in result.output

    organizer = open_as("organizer")
    organizer.goto(live_server(f"/bulletins/{month}"))
    reads = organizer.locator("#bulletin-reads")
    expect(reads).to_contain_text("已阅情况")
    expect(reads.locator('tr[data-unit="曹甸派出所"]')).not_to_contain_text("王二")
    screenshot(organizer, "bulletin-reads")
    organizer.goto(live_server("/bulletins/"))
    organizer.locator("summary", has_text="已下载").first.click()
    expect(organizer.locator('li[data-user="officer2"]').first).to_contain_text("份")
    with live_server.app.app_context():
        assert db.session.scalar(db.select(Bulletin.id).filter_by(id=bulletin_id))


def test_trace_of_the_unstamped_file_fails(live_server, tmp_path: Path):
    with live_server.app.app_context():
        from salon.bulletin.services import revision_bytes

        revision = db.session.scalar(db.select(BulletinRevision).where(
            BulletinRevision.published_at.is_not(None)))
        (tmp_path / "frozen.pdf").write_bytes(revision_bytes(revision))
    result = live_server.app.test_cli_runner().invoke(
        args=["bulletin", "trace", str(tmp_path / "frozen.pdf")])
    assert result.exit_code != 0 and "未找到副本编号" in result.output
