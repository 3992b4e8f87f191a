"""Traceable copies of a published 专刊 and its distribution: stamping, downloads, `flask
bulletin trace`, the publish notice, 已阅, read rates by unit, 提醒未读, who sees what."""
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader, PdfWriter

from salon import create_app
from salon.accounts.models import User
from salon.accounts.services import create_user
from salon.bulletin import distribution
from salon.bulletin.content import bulletin_for
from salon.bulletin.models import BulletinRead, Download, ReadReminder
from salon.bulletin.render.copies import CopyMark, find_copy_id, new_copy_id, stamp_copy
from salon.bulletin.services import Build, current_fingerprint, publish, store
from salon.bulletin.signing import KIND
from salon.extensions import db
from salon.notifications.models import Notification
from salon.signoff.services import sign, submit
from salon.timeutil import frozen
from tests import bulletin_data as d
from tests.conftest import AuthActions, csrf_token, database_url, seed_users

MONTH = "2026-10"
SQUEEZE = re.compile(r"\s+")


def _content():
    salon = d.salon(1, MONTH, status="held", topic="矛盾纠纷多元化解")
    d.post(salon, "调解邻里纠纷三步法")
    d.post(salon, "网格化走访的经验", author="officer2",
           body="\n\n".join(d.PARAGRAPH * 5 for _ in range(12)))
    db.session.commit()
    return salon


@pytest.fixture(scope="module")
def frozen_pdf(tmp_path_factory) -> tuple[bytes, int]:
    """The bulletin PDF, built once for the module as one WeasyPrint document (as the demo
    builds; the parts build is pypdf's output, stamped in test_stamp_keeps_a_pypdf_file)."""
    tmp = tmp_path_factory.mktemp("bulletin-copies")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp), "SECRET_KEY": "test",
                      "STORAGE_DIR": str(tmp / "files"), "SEARCH_INDEX_DIR": str(tmp / "index")})
    from salon.bulletin.services import build

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_users()
        built = build(_content(), workers=0)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return built.pdf, built.pages


def _user(username: str) -> User:
    return d.user(username)


@pytest.fixture
def published(app, frozen_pdf):
    """The salon's bulletin published from the module's PDF; officer has a 警号."""
    pdf, pages = frozen_pdf
    salon = _content()
    _user("officer").police_no = "012345"
    organizer = _user("organizer")
    _signed_off(salon)
    revision = store(salon, Build(pdf, pages, current_fingerprint(salon), 1.0), organizer.id)
    publish(salon, organizer)
    db.session.commit()
    return revision


def _signed_off(salon) -> None:
    """送审 by the organizer and 签发 by the leader (publishing needs it)."""
    bulletin = bulletin_for(salon)
    submit(KIND, bulletin.id, _user("organizer"))
    sign(KIND, bulletin.id, _user("leader"))


def _signed_in(app, username):
    other = app.test_client()
    AuthActions(other).login(username)
    return other


