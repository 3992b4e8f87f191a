"""`flask posts import FILE.jsonl`: all or nothing, normalised text, authors and units created."""
import json

import pytest

from salon.accounts.models import Unit, User
from salon.extensions import db
from salon.posts.models import Post, Tag
from salon.problems.models import Problem

from .conftest import csrf_token
from .post_factories import make_salon


def line(**fields) -> str:
    record = {"kind": "experience", "title": "调解经验", "body": "正文", "author": "李警官",
              "unit": "夏集派出所", "salon": "2026-11", "tags": ["调解"]}
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not None}, ensure_ascii=False)


def run_import(runner, tmp_path, lines: list[str], raw: bytes | None = None):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(raw if raw is not None else ("\n".join(lines) + "\n").encode())
    return runner.invoke(args=["posts", "import", str(path)])


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


@pytest.fixture(autouse=True)
def salons(app):
    make_salon("2026-10", "published")
    make_salon("2026-11", "open")


def test_import_creates_submitted_posts_authors_and_units(runner, tmp_path):
    result = run_import(runner, tmp_path, [
        line(),
        line(kind="problem", title="监控盲区", author="测试officer", unit="城关派出所",
             salon="2026-11", created_at="2026-10-12T09:30:00"),
        line(title="第二篇", tags=["调解", "走访"]),
    ])
    assert result.exit_code == 0, result.output
    assert "已导入 3 篇稿件" in result.output
    posts = db.session.scalars(db.select(Post).order_by(Post.id)).all()
    assert all(p.status == "submitted" for p in posts)
    new_author = db.session.scalar(db.select(User).filter_by(name="李警官"))
    assert not new_author.active and new_author.password_hash is None
    assert new_author.unit.name == "夏集派出所" and posts[0].unit == new_author.unit
    assert posts[2].author == new_author  # the same new author is not created twice
    assert posts[1].author.username == "officer"  # existing users are found by name and unit
    assert posts[1].created_at.isoformat() == "2026-10-12T09:30:00"
    assert db.session.scalar(db.select(Problem).filter_by(post_id=posts[1].id)).state == "raised"
    assert count(Tag) == 2


def test_imported_author_cannot_sign_in(client, runner, tmp_path):
    run_import(runner, tmp_path, [line()])
    username = db.session.scalar(db.select(User.username).filter_by(name="李警官"))
    for password in ("x", "None", "Passw0rd!"):
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.parametrize("bad, message", [
    ("{not json", "第 2 行：不是有效的 JSON"),
    (line(salon="2026-13"), "第 2 行：未知的沙龙月份 2026-13"),
    (line(kind="poem"), "第 2 行：未知的稿件类型 poem"),
    (line(title=None), "第 2 行：缺少字段 title（标题）"),
    (line(author="  "), "第 2 行：缺少字段 author（作者）"),
    (line(tags="调解"), "第 2 行：tags 应为文字列表"),
    (line(created_at="昨天"), "第 2 行：created_at 不是有效的 ISO 8601 时间"),
    ("[1, 2]", "第 2 行：应为一个 JSON 对象"),
])
def test_a_bad_line_rejects_the_whole_file(runner, tmp_path, bad, message):
    units_before = count(Unit)
    result = run_import(runner, tmp_path, [line(title="好的一行"), bad, line(title="又一行")])
    assert result.exit_code == 1
    assert result.output.strip() == message or result.output.strip().startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert count(Post) == 0 and count(Unit) == units_before and count(Problem) == 0
    assert db.session.scalar(db.select(User).filter_by(name="李警官")) is None


def test_invalid_utf8_names_its_line(runner, tmp_path):
    raw = (line() + "\n").encode() + b'{"title": "\xff\xfe"}\n'
    result = run_import(runner, tmp_path, [], raw=raw)
    assert result.exit_code == 1 and "第 2 行：不是有效的 UTF-8 编码" in result.output
    assert count(Post) == 0


def test_blank_lines_are_skipped_but_counted(runner, tmp_path):
    result = run_import(runner, tmp_path, [line(), "", line(salon="1999-01")])
    assert "第 3 行" in result.output and count(Post) == 0


def test_text_is_normalised(runner, tmp_path):
    debris = "社區(qū)警務(wù)工作調(diào)研"
    result = run_import(runner, tmp_path, [line(
        title="ＡＢＣ１２３社區(qū)", body=f"{debris}，走訪（實地）", author="王\u3000五",
        unit="城关派出所", tags=["ｔａｇ１"])])
    assert result.exit_code == 0, result.output
    post = db.session.scalar(db.select(Post))
    assert post.title == "ABC123社區"
    assert post.body == "社區警務工作調研，走訪（實地）"  # Chinese brackets kept
    assert post.author.name == "王 五" and [t.name for t in post.tags] == ["tag1"]


