"""访查登记表 import (command and page, all or nothing) and each unit's poster PDF."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from salon.extensions import db
from salon.suggestions.importer import COLUMNS
from salon.suggestions.models import Suggestion

from .conftest import csrf_token
from .problem_data import unit


def sheet(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ("2026-11-20", "登记表", "建议对汽车乱停乱放加大处罚力度", "人民路", "城关派出所",
     "王先生 13800000000"),
    (date(2026, 11, 21), "", "农村偏远地区能不能再增加点警察", "", "", None),
    ("2026/11/22", "座谈会", "企业希望公安有服务措施", "工业园", "", 13912345678),
]


def count() -> int:
    return db.session.scalar(db.select(db.func.count(Suggestion.id)))


def test_command_imports_every_row(app, runner, tmp_path):
    path = tmp_path / "登记表.xlsx"
    path.write_bytes(sheet(GOOD))
    result = runner.invoke(args=["suggestions", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 3 条" in result.output
    rows = db.session.scalars(db.select(Suggestion).order_by(Suggestion.id)).all()
    assert [r.channel for r in rows] == ["form", "form", "meeting"]
    assert rows[0].unit_id == unit("城关派出所").id
    assert rows[1].received_on == date(2026, 11, 21)
    assert rows[2].contact == "13912345678"


def test_command_with_bad_rows_writes_nothing_and_names_them(app, runner, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(sheet([*GOOD, ("2026-11-23", "飞鸽", "建议", "", "", ""),
                            ("2026-11-23", "电话", "", "", "", ""),
                            ("2099-01-01", "电话", "未来", "", "", ""),
                            ("2026-11-23", "电话", "建议", "", "不存在派出所", ""),
                            ("昨天", "电话", "建议", "", "", "")]))
    result = runner.invoke(args=["suggestions", "import", str(path)])
    assert result.exit_code != 0
    for expected in ("第 5 行：渠道“飞鸽”不对", "第 6 行：请填写建议内容",
                     "第 7 行：收集日期不能晚于今天",
                     "第 8 行：单位“不存在派出所”在系统中不存在",
                     "第 9 行：收集日期“昨天”格式不正确"):
        assert expected in result.output
    assert count() == 0


@pytest.mark.parametrize("data, message", [
    (b"not a workbook", "不是有效的 Excel 文件"),
    (b"PK\x03\x04 broken", "不是有效的 Excel 文件"),
    (sheet([("x",)], header=("日期",)), "缺少：建议内容"),
    (sheet([]), "没有数据行"),
])
def test_command_refuses_files_that_are_not_the_template(app, runner, tmp_path, data, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["suggestions", "import", str(path)])
    assert result.exit_code != 0 and message in result.output


def test_upload_page_with_the_template(app, client, auth):
    auth.login("organizer")
    template = client.get("/suggestions/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    from openpyxl import load_workbook

    header = [c.value for c in load_workbook(io.BytesIO(template.data)).active[1]]
    assert tuple(header) == COLUMNS
    token = csrf_token(client, "/suggestions/import")
    bad = client.post("/suggestions/import", data={
        "csrf_token": token, "file": (io.BytesIO(sheet([("", "", "", "", "", "")] + [
            ("2026-11-20", "短信", "", "", "", "")])), "a.xlsx")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "第 3 行：请填写建议内容" in bad.get_data(as_text=True)
    good = client.post("/suggestions/import", data={
        "csrf_token": token, "file": (io.BytesIO(sheet(GOOD)), "登记表.xlsx")},
        content_type="multipart/form-data")
    assert good.status_code == 302 and count() == 3
    assert all(s.registered_by.username == "organizer" for s in db.session.scalars(
        db.select(Suggestion)))


def test_poster_is_one_a4_page_with_the_units_link(app, client, auth):
    from pypdf import PdfReader

    app.config["PUBLIC_SITE_URL"] = "https://jianyi.example.gov.cn"
    app.config["SUGGESTIONS_HOTLINE"] = "意见建议热线 028-27000000"
    auth.login("officer")
    station = unit("曹甸派出所")
    response = client.get(f"/suggestions/posters/{station.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert "曹甸派出所" in text and "开门评警" in text and "028-27000000" in text
    assert f"https://jianyi.example.gov.cn/?unit={station.id}" in text
    # laid out once: the second download comes from storage
    from salon.storage import storage

    assert len(storage().keys("posters/")) == 1
    assert client.get(f"/suggestions/posters/{station.id}.pdf").data == response.data


def test_bulletin_has_a_public_section_with_a_measured_story(app, runner, tmp_path):
    from pypdf import PdfReader

    from salon.suggestions.services import adopt, give_verdict

    from .problem_data import user, walk
    from .suggestion_data import public_suggestion, registered

    story = public_suggestion(text="农村偏远地区能不能再增加点警察", contact="李 13900000000")
    story.received_on = date(2026, 11, 3)
    problem = adopt(story, user("organizer"), "偏远乡镇赶场天见警率低")
    db.session.commit()
    problem.post.salon.month  # noqa: B018  (loaded)
    walk(problem, "resolved", deadline=date(2099, 1, 1))
    give_verdict(story, "satisfied")
    other = registered(channel="sms", text="希望工作态度越来越好")
    other.received_on = date(2026, 11, 20)
    db.session.commit()
    month = problem.post.salon.month
    out = tmp_path / "b.pdf"
    result = runner.invoke(args=["bulletin", "build", month, "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(page.extract_text() for page in PdfReader(str(out)).pages).replace(" ", "")
    assert "本月收到群众意见建议2条" in text and "采纳或并入问题办理1条" in text
    assert "农村偏远地区能不能再增加点警察" in text and "新增探头" in text
    assert "群众评价：满意" in text
    assert "13900000000" not in text


def test_a_sheet_that_unpacks_to_too_much_is_refused(app, runner, tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"0" * (60 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    result = runner.invoke(args=["suggestions", "import", str(path)])
    assert result.exit_code != 0 and "解压后过大" in result.output


def test_an_import_reads_the_units_once(app, count_queries):
    """Each row's unit is checked against the units read at the start (not one SELECT a row:
    a third of a 2,000-row import's time)."""
    from salon.suggestions.importer import import_workbook

    data = sheet(GOOD * 10)
    with count_queries() as statements:
        assert len(import_workbook(data, None)) == 30
    unit_reads = [s for s in statements if "FROM unit" in s]
    assert len(unit_reads) == 1, unit_reads


def test_command_names_a_missing_file(app, runner, tmp_path):
    result = runner.invoke(args=["suggestions", "import", str(tmp_path / "无.xlsx")])
    assert result.exit_code != 0 and "找不到文件" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_bulletins_stories_are_of_its_month_first_and_never_later(app):
    """A 专刊 tells the suggestions that closed that month first, then earlier ones, never one
    closed after the month (a revision built later tells the same stories)."""
    from datetime import datetime

    from salon.suggestions.bulletin import bulletin_section
    from salon.suggestions.services import adopt

    from .problem_data import user, walk
    from .suggestion_data import public_suggestion

    closed = {}
    for month, day in (("10", 20), ("11", 5), ("12", 3), ("09", 1)):
        story = public_suggestion(text=f"{month}月办结的建议")
        story.received_on = date(2026, 9, 1)
        problem = adopt(story, user("organizer"), f"{month}月的问题")
        db.session.commit()
        walk(problem, "resolved", deadline=date(2099, 1, 1),
             times={"resolved": datetime(2026, int(month), day, 10, 0)})
        closed[month] = story.id
    stories = [s.id for s in bulletin_section("2026-11").stories]
    assert stories == [closed["11"], closed["10"]]
