"""Bulk import of posts from JSON Lines: check every line first, then write all in one commit.

Each imported post keeps a hash of its line's content (`Post.import_hash`): a line imported
before, or twice in one file, is skipped, so importing the same file again adds nothing.
Bodies are rendered (Markdown, within the budget) while the lines are checked, in parallel
processes for a large file, so a body over the budget names its line and nothing is written.
"""
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from .. import markup
from ..accounts.models import Unit, User
from ..accounts.services import guess_unit_kind
from ..errors import DomainError
from ..extensions import db
from ..salons.models import Salon
from ..textnorm import normalise, sane_date
from .models import KINDS, Post, Tag
from .review import publish
from .services import (
    BODY_MAX,
    SARA_MAX,
    TITLE_MAX,
    WRITABLE_SALON_STATUSES,
    PostError,
    parse_tags,
)

REQUIRED = ("kind", "title", "body", "author", "unit", "salon")
FIELD_NAMES = {"kind": "类型", "title": "标题", "body": "正文", "author": "作者", "unit": "单位",
               "salon": "沙龙月份"}
PROBLEM_FIELDS = ("source", "scan", "analysis", "proposal")
PARALLEL_FROM = 400  # lines: below this, starting worker processes costs more than it saves
FLUSH_EVERY = 1000


class ImportLineError(DomainError):
    """One line of the file is wrong; nothing is written."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"第 {line} 行：{message}")
        self.line = line


@dataclass
class Record:
    line: int
    kind: str
    title: str
    body: str
    author: str
    unit: str
    salon: Salon
    tags: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    problem: dict = field(default_factory=dict)
    digest: str = ""
    rendered: markup.Rendered | None = None


def read_records(lines: Iterable[bytes]) -> list[Record]:
    """Parse and check every line; the first bad one raises with its number."""
    salons = {s.month: s for s in db.session.scalars(db.select(Salon))}
    records = []
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise ImportLineError(number, "不是有效的 UTF-8 编码") from None
        if text.strip():
            records.append(parse_line(number, text, salons))
    return records


def parse_line(number: int, text: str, salons: dict[str, Salon]) -> Record:
    """One JSON object → a checked, normalised Record."""
    try:
        data = json.loads(text, parse_constant=lambda name: None)
    except json.JSONDecodeError as error:
        raise ImportLineError(number, f"不是有效的 JSON（第 {error.colno} 列）") from None
    except (RecursionError, ValueError):  # 100,000 '[' on a line; a 5,000-digit number
        raise ImportLineError(number, "不是有效的 JSON（嵌套过深或数字过长）") from None
    if not isinstance(data, dict):
        raise ImportLineError(number, "应为一个 JSON 对象")
    try:
        return _record(number, data, salons)
    except ImportLineError:
        raise
    except DomainError as error:  # a lone surrogate, a date out of range, too many tags…
        raise ImportLineError(number, error.message.rstrip("。")) from None


def _record(number: int, data: dict, salons: dict[str, Salon]) -> Record:
    values = {}
    for name in REQUIRED:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ImportLineError(number, f"缺少字段 {name}（{FIELD_NAMES[name]}）或其不是文字")
        values[name] = normalise(value).strip()
    if values["kind"] not in KINDS:
        raise ImportLineError(number, f"未知的稿件类型 {values['kind'][:20]}"
                                      "（应为 experience 或 problem）")
    salon = salons.get(values["salon"])
    if salon is None:
        raise ImportLineError(number, f"未知的沙龙月份 {values['salon'][:20]}")
    if salon.status not in WRITABLE_SALON_STATUSES:
        raise ImportLineError(number, f"{salon.label}已出刊，不能再导入稿件")
    if len(values["title"]) > TITLE_MAX or len(values["body"]) > BODY_MAX:
        raise ImportLineError(number, f"标题最多 {TITLE_MAX} 字，正文最多 {BODY_MAX} 字")
    record = Record(line=number, kind=values["kind"], title=values["title"],
                    body=values["body"], author=values["author"][:64],
                    unit=values["unit"][:80], salon=salon, tags=_tags(number, data.get("tags")),
                    created_at=_created_at(number, data.get("created_at")),
                    problem=_problem(number, data) if values["kind"] == "problem" else {})
    record.digest = _digest(record)
    return record


def _digest(record: Record) -> str:
    """What makes two lines the same post: every field that is imported."""
    content = [record.kind, record.title, record.body, record.author, record.unit,
               record.salon.month, record.tags,
               record.created_at.isoformat() if record.created_at else "", record.problem]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()


def _tags(number: int, value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ImportLineError(number, "tags 应为文字列表")
    try:
        return parse_tags([normalise(v) for v in value])
    except PostError as error:
        raise ImportLineError(number, str(error).rstrip("。")) from None


def _created_at(number: int, value) -> datetime | None:
    """ISO 8601; a time with an offset is turned into local time, as the app stores it."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ImportLineError(number, "created_at 应为 ISO 8601 时间文字，如 2026-11-05T09:30:00")
    try:
        moment = sane_date(datetime.fromisoformat(value), "created_at")
        return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        raise ImportLineError(
            number, f"created_at 不是有效的 ISO 8601 时间：{value[:40]}") from None


