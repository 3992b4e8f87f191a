"""问题台账 exports: the workbook read back with openpyxl, the CSV with its BOM."""
import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from salon.timeutil import frozen

from .problem_data import make_problem, unit, walk


def build_ledger():
    done = walk(make_problem("探头模糊"), "confirmed")
    done.post.body = "**探头模糊**。巡逻也不规律。"
    late = walk(make_problem("巡逻不规律", reporter="officer2"), "assigned",
                deadline=date(2026, 11, 20), unit_name="城关派出所")
    formula = make_problem("=HYPERLINK(\"http://x\")")
    return done, late, formula


def test_workbook_has_every_field_and_all_events(app, client, auth):
    done, late, formula = build_ledger()
    auth.login("leader")
    with frozen(datetime(2026, 11, 25, 9)):
        response = client.get("/problems/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["问题台账", "办理过程"]
    sheet = book["问题台账"]
    header = [c.value for c in sheet[1]]
    for column in ("编号", "标题", "状态", "是否超期", "来源", "提出人", "扫描（现象）",
                   "分析（原因）", "应对建议", "责任单位", "办理时限", "领导批示",
                   "办理结果（评估）", "成效数据",
                   "提出人评价", "重新办理次数", "附议数"):
        assert column in header
    rows = {row[0]: dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {done.id, late.id, formula.id}
    assert rows[done.id]["状态"] == "已确认" and rows[done.id]["提出人评价"] == "满意"
    assert rows[done.id]["成效数据"] == "新增探头 16组；调整 27组"
    assert rows[done.id]["责任单位"] == "曹甸派出所"
    assert rows[late.id]["是否超期"] == "已超期"
    assert rows[late.id]["办理时限"] == datetime(2026, 11, 20)  # a real Excel date
    late_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == late.id)
    assert late_row[header.index("办理时限")].number_format == "yyyy-mm-dd"
    assert isinstance(rows[done.id]["提出时间"], datetime)
    assert rows[done.id]["正文"] == "探头模糊。巡逻也不规律。" and "**" not in rows[done.id]["正文"]
    assert rows[late.id]["扫描（现象）"] == "夜间路段案件多发"
    assert rows[formula.id]["标题"].startswith("'=")  # text is never a formula
    events = list(book["办理过程"].iter_rows(min_row=2, values_only=True))
    assert len(events) == len(done.events) + len(late.events) + len(formula.events)
    assert [e[5] for e in events if e[0] == done.id] == [
        "提出问题", "受理", "交办", "签收", "报结", "审核通过", "确认办结"]


def test_export_follows_the_current_filters(app, client, auth):
    done, late, _ = build_ledger()
    auth.login("organizer")
    response = client.get(f"/problems/export.xlsx?unit={unit('城关派出所').id}")
    sheet = load_workbook(io.BytesIO(response.data))["问题台账"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [late.id]


def test_csv_is_utf8_with_bom(app, client, auth):
    done, late, formula = build_ledger()
    auth.login("leader")
    response = client.get("/problems/export.csv?state=confirmed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "标题", "状态"]
    assert [r[1] for r in rows[1:]] == ["探头模糊"]
    response = client.get("/problems/export.csv")
    text = response.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_ledger_is_for_leaders_and_organizers(app, client, auth):
    build_ledger()
    auth.login("officer")
    assert client.get("/problems/export.xlsx").status_code == 403
    assert client.get("/problems/export.csv").status_code == 403
    assert "导出台账" not in client.get("/problems/").get_data(as_text=True)


def test_exports_go_out_a_batch_at_a_time(app, client, auth, monkeypatch, count_queries):
    """A ledger of any size: rows are read in batches (never all at once), the CSV streams."""
    from salon.problems import queries

    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    problems = [make_problem(f"问题{n}", at=datetime(2026, 11, 1 + n, 9)) for n in range(5)]
    auth.login("leader")
    response = client.get("/problems/export.csv")
    assert response.is_streamed
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(row[0]) for row in lines[1:]] == [p.id for p in reversed(problems)]
    response = client.get("/problems/export.xlsx")
    assert response.is_streamed
    book = load_workbook(io.BytesIO(response.data))
    ids = [row[0] for row in book["问题台账"].iter_rows(min_row=2, values_only=True)]
    assert ids == [p.id for p in reversed(problems)]
    assert [row[0] for row in book["办理过程"].iter_rows(min_row=2, values_only=True)] == ids
    assert book["问题台账"].auto_filter.ref == "A1:AF6"


def big_ledger_export(app, client, monkeypatch, limit: int = 2):
    """A ledger above the direct-export limit, asked for by the leader: the queued job."""
    from salon.problems import queries

    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    app.config["LEDGER_DIRECT_EXPORT_MAX"] = limit
    return client.get("/problems/export.xlsx")


def test_a_large_xlsx_export_runs_in_the_background_with_progress(app, client, auth, monkeypatch):
    from salon.problems import exports
    from salon.problems.models import LedgerExport

    problems = [make_problem(f"问题{n}", at=datetime(2026, 11, 1 + n, 9)) for n in range(5)]
    auth.login("leader")
    response = big_ledger_export(app, client, monkeypatch)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "后台导出" in page.get_data(as_text=True)
    job = client.get(response.headers["Location"] + "/status").get_json()
    assert job["status"] == "queued" and "file" not in job
    assert client.get(f"/problems/exports/{job['id']}.xlsx").status_code == 404  # not yet
    # asked again before it ran: the same job, not a second one
    assert big_ledger_export(app, client, monkeypatch).headers["Location"] == job["page"]

    seen = []
    original = exports._report
    monkeypatch.setattr(exports, "_report", lambda *a: (original(*a), seen.append(
        app.extensions["sqlalchemy"].session.get(LedgerExport, job["id"]).progress)))
    assert exports.run_pending() == 1
    assert seen == sorted(seen) and len(seen) == 3 and seen[-1] == 99  # 2, 4, 5 of 5 rows
    state = client.get(f"/problems/exports/{job['id']}/status").get_json()
    assert state["status"] == "done" and state["progress"] == 100
    assert "已导出 5 个问题" in state["message"]
    workbook = client.get(state["file"])
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(workbook.data))["问题台账"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        p.id for p in reversed(problems)]
    assert "下载问题台账" in client.get(job["page"]).get_data(as_text=True)


def test_a_background_export_is_only_for_the_person_who_asked(app, client, auth, monkeypatch):
    from salon.problems import exports

    for n in range(3):
        make_problem(f"问题{n}")
    auth.login("leader")
    page = big_ledger_export(app, client, monkeypatch).headers["Location"]
    exports.run_pending()
    auth.logout()
    auth.login("organizer")
    assert client.get(page).status_code == 404
    assert client.get(page + ".xlsx").status_code == 404
    auth.logout()
    auth.login("officer")
    assert client.get(page).status_code == 403


def test_small_exports_stay_direct_and_csv_always_streams(app, client, auth, monkeypatch):
    for n in range(3):
        make_problem(f"问题{n}")
    auth.login("leader")
    assert big_ledger_export(app, client, monkeypatch, limit=3).status_code == 200
    app.config["LEDGER_DIRECT_EXPORT_MAX"] = 1
    assert client.get("/problems/export.csv").is_streamed


def test_a_failed_export_says_so_and_old_exports_are_deleted(app, client, auth, monkeypatch):
    from datetime import timedelta

    from salon.extensions import db
    from salon.problems import exports, ledger
    from salon.problems.models import LedgerExport
    from salon.storage import storage
    from salon.timeutil import now

    for n in range(3):
        make_problem(f"问题{n}")
    auth.login("leader")
    page = big_ledger_export(app, client, monkeypatch).headers["Location"]

    def broken(target, batches):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "write_workbook", broken)
    exports.run_pending()
    state = client.get(page + "/status").get_json()
    assert state["status"] == "failed" and "导出出错" in state["message"]
    monkeypatch.undo()

    page = big_ledger_export(app, client, monkeypatch, limit=1).headers["Location"]
    exports.run_pending()
    done = db.session.scalar(db.select(LedgerExport).where(LedgerExport.status == "done"))
    assert storage().exists(done.storage_key)
    done.finished_at = now() - timedelta(hours=25)
    db.session.commit()
    exports.forget_old_exports()
    assert not storage().exists(done.storage_key)
    assert db.session.get(LedgerExport, done.id) is None


