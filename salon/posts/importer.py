"""Bulk import of posts from JSON Lines: check every line first, then write all in one commit."""
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..accounts.models import Unit, User
from ..accounts.services import get_or_create_unit
from ..errors import DomainError
from ..extensions import db
from ..salons.models import Salon
from ..textnorm import normalise
from .models import KINDS, Post
from .review import publish
from .services import BODY_MAX, TITLE_MAX, PostError, parse_tags, tags_named

REQUIRED = ("kind", "title", "body", "author", "unit", "salon")
FIELD_NAMES = {"kind": "类型", "title": "标题", "body": "正文", "author": "作者", "unit": "单位",
               "salon": "沙龙月份"}
PROBLEM_FIELDS = ("source", "scan", "analysis", "proposal")


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
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportLineError(number, f"不是有效的 JSON（第 {error.colno} 列）") from None
    if not isinstance(data, dict):
        raise ImportLineError(number, "应为一个 JSON 对象")
    values = {}
    for name in REQUIRED:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ImportLineError(number, f"缺少字段 {name}（{FIELD_NAMES[name]}）")
        values[name] = normalise(value).strip()
    if values["kind"] not in KINDS:
        raise ImportLineError(number, f"未知的稿件类型 {values['kind']}"
                                      "（应为 experience 或 problem）")
    salon = salons.get(values["salon"])
    if salon is None:
        raise ImportLineError(number, f"未知的沙龙月份 {values['salon']}")
    if len(values["title"]) > TITLE_MAX or len(values["body"]) > BODY_MAX:
        raise ImportLineError(number, f"标题最多 {TITLE_MAX} 字，正文最多 {BODY_MAX} 字")
    return Record(line=number, kind=values["kind"], title=values["title"], body=values["body"],
                  author=values["author"][:64], unit=values["unit"][:80], salon=salon,
                  tags=_tags(number, data.get("tags")),
                  created_at=_created_at(number, data.get("created_at")),
                  problem=_problem(number, data) if values["kind"] == "problem" else {})


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
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ImportLineError(number, f"created_at 不是有效的 ISO 8601 时间：{value}") from None
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _problem(number: int, data: dict) -> dict:
    from ..problems.models import SOURCES

    fields = {name: normalise(str(data.get(name) or "")).strip() for name in PROBLEM_FIELDS}
    fields["source"] = fields["source"] or "officer"
    if fields["source"] not in SOURCES:
        raise ImportLineError(number, f"未知的问题来源 {fields['source']}")
    return fields


def write_records(records: list[Record], progress: Callable = lambda items: items) -> int:
    """Create units, inactive authors and submitted posts; the caller commits or rolls back."""
    authors: dict[tuple[str, str], User] = {}
    for record in progress(records):
        unit = get_or_create_unit(record.unit)
        author = authors.get((record.author, record.unit)) or author_for(record.author, unit)
        authors[(record.author, record.unit)] = author
        post = Post(kind=record.kind, title=record.title, body=record.body, author=author,
                    unit=unit, salon=record.salon, tags=tags_named(record.tags), status="draft",
                    problem_draft=record.problem or None)
        if record.created_at:
            post.created_at = post.updated_at = record.created_at
        db.session.add(post)
        publish(post)  # imported posts are published material: no review
    return len(records)


def author_for(name: str, unit: Unit) -> User:
    """The user with this name in this unit, or a new inactive one (it cannot sign in)."""
    user = db.session.scalar(
        db.select(User).join(User.unit).where(User.name == name, Unit.name == unit.name)
    )
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
