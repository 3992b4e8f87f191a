"""`flask backup` / `flask restore`: a round trip, checksums, and refusals."""
import json

import pytest

from salon import backup
from salon.accounts.models import Unit, User
from salon.extensions import db
from salon.storage import storage


@pytest.fixture
def needs_tools(app):
    """On PostgreSQL the round trip needs pg_dump and psql (`make test` installs them)."""
    if db.engine.dialect.name == "postgresql":
        backup.pg_tool("pg_dump"), backup.pg_tool("psql")


def usernames() -> set[str]:
    db.session.remove()
    return set(db.session.scalars(db.select(User.username)))


def test_round_trip(app, runner, tmp_path, needs_tools):
    db.session.add(User(username="zhao", name="赵六", unit=Unit(name="备份派出所")))
    db.session.commit()
    storage().put("bulletins/1/r1.pdf", b"%PDF-1.7 first", "application/pdf")
    target = tmp_path / "backup-1"
    reader = app.test_client()
    assert reader.get("/login").status_code == 200  # a pooled connection is open meanwhile

    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 个存储文件" in result.output
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"] == db.engine.dialect.name and manifest["created_at"]
    assert {e["path"] for e in manifest["files"]} >= {"files/bulletins/1/r1.pdf"}
    assert all(len(e["sha256"]) == 64 for e in manifest["files"])

    # change and delete data after the backup
    db.session.delete(db.session.scalar(db.select(User).filter_by(username="zhao")))
    db.session.add(User(username="late", name="后来者", unit=Unit(name="新单位")))
    db.session.commit()
    storage().put("bulletins/1/r1.pdf", b"overwritten", "application/pdf")
    storage().put("uploads/later.png", b"png", "image/png")

    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and "搜索索引已按恢复后的数据库重建" in result.output
    names = usernames()
    assert "zhao" in names and "late" not in names and "officer" in names
    assert storage().get("bulletins/1/r1.pdf") == b"%PDF-1.7 first"
    assert not storage().exists("uploads/later.png")
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(db.text("PRAGMA integrity_check")) == "ok"
    # the site keeps working on the restored database
    assert app.test_client().get("/login").status_code == 200


def test_backup_refuses_a_non_empty_folder(runner, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x.txt").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "old")])
    assert result.exit_code != 0 and "不是空的" in result.output


def _backup(runner, tmp_path):
    target = tmp_path / "bk"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    return target


@pytest.mark.parametrize("damage, message", [
    (lambda t: (t / "files" / "a.txt").write_bytes(b"tampered"), "校验失败"),
    (lambda t: (t / "files" / "a.txt").unlink(), "缺少文件"),
    (lambda t: (t / "files" / "extra.bin").write_bytes(b"?"), "清单之外"),
    (lambda t: (t / "manifest.json").unlink(), "manifest.json"),
    (lambda t: (t / "manifest.json").write_text("{"), "无法读取"),
])
def test_restore_refuses_damaged_backups(app, runner, tmp_path, needs_tools, damage, message):
    storage().put("a.txt", b"original", "text/plain")
    target = _backup(runner, tmp_path)
    damage(target)
    db.session.add(User(username="after", name="之后", unit=Unit(name="某所")))
    db.session.commit()

    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code != 0
    assert message in result.output
    assert "after" in usernames()  # nothing was restored


def test_restore_refuses_a_tampered_database(app, runner, tmp_path, needs_tools):
    target = _backup(runner, tmp_path)
    database = next(p for p in target.iterdir() if p.name.startswith("database."))
    database.write_bytes(database.read_bytes() + b"\0")
    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code != 0 and "校验失败" in result.output


def test_restore_refuses_another_database_kind(app, runner, tmp_path, needs_tools):
    target = _backup(runner, tmp_path)
    manifest = json.loads((target / "manifest.json").read_text())
    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    old, new = backup.DATABASE_FILES[manifest["database"]], backup.DATABASE_FILES[other]
    (target / old).rename(target / new)
    for entry in manifest["files"]:
        entry["path"] = new if entry["path"] == old else entry["path"]
    manifest["database"] = other
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code != 0 and "不能直接恢复" in result.output