def test_one_person_cannot_fill_the_export_queue(app, client, auth, monkeypatch):
    from salon.problems.exports import MAX_WAITING_PER_PERSON

    for n in range(3):
        make_problem(f"问题{n}")
    auth.login("leader")
    app.config["LEDGER_DIRECT_EXPORT_MAX"] = 1
    for n in range(MAX_WAITING_PER_PERSON):
        assert client.get(f"/problems/export.xlsx?start=2026-01-0{n + 1}").status_code == 302
    refused = client.get("/problems/export.xlsx?start=2026-02-01")
    assert refused.status_code == 400 and "正在导出" in refused.get_data(as_text=True)


def test_a_reopened_problem_in_the_ledger_is_plain_text_and_history(app, client, auth):
    """The outcome written with Markdown marks is plain text in every cell; the disputed
    result is listed as history, never in the current 办理结果 column."""
    from .problem_data import step

    problem = walk(make_problem("探头盲区"), "in_progress")
    step(problem, "officer2", "report", outcome="**补装**探头\n\n1. 城南路口\n2. 城北路口",
         figures=[("新增探头", 4, "组")])
    step(problem, "leader", "approve")
    step(problem, "officer", "dispute", note="夜间仍看不清")
    auth.login("leader")
    book = load_workbook(io.BytesIO(client.get("/problems/export.xlsx").data))
    sheet = book["问题台账"]
    header = [c.value for c in sheet[1]]
    [row] = [dict(zip(header, r, strict=True))
             for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert row["办理结果（评估）"] in ("", None) and row["成效数据"] in ("", None)
    history = row["此前办理结果（历史）"]
    assert history.startswith("第1次办结，被提出异议") and "补装探头" in history
    notes = [r[8] for r in book["办理过程"].iter_rows(min_row=2, values_only=True)]
    cells = [history, *notes]
    assert not [c for c in cells if c and ("**" in c or "\n1. " in c)], cells
