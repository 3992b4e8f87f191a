"""The index folder's own files: its id, what it has applied of the change log, the swap.

A rebuild writes a new folder beside the live one and swaps it in; readers notice the new
id. The state (change-log position, dictionary version) is kept beside the index it
describes, so the two can never disagree after a swap.
"""
import json
import os
import shutil
import uuid
from pathlib import Path

from whoosh import index

from .. import analysis
from .schema import schema

ID_FILE = "index-id"
STATE_FILE = "sync-state.json"


def create(folder: Path, extra_state: dict | None = None) -> None:
    """A new empty index with its own id and the current dictionary version."""
    folder.mkdir(parents=True, exist_ok=True)
    index.create_in(str(folder), schema())
    (folder / ID_FILE).write_text(uuid.uuid4().hex)
    write_state(folder, {"upto": 0, "gaps": {}, "dictionary": analysis.dictionary_version(),
                         **(extra_state or {})})


def read_index_id(folder: Path) -> str | None:
    try:
        return (folder / ID_FILE).read_text()
    except FileNotFoundError:
        return None


def read_state(folder: Path) -> dict:
    """What the index has applied from the change log (kept beside the index it describes)."""
    try:
        return json.loads((folder / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {"upto": 0, "gaps": {}, "dictionary": None}


def write_state(folder: Path, state: dict) -> None:
    """Atomic replace, so a crash leaves the old state (replaying changes is harmless)."""
    tmp = folder / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / STATE_FILE)


def swap_in(new: Path, live: Path) -> None:
    """Replace the live folder by the freshly built one; readers notice the new index id."""
    old = live.with_name(live.name + f".old-{os.getpid()}")
    if live.exists():
        os.replace(live, old)
    os.replace(new, live)
    shutil.rmtree(old, ignore_errors=True)


def index_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
