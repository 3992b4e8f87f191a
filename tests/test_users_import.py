"""`flask users import FILE.xlsx`: a bureau's officers and units in one step, all or nothing."""
import pytest
from openpyxl import Workbook

from salon.accounts.models import Unit, User
from salon.extensions import db

HEADER = ["用户名", "姓名", "警号", "单位", "角色", "负责人"]


def sheet(tmp_path, rows, header=HEADER):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    path = tmp_path / "users.xlsx"
    book.save(path)
    return str(path)


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_imports_users_and_creates_units(app, runner, tmp_path):
    path = sheet(tmp_path, [
        ["wang1", "王一", 32601, "城东社区警务室", "民警", ""],
        ["li2", "李二", "032602", "新集派出所", "民警", "是"],
        ["zhao3", "赵三", None, "新集派出所", "组织者", None],
        [None, None, None, None, None, None],  # an empty line is passed over
    ])
    result = runner.invoke(args=["users", "import", path, "--password-stdin"],
                           input="Chushi#Mima2026\n")
    assert result.exit_code == 0, result.output
    assert "已导入 3 个用户，涉及 2 个单位。" in result.output
    wang = db.session.scalar(db.select(User).filter_by(username="wang1"))
    assert (wang.police_no, wang.unit.name, wang.unit.kind) == ("32601", "城东社区警务室", "post")
    li = db.session.scalar(db.select(User).filter_by(username="li2"))
    assert li.unit_head and li.unit.kind == "station" and li.must_change_password
    assert li.check_password("Chushi#Mima2026")
    assert db.session.scalar(db.select(User).filter_by(username="zhao3")).role == "organizer"


@pytest.mark.parametrize("rows, message", [
    ([["a1", "甲", "1", "城关派出所", "民警", ""], ["a2", "乙", "2", "城关派出所", "队长", ""]],
     "第 3 行：角色“队长”不对"),
    ([["a1", "甲", "1", "城关派出所", "民警", ""], ["a1", "乙", "2", "城关派出所", "民警", ""]],
     "第 3 行：用户名“a1”与第 2 行重复"),
    ([["a1", "甲", "7", "城关派出所", "民警", ""], ["a2", "乙", "7", "城关派出所", "民警", ""]],
     "第 3 行：警号“7”与第 2 行重复"),
    ([["officer", "甲", "", "城关派出所", "民警", ""]], "第 2 行：用户名“officer”已存在"),
    ([["a1", "", "", "城关派出所", "民警", ""]], "第 2 行：姓名不能为空"),
    ([["a1", "甲", "", "新派出所", "管理员", "是"]], "第 2 行：管理员不能担任单位负责人"),
    ([["a1", "甲", "", "新派出所", "民警", "也许"]], "第 2 行：负责人一栏应填“是”或留空"),
])
def test_a_bad_row_writes_nothing(app, runner, tmp_path, rows, message):
    users, units = count(User), count(Unit)
    result = runner.invoke(args=["users", "import", sheet(tmp_path, rows)])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1
    assert "未导入任何数据" in result.output and message in result.output
    assert (count(User), count(Unit)) == (users, units)


def test_every_bad_row_is_named(app, runner, tmp_path):
    rows = [["a1", "甲", "", "城关派出所", "民警", ""], ["", "乙", "", "城关派出所", "民警", ""],
            ["a3", "丙", "", "城关派出所", "局长", ""]]
    result = runner.invoke(args=["users", "import", sheet(tmp_path, rows)])
    assert "第 3 行：用户名不能为空" in result.output and "第 4 行：角色“局长”不对" in result.output
    assert db.session.scalar(db.select(User).filter_by(username="a1")) is None


def test_bad_files(app, runner, tmp_path):
    path = sheet(tmp_path, [["a1", "甲"]], header=["用户名", "姓名"])
    result = runner.invoke(args=["users", "import", path])
    assert result.exit_code != 0 and "缺少：单位、角色" in result.output
    text = tmp_path / "users.csv"
    text.write_text("用户名,姓名\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(text)])
    assert result.exit_code != 0 and "不是有效的 Excel 文件" in result.output
    empty = sheet(tmp_path, [])
    assert "表中没有数据行" in runner.invoke(args=["users", "import", empty]).output