def _problem(number: int, data: dict) -> dict:
    from ..problems.models import SOURCES

    fields = {}
    for name in PROBLEM_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ImportLineError(number, f"{name} 应为文字")
        fields[name] = normalise(value or "").strip()
        if len(fields[name]) > SARA_MAX:
            raise ImportLineError(number, f"{name} 最多 {SARA_MAX} 字")
    fields["source"] = fields["source"] or "officer"
    if fields["source"] not in SOURCES:
        raise ImportLineError(number, f"未知的问题来源 {fields['source'][:20]}")
    return fields


# --- rendering the bodies --------------------------------------------------------------------

def _render_one(body: str) -> tuple[str, str] | str:
    """In a worker process: (html, text), or the refusal's message."""
    try:
        rendered = markup.render(body)
    except DomainError as error:
        return error.message
    return rendered.html, rendered.text


def render_bodies(records: list[Record]) -> None:
    """Render the bodies of the records to be written (kept for the model's listener), each
    within the budget; a body over it names its line. Large files use every core."""
    bodies = [r.body for r in records]
    workers = min(os.cpu_count() or 1, 8)
    if len(records) >= PARALLEL_FROM and workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_render_one, bodies, chunksize=64))
    else:
        results = [_render_one(body) for body in bodies]
    for record, result in zip(records, results, strict=True):
        if isinstance(result, str):
            raise ImportLineError(record.line, result.rstrip("。"))
        record.rendered = markup.Rendered(*result)


# --- writing ---------------------------------------------------------------------------------

def already_imported(records: list[Record]) -> tuple[list[Record], int]:
    """The records not imported before (nor earlier in this file), and how many were skipped."""
    digests = [r.digest for r in records]
    seen: set[str] = set()
    for start in range(0, len(digests), 500):
        seen.update(db.session.scalars(db.select(Post.import_hash).where(
            Post.import_hash.in_(digests[start:start + 500]))))
    fresh = []
    for record in records:
        if record.digest not in seen:
            seen.add(record.digest)
            fresh.append(record)
    return fresh, len(records) - len(fresh)


def write_records(records: list[Record], progress: Callable = lambda items: items) -> int:
    """Create units, inactive authors and submitted posts; the caller commits or rolls back."""
    units = _units_named({r.unit for r in records})
    tags = _tags_named({name for r in records for name in r.tags})
    authors: dict[tuple[str, str], User] = {}
    rendered = {r.body: r.rendered for r in records if r.rendered is not None}
    with db.session.no_autoflush, markup.prerendered(rendered):  # one flush per batch
        for count, record in enumerate(progress(records), start=1):
            unit = units[record.unit]
            author = authors.get((record.author, record.unit))
            if author is None:
                author = authors[(record.author, record.unit)] = author_for(record.author, unit)
            post = Post(kind=record.kind, title=record.title, body=record.body, author=author,
                        unit=unit, salon=record.salon, tags=[tags[n] for n in record.tags],
                        status="draft", problem_draft=record.problem or None,
                        import_hash=record.digest)
            if record.created_at:
                post.created_at = post.updated_at = record.created_at
            db.session.add(post)
            publish(post)  # imported posts are published material: no review
            if count % FLUSH_EVERY == 0:
                db.session.flush()
    return len(records)


def _units_named(names: set[str]) -> dict[str, Unit]:
    found = {u.name: u for u in db.session.scalars(db.select(Unit).where(Unit.name.in_(names)))}
    for name in names - found.keys():
        found[name] = Unit(name=name, kind=guess_unit_kind(name))
        db.session.add(found[name])
    return found


def _tags_named(names: set[str]) -> dict[str, Tag]:
    found = {t.name: t for t in db.session.scalars(db.select(Tag).where(Tag.name.in_(names)))}
    for name in names - found.keys():
        found[name] = Tag(name=name)
        db.session.add(found[name])
    return found


def author_for(name: str, unit: Unit) -> User:
    """The user with this name in this unit, or a new inactive one (it cannot sign in)."""
    user = None
    if unit.id is not None:
        user = db.session.scalar(db.select(User).where(User.name == name,
                                                       User.unit_id == unit.id))
    if user is not None:
        return user
    base = "import-" + hashlib.sha1(f"{unit.name}/{name}".encode()).hexdigest()[:10]
    username, n = base, 1
    while db.session.scalar(db.select(User.id).filter_by(username=username)):
        n += 1
        username = f"{base}-{n}"
    user = User(username=username, name=name, unit=unit, role="officer", active=False,
                password_hash=None)
    db.session.add(user)
    return user
