"""One small interface for stored files (uploads, bulletins): put, get, delete by key.

By default bytes live in the instance folder; no other code knows where they are.
A file that rows of a database transaction refer to is stored with `put_for_transaction`:
if that transaction rolls back, the file is deleted again.
"""
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120}){0,3}$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    size: int
    sha256: str


class StorageError(ValueError):
    """A key that is not ours, or a file that is not there."""


class FileStorage:
    """Files in a folder; keys are checked so no key can leave it."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file behind a key, refusing anything that could escape the folder."""
        if not _KEY.match(key) or ".." in key:
            raise StorageError(f"无效的文件键：{key!r}")
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"无效的文件键：{key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> StoredFile:
        """Write atomically (temp file, then rename), so a reader never sees half a file."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
        return StoredFile(key, content_type, len(data), hashlib.sha256(data).hexdigest())

    def get(self, key: str) -> bytes:
        path = self.path(key)
        if not path.is_file():
            raise StorageError(f"文件不存在：{key}")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except StorageError:
            return False

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        """The keys of the files directly in the folder `prefix` ("folder/"), sorted."""
        folder = self.path(prefix.rstrip("/"))
        if not folder.is_dir():
            return []
        return sorted(prefix + entry.name for entry in os.scandir(folder) if entry.is_file())


def storage() -> FileStorage:
    """The app's storage (configured by STORAGE_DIR)."""
    return FileStorage(current_app.config["STORAGE_DIR"])


_PUT = "salon.storage.put"  # session.info: files put in this transaction
_DROPPED = "salon.storage.dropped"  # session.info: files to delete once it commits


def put_for_transaction(key: str, data: bytes, content_type: str) -> StoredFile:
    """Store a file that rows of the current transaction refer to (an image of a Word import,
    a bulletin revision): a rollback deletes it, so a failed import leaves no orphan file."""
    files = storage()
    stored = files.put(key, data, content_type)
    _session_info().setdefault(_PUT, []).append((files, key))
    return stored


def delete_with_transaction(key: str) -> None:
    """Delete a file whose rows the current transaction deletes, once it commits: a
    rollback restores the rows, and so must find their file still there."""
    _session_info().setdefault(_DROPPED, []).append((storage(), key))


def _session_info() -> dict:
    """The session's notes, its transaction begun (so that its end is seen even if the
    file is all it holds so far)."""
    from .extensions import db  # not at the top: render workers use storage without the app

    session = db.session()
    if not session.in_transaction():
        session.begin()
    return session.info


def _after_commit(session) -> None:
    session.info.pop(_PUT, None)
    for files, key in session.info.pop(_DROPPED, ()):
        files.delete(key)


def _after_rollback(session, previous_transaction) -> None:
    """After the outermost rollback only: a savepoint's rollback leaves the transaction on."""
    if previous_transaction.parent is None:
        session.info.pop(_DROPPED, None)
        for files, key in session.info.pop(_PUT, ()):
            files.delete(key)


def init_app(app) -> None:
    """Listen on Flask-SQLAlchemy's session class (once per process)."""
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