def _download(client, revision):
    response = client.get(f"/bulletins/{MONTH}/revisions/{revision.id}.pdf",
                          environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def _pages_text(pdf: bytes) -> list[str]:
    return [SQUEEZE.sub("", page.extract_text() or "") for page in PdfReader(BytesIO(pdf)).pages]


def _without_metadata(pdf: bytes) -> bytes:
    """The pages rewritten by pypdf into a new file, the document information dropped."""
    writer = PdfWriter()
    for page in PdfReader(BytesIO(pdf)).pages:
        writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- stamping ---------------------------------------------------------------------------------

def test_stamped_copy_names_the_holder_on_every_page(frozen_pdf):
    pdf, pages = frozen_pdf
    mark = CopyMark("内部资料 注意保存　张曹氾　警号 012345　2026-12-02 14:30", new_copy_id())
    copy = stamp_copy(pdf, mark)
    original, stamped = _pages_text(pdf), _pages_text(copy)
    assert len(stamped) == pages >= 3
    for before, after in zip(original, stamped, strict=True):
        assert "内部资料注意保存张曹氾警号012345" in after
        assert "2026-12-0214:30" in after
        assert f"SLNCOPY-{mark.copy_id}" in after
        # The page's own text is all still there: nothing was laid out again.
        assert SQUEEZE.sub("", before)[:200] in after or before[:60] in after
    assert PdfReader(BytesIO(copy)).metadata["/SalonCopyId"] == f"SLNCOPY-{mark.copy_id}"
    assert find_copy_id(copy) == mark.copy_id
    # A fresh file, not an update appended to the original (that could be cut off again).
    assert not copy.startswith(pdf[:2000]) and copy.count(b"%%EOF") == 1


def test_id_is_found_in_the_content_when_the_metadata_is_dropped(frozen_pdf):
    pdf, _pages = frozen_pdf
    mark = CopyMark("内部资料 注意保存　测试　警号 1", new_copy_id())
    resaved = _without_metadata(stamp_copy(pdf, mark))
    assert "/SalonCopyId" not in (PdfReader(BytesIO(resaved)).metadata or {})
    assert find_copy_id(resaved) == mark.copy_id


@pytest.mark.skipif(shutil.which("pdftocairo") is None, reason="pdftocairo 未安装")
def test_id_survives_a_redraw_by_pdftocairo(frozen_pdf, tmp_path):
    """pdftocairo draws every page anew (invisible text is dropped; the white text stays)."""
    pdf, _pages = frozen_pdf
    mark = CopyMark("内部资料 注意保存　测试　警号 1", new_copy_id())
    (tmp_path / "copy.pdf").write_bytes(stamp_copy(pdf, mark))
    subprocess.run(["pdftocairo", "-pdf", str(tmp_path / "copy.pdf"), str(tmp_path / "out.pdf")],
                   check=True, timeout=120)
    redrawn = (tmp_path / "out.pdf").read_bytes()
    assert "/SalonCopyId" not in (PdfReader(BytesIO(redrawn)).metadata or {})
    assert find_copy_id(redrawn) == mark.copy_id


def test_stamp_keeps_a_pypdf_file(frozen_pdf):
    """The parts build is written by pypdf (classic cross-reference table): stamped alike."""
    pdf, pages = frozen_pdf
    plain = _without_metadata(pdf)
    mark = CopyMark("内部资料 注意保存　王二　警号 7", new_copy_id())
    copy = stamp_copy(plain, mark)
    assert all("王二警号7" in text for text in _pages_text(copy))
    assert len(PdfReader(BytesIO(copy)).pages) == pages and find_copy_id(copy) == mark.copy_id


def test_copy_ids_are_random():
    ids = {new_copy_id() for _ in range(200)}
    assert len(ids) == 200 and all(re.fullmatch(r"[A-Z2-7]{24}", i) for i in ids)


# --- downloads and trace ----------------------------------------------------------------------

def test_each_download_is_a_recorded_copy_for_that_person(app, published, runner):
    officer = _signed_in(app, "officer")
    first, second = _download(officer, published), _download(officer, published)
    rows = db.session.scalars(db.select(Download).order_by(Download.id)).all()
    assert [r.user.username for r in rows] == ["officer", "officer"]
    assert rows[0].copy_id != rows[1].copy_id and rows[0].remote_addr == "10.20.30.40"
    assert find_copy_id(first) == rows[0].copy_id and find_copy_id(second) == rows[1].copy_id
    assert all("测试officer警号012345" in text for text in _pages_text(first))
    # The frozen file is untouched: still served from storage with its SHA-256.
    from salon.bulletin.services import revision_bytes
    assert revision_bytes(published)  # raises on a changed file
    response = officer.get(f"/bulletins/{MONTH}/revisions/{published.id}.pdf")
    assert response.headers["X-Source-SHA256"] == published.sha256
    assert "no-store" in response.headers["Cache-Control"]


def test_trace_names_the_downloader(app, published, runner, tmp_path):
    copy = _download(_signed_in(app, "officer"), published)
    path = tmp_path / "leaked.pdf"
    path.write_bytes(_without_metadata(copy))  # re-saved by a PDF tool, metadata gone
    result = runner.invoke(args=["bulletin", "trace", str(path)])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(db.select(Download))
    assert "测试officer" in result.output and "012345" in result.output
    assert "城关派出所" in result.output and "10.20.30.40" in result.output
    assert row.copy_id in result.output and f"{row.at:%Y-%m-%d %H:%M}" in result.output
    assert "第1期" in result.output and "第1版" in result.output


def test_trace_refuses_what_is_no_copy(app, published, runner, tmp_path, frozen_pdf):
    cases = {
        "original.pdf": (frozen_pdf[0], "未找到副本编号"),  # the frozen file, never stamped
        "other.pdf": (stamp_copy(frozen_pdf[0], CopyMark("x", new_copy_id())),
                      "不在本平台的下载记录中"),
        "notes.pdf": ("这不是 PDF".encode(), "不是 PDF 文件"),
        "broken.pdf": (b"%PDF-1.7\n garbage", "无法读取"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(args=["bulletin", "trace", str(tmp_path / name)])
        assert result.exit_code != 0, name
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (name, result.output)
    result = runner.invoke(args=["bulletin", "trace", str(tmp_path / "missing.pdf")])
    assert result.exit_code != 0 and "找不到文件" in result.output


def test_archive_counts_copies_per_person_for_organizers_and_leaders(app, published):
    officer = _signed_in(app, "officer")
    _download(officer, published)
    _download(officer, published)
    _download(_signed_in(app, "officer2"), published)
    for username in ("organizer", "leader"):
        html = _signed_in(app, username).get("/bulletins/").get_data(as_text=True)
        assert "已下载 3 份（2 人）" in html
        assert re.search(r'data-user="officer">测试officer.*?2 份', html)
        assert re.search(r'data-user="officer2">王二.*?1 份', html)
    assert "已下载" not in officer.get("/bulletins/").get_data(as_text=True)


def test_bulletin_page_counts_copies_per_person_for_organizers_and_leaders(app, published):
    officer = _signed_in(app, "officer")
    _download(officer, published)
    _download(officer, published)
    for username in ("organizer", "leader"):
        html = _signed_in(app, username).get(f"/bulletins/{MONTH}").get_data(as_text=True)
        assert "已下载 2 份（1 人）" in html
        assert re.search(r'data-user="officer">测试officer.*?2 份', html)
        assert "校验码" in html
    html = officer.get(f"/bulletins/{MONTH}").get_data(as_text=True)
    assert "已下载" not in html and "校验码" not in html  # neither others' copies nor checksums
    assert f'href="/bulletins/{MONTH}/revisions/{published.id}.pdf">下载本期专刊' in html


def test_archive_counts_in_one_query(app, published, count_queries):
    for i in range(6):
        user = create_user(f"dl{i}", f"下载{i}", f"单位{i}", "officer")
        for _ in range(i % 3 + 1):
            db.session.add(Download(revision_id=published.id, user=user, copy_id=new_copy_id()))
    db.session.commit()
    revision_id = published.id
    with count_queries() as statements:
        counts = distribution.download_counts([revision_id])
        names = [(p.name, p.unit.name, n) for p, n, _ in counts[revision_id]]
    assert len(names) == 6 and names[0][2] == 3 and len(statements) == 1


# --- publish notice and 已阅 -------------------------------------------------------------------

def test_publishing_tells_every_active_reader(app, published):
    create_user("gone", "已停用", "城关派出所", "officer").active = False
    db.session.commit()
    rows = db.session.scalars(db.select(Notification).filter_by(kind="bulletin")).all()
    told = {n.user.username for n in rows}
    assert told == {"officer", "officer2", "leader"}  # not the publisher, not the admin
    assert all(n.link == f"/bulletins/{MONTH}" and "第1期" in n.text and "已发布" in n.text
               for n in rows)


def test_opening_the_published_issue_records_read_once(app, published):
    officer = _signed_in(app, "officer")
    with frozen(datetime(2026, 11, 1, 9, 0)):
        assert officer.get(f"/bulletins/{MONTH}").status_code == 200
    with frozen(datetime(2026, 11, 2, 9, 0)):
        officer.get(f"/bulletins/{MONTH}")
    [read] = db.session.scalars(db.select(BulletinRead)).all()
    assert read.user_id == _user("officer").id and read.first_read_at == datetime(2026, 11, 1, 9)


def test_download_records_read(app, published):
    _download(_signed_in(app, "officer2"), published)
    reader = db.session.scalar(db.select(BulletinRead))
    assert reader.user_id == _user("officer2").id


def test_a_draft_is_not_read(app, client, auth, frozen_pdf):
    pdf, pages = frozen_pdf
    salon = _content()
    revision = store(salon, Build(pdf, pages, current_fingerprint(salon), 1.0),
                     _user("organizer").id)
    db.session.commit()
    auth.login("organizer")
    client.get(f"/bulletins/{MONTH}")
    assert client.get(f"/bulletins/{MONTH}/revisions/{revision.id}.pdf").status_code == 200
    assert db.session.scalar(db.select(db.func.count(BulletinRead.id))) == 0
    assert db.session.scalar(db.select(Download)).user.username == "organizer"


def test_read_rates_by_unit(app, published):
    create_user("officer3", "赵三", "城关派出所", "officer")
    create_user("head", "所长", "城关派出所", "officer").active = False
    db.session.commit()
    _signed_in(app, "officer").get(f"/bulletins/{MONTH}")
    organizer = _signed_in(app, "organizer")
    html = organizer.get(f"/bulletins/{MONTH}").get_data(as_text=True)
    rates = distribution.read_rates(published.bulletin)
    by_unit = {u.unit: (u.read, u.readers) for u in rates.units}
    assert by_unit == {"城关派出所": (1, 2), "曹甸派出所": (0, 1), "治安大队": (1, 1),
                       "局党委": (0, 1)}
    assert (rates.read, rates.readers) == (2, 5)
    assert [p.name for p in rates.unread["城关派出所"]] == ["赵三"]
    assert "已阅情况" in html and "合计 2 / 5 人已阅（40%）" in html
    row = re.search(r'<tr data-unit="城关派出所">.*?</tr>', html, re.S).group(0)
    assert "50%" in row and "赵三" in row and "测试officer" not in row


def test_read_rates_take_two_queries_however_many_units(app, published, count_queries):
    for i in range(30):
        create_user(f"p{i}", f"民警{i}", f"第{i % 10}派出所", "officer")
    db.session.commit()
    bulletin = published.bulletin
    with count_queries() as statements:
        rates = distribution.read_rates(bulletin)
        names = [(unit, [p.name for p in people]) for unit, people in rates.unread.items()]
    assert len(rates.units) == 14 and len(names) == 14
    assert len(statements) == 2


def test_remind_unread_once_a_day(app, published):
    _signed_in(app, "officer").get(f"/bulletins/{MONTH}")
    organizer = _signed_in(app, "organizer")
    before = db.session.scalar(db.select(db.func.count(Notification.id)))
    with frozen(datetime(2026, 11, 3, 9, 0)):
        token = csrf_token(organizer, f"/bulletins/{MONTH}")
        response = organizer.post(f"/bulletins/{MONTH}/remind", data={"csrf_token": token})
        assert response.status_code == 302
    told = db.session.scalars(db.select(Notification).where(Notification.id > 0)
                              .order_by(Notification.id).offset(before)).all()
    assert {n.user.username for n in told} == {"officer2", "leader"}  # the unread only
    assert all("还没有阅读" in n.text for n in told)
    with frozen(datetime(2026, 11, 3, 20, 0)):
        response = organizer.post(f"/bulletins/{MONTH}/remind", data={"csrf_token": token},
                                  headers={"Accept": "application/json"})
        assert response.status_code == 409
        assert "24 小时内不再重复提醒" in response.get_json()["error"]
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == before + 2
    with frozen(datetime(2026, 11, 3, 9, 0) + timedelta(days=1, minutes=1)):
        assert organizer.post(f"/bulletins/{MONTH}/remind",
                              data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(ReadReminder.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == before + 4


def test_officers_see_no_read_rates_and_cannot_remind(app, published):
    officer = _signed_in(app, "officer")
    html = officer.get(f"/bulletins/{MONTH}").get_data(as_text=True)
    assert "已阅情况" not in html and "read-rates" not in html and "提醒未读" not in html
    token = csrf_token(officer, f"/bulletins/{MONTH}")
    assert officer.post(f"/bulletins/{MONTH}/remind", data={"csrf_token": token}).status_code == 403
    assert officer.get("/dashboard/").status_code == 403
    assert db.session.scalar(db.select(db.func.count(ReadReminder.id))) == 0
    leader = _signed_in(app, "leader").get(f"/bulletins/{MONTH}").get_data(as_text=True)
    assert "已阅情况" in leader and "提醒未读" not in leader


def test_leader_sees_read_rates_on_the_dashboard(app, published):
    _signed_in(app, "officer").get(f"/bulletins/{MONTH}")
    html = _signed_in(app, "leader").get("/dashboard/").get_data(as_text=True)
    section = html[html.index('id="bulletin-reads"'):]
    assert "专刊已阅" in section and "第1期" in section
    assert re.search(r'<tr data-unit="城关派出所">.*?100%', section, re.S)
    assert re.search(r'<tr data-unit="曹甸派出所">.*?0%', section, re.S)


def test_trace_falls_back_to_the_visible_line_when_the_id_is_taken_out(
        app, published, runner, tmp_path, frozen_pdf):
    """A copy whose id was cut out (here: stamped without one) is found by who and when."""
    _download(_signed_in(app, "officer"), published)
    row = db.session.scalar(db.select(Download))
    line = distribution.holder_line(row.user, row.at)
    (tmp_path / "cut.pdf").write_bytes(_without_metadata(stamp_copy(frozen_pdf[0],
                                                                    CopyMark(line, ""))))
    result = runner.invoke(args=["bulletin", "trace", str(tmp_path / "cut.pdf")])
    assert result.exit_code == 0, result.output
    assert "测试officer" in result.output and row.copy_id in result.output
    assert "副本编号已被去除" in result.output
    later = distribution.holder_line(row.user, row.at + timedelta(minutes=5))
    (tmp_path / "forged.pdf").write_bytes(stamp_copy(frozen_pdf[0], CopyMark(later, "")))
    result = runner.invoke(args=["bulletin", "trace", str(tmp_path / "forged.pdf")])
    assert result.exit_code != 0 and "对不上任何下载记录" in result.output
    assert len(result.output.strip().splitlines()) == 1
