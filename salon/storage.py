"""One small interface for stored files (uploads, bulletins): put, get, delete by key.

By default bytes live in the instance folder; no other code knows where they are.
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