def test_decomposed_text_becomes_nfc(runner, tmp_path):
    result = run_import(runner, tmp_path, [line(body="Cafe\u0301")])
    assert result.exit_code == 0
    assert db.session.scalar(db.select(Post.body)) == "Caf\u00e9"


def test_document_site_debris_is_cleaned(runner, tmp_path):
    """A passage as document sites leave it (see the 004 seed text)."""
    text = ("版權(quán)說(shuō)明:本文檔由用戶(hù)提供并上傳,收益歸屬內(nèi)容提供方,"
            "若內(nèi)容存在侵權(quán),請(qǐng)進(jìn)行舉報(bào)或認(rèn)領(lǐng)\n小區(qū)警務(wù)工作調(diào)研匯報(bào)")
    result = run_import(runner, tmp_path, [line(title="调研报告", body=text)])
    assert result.exit_code == 0, result.output
    body = db.session.scalar(db.select(Post.body))
    assert body == ("版權說明:本文檔由用戶提供并上傳,收益歸屬內容提供方,"
                    "若內容存在侵權,請進行舉報或認領\n小區警務工作調研匯報")


def test_many_lines_with_progress(runner, tmp_path):
    result = run_import(runner, tmp_path, [line(title=f"稿件{n}") for n in range(120)])
    assert result.exit_code == 0 and "已导入 120 篇稿件" in result.output
    assert count(Post) == 120 and count(User) == 6  # five seeded users and one new author


def test_imported_posts_are_listed(client, auth, runner, tmp_path):
    run_import(runner, tmp_path, [line(title="导入的稿件")])
    auth.login()
    assert "导入的稿件" in client.get("/posts/").get_data(as_text=True)


def test_empty_file_is_an_error(runner, tmp_path):
    result = run_import(runner, tmp_path, [], raw=b"\n\n")
    assert result.exit_code == 1 and "没有稿件" in result.output


@pytest.mark.parametrize("bad, message", [
    (line(salon="2026-10"), "第 2 行：第1期（2026年10月）已出刊，不能再导入稿件"),
    (line(kind="problem", scan={"x": 1}), "第 2 行：scan 应为文字"),
    (line(kind="problem", proposal=["a"]), "第 2 行：proposal 应为文字"),
    (line(title={"t": 1}), "第 2 行：缺少字段 title（标题）或其不是文字"),
    (line(created_at=20261105), "第 2 行：created_at 应为 ISO 8601 时间文字"),
    (line(created_at="0001-01-01T00:00:00+08:00"), "第 2 行：created_at 须在 1900 年"),
    (line(created_at="9999-12-31"), "第 2 行：created_at 须在 1900 年至 2100 年之间"),
    (json.dumps({"kind": "experience", "title": "x\ud800", "body": "b", "author": "a",
                 "unit": "u", "salon": "2026-11"}), "第 2 行：提交的文字中含有无效字符"),
    ("[" * 100_000, "第 2 行：不是有效的 JSON"),
    ('{"n": ' + "1" * 5000 + "}", "第 2 行：不是有效的 JSON"),
    (line(body="[" * 40_000), "第 2 行：正文结构过于复杂"),
])
def test_bad_lines_give_one_clear_line(runner, tmp_path, bad, message):
    result = run_import(runner, tmp_path, [line(), bad])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert count(Post) == 0


def test_control_characters_are_removed(runner, tmp_path):
    result = run_import(runner, tmp_path, [line(title="标题\u000b\u0001", body="正文\u0000")])
    assert result.exit_code == 0, result.output
    post = db.session.scalar(db.select(Post))
    assert (post.title, post.body) == ("标题", "正文")


def test_a_file_imported_twice_adds_nothing(runner, tmp_path):
    lines = [line(title=f"稿件{n}") for n in range(60)] + [line(title="稿件0")]
    first = run_import(runner, tmp_path, lines)
    assert first.exit_code == 0 and "已导入 60 篇稿件" in first.output  # the repeated line too
    assert "已跳过 1 篇" in first.output
    again = run_import(runner, tmp_path, lines + [line(title="新的一篇")])
    assert again.exit_code == 0, again.output
    assert "已跳过 61 篇" in again.output and "已导入 1 篇稿件" in again.output
    assert count(Post) == 61


def test_bodies_are_rendered_in_parallel_for_a_large_file(runner, tmp_path, monkeypatch):
    from salon.posts import importer

    monkeypatch.setattr(importer, "PARALLEL_FROM", 20)
    result = run_import(runner, tmp_path, [line(title=f"稿件{n}", body=f"**第{n}篇**")
                                           for n in range(40)])
    assert result.exit_code == 0, result.output
    post = db.session.scalar(db.select(Post).filter_by(title="稿件7"))
    assert post.body_html == "<p><strong>第7篇</strong></p>"
