"""`flask backup OUTPUT_DIR` and `flask restore BACKUP_DIR`: the database and every stored file.

A backup folder holds the database (`database.sqlite3` from SQLite's online backup API, or
`database.sql` from `pg_dump`), a copy of STORAGE_DIR under `files/`, and `manifest.json`
(time, database kind, schema revision, every file with its size and SHA-256), written last
so that a half-written backup has no manifest and is refused.
"""
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text

from .extensions import db
from .timeutil import now

MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.sql"}
FILES = "files"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message is for the operator."""


# --- helpers ---------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"不支持备份此类数据库：{kind}。")
    return kind


def sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise BackupError("内存数据库无法备份或恢复。")
    return Path(name)


def schema_revision() -> str | None:
    """The Alembic revision, when the schema was made by `flask db upgrade`."""
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def pg_tool(name: str) -> str:
    """pg_dump / psql: from PG_BIN_DIR, the PATH, or the newest /usr/lib/postgresql/*/bin."""
    folder = current_app.config["PG_BIN_DIR"]
    candidates = [str(Path(folder) / name)] if folder else []
    candidates += [shutil.which(name) or ""]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"找不到 {name}（请安装 PostgreSQL 客户端或设置 SALON_PG_BIN_DIR）。")


def pg_connection() -> tuple[str, dict]:
    """A libpq URL for the command line; the password goes in the environment, not argv."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict, action: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{action}失败：{detail[-1] if detail else result.returncode}")


# --- backup ----------------------------------------------------------------------------------

def dump_sqlite(target: Path) -> None:
    """A consistent copy of the live database, taken while the site keeps running."""
    source = sqlite3.connect(sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def dump_postgres(target: Path) -> None:
    """pg_dump in one snapshot; DROP … IF EXISTS first so a restore replaces the tables."""
    url, env = pg_connection()
    run_tool([pg_tool("pg_dump"), "--no-owner", "--no-privileges", "--clean", "--if-exists",
              "--format=plain", f"--file={target}", f"--dbname={url}"], env, "pg_dump ")


def make_backup(output: Path) -> dict:
    """Write the database, the stored files and, last, the manifest into `output`."""
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"输出目录不是空的：{output}")
    kind = database_kind()
    output.mkdir(parents=True, exist_ok=True)
    database_file = output / DATABASE_FILES[kind]
    # The database first: files added meanwhile are harmless extras; the reverse order could
    # leave rows pointing at files the copy missed.
    dump_sqlite(database_file) if kind == "sqlite" else dump_postgres(database_file)
    storage = Path(current_app.config["STORAGE_DIR"])
    if storage.is_dir():
        shutil.copytree(storage, output / FILES)
    else:
        (output / FILES).mkdir()
    manifest = {
        "format": FORMAT,
        "created_at": now().isoformat(),
        "database": kind,
        "schema_revision": schema_revision(),
        "files": [_entry(output, path) for path in _payload(output)],
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def _payload(folder: Path) -> list[Path]:
    """Every file of a backup except the manifest, in a stable order."""
    manifest = folder / MANIFEST
    return sorted(p for p in folder.rglob("*") if p.is_file() and p != manifest)


def _entry(folder: Path, path: Path) -> dict:
    return {"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size,
            "sha256": sha256_of(path)}


# --- restore ---------------------------------------------------------------------------------

def verify_backup(folder: Path) -> dict:
    """The manifest, once every listed file is present, unchanged, and nothing was added."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"不是完整的备份（缺少 {MANIFEST}）：{folder}")
    try:
        manifest = json.loads(manifest_path.read_text())
        listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        kind = manifest["database"]
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{MANIFEST} 无法读取：{error}") from None
    if DATABASE_FILES.get(kind) not in listed:
        raise BackupError("备份中没有数据库文件。")
    present = {p.relative_to(folder).as_posix() for p in _payload(folder)}
    if present - set(listed):
        raise BackupError(f"备份中有清单之外的文件：{sorted(present - set(listed))[0]}")
    for name, expected in listed.items():
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            raise BackupError(f"清单中的路径无效：{name}")
        if not path.is_file():
            raise BackupError(f"备份缺少文件：{name}")
        if sha256_of(path) != expected:
            raise BackupError(f"校验失败，文件已被改动：{name}")
    return manifest


def restore_sqlite(source: Path) -> None:
    """Check a temporary copy, then load it into the live database in one transaction.

    The live file is not swapped by rename: processes that have it open would keep writing
    the old inode, and its -wal file would be replayed onto the wrong database. The backup
    API writes every page under one lock, so other connections see the old data or the new.
    """
    target = sqlite_path()
    staging = target.with_name(f".{target.name}.restore-{os.getpid()}")
    shutil.copyfile(source, staging)
    try:
        _check_integrity(staging)
        if not target.exists():
            os.replace(staging, target)
            return
        copy, live = sqlite3.connect(staging), sqlite3.connect(target, timeout=60)
        try:
            copy.backup(live)
        finally:
            live.close()
            copy.close()
    finally:
        staging.unlink(missing_ok=True)


def _check_integrity(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"备份的数据库文件已损坏：{error}") from None
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"备份的数据库文件已损坏：{result}")


def restore_postgres(source: Path) -> None:
    """Replay the dump with psql in a single transaction: all of it or nothing."""
    url, env = pg_connection()
    run_tool([pg_tool("psql"), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1",
              "--single-transaction", f"--file={source}", f"--dbname={url}"], env, "psql 恢复")


def restore_files(source: Path, storage: Path) -> None:
    """Build the restored folder beside STORAGE_DIR, then swap it in by renames."""
    staging = storage.with_name(storage.name + ".restoring")
    previous = storage.with_name(storage.name + ".replaced")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, staging)
    else:
        staging.mkdir(parents=True)
    if storage.exists():
        storage.rename(previous)
    staging.rename(storage)
    shutil.rmtree(previous, ignore_errors=True)


def restore_backup(folder: Path) -> dict:
    """Verify, then bring back the database and the stored files."""
    manifest = verify_backup(folder)
    kind = database_kind()
    if manifest["database"] != kind:
        raise BackupError(f"备份来自 {manifest['database']} 数据库，当前是 {kind}，不能直接恢复。")
    db.session.remove()
    db.engine.dispose()  # our own pooled connections must not hold locks during the restore
    source = folder / DATABASE_FILES[kind]
    restore_sqlite(source) if kind == "sqlite" else restore_postgres(source)
    restore_files(folder / FILES, Path(current_app.config["STORAGE_DIR"]))
    return manifest


def follow_search_index() -> None:
    """The search index follows the restored database: rebuilt from it."""
    from .search import reindex

    reindex()


# --- commands --------------------------------------------------------------------------------

@click.command("backup")
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(output_dir: Path) -> None:
    """Back up the database and every stored file into OUTPUT_DIR (new or empty)."""
    try:
        manifest = make_backup(output_dir)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    stored = sum(1 for entry in manifest["files"] if entry["path"].startswith(FILES + "/"))
    click.echo(f"已备份到 {output_dir}：数据库（{manifest['database']}）和 {stored} 个存储文件。")


@click.command("restore")
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(backup_dir: Path) -> None:
    """Restore the database and stored files from BACKUP_DIR (checksums verified first)."""
    try:
        manifest = restore_backup(backup_dir)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已从 {backup_dir} 恢复（备份时间 {manifest['created_at']}）。")
    follow_search_index()
    click.echo("搜索索引已按恢复后的数据库重建。")
