"""Markdown to safe HTML, once, when the text is written: bounded work, then an allow-list.

Python-Markdown is quadratic (or worse) on some inputs — 40,000 `[`, `[a](` repeated, deep
nesting (its maintainers leave these open: Python-Markdown #798, #1617, #1619). So a text is
rendered only when it is written, inside a budget: cheap checks first (structure that is
slow inside a C regular expression, where no clock can interrupt it), then the conversion
with a CPU-time deadline checked at every step of the parser, then a nesting limit on the
result. What does not fit is refused with `TooComplex` ("正文结构过于复杂…") at writing time.
The sanitised HTML and the plain text are stored beside the source (`keep_rendered`), and
pages only ever show the stored HTML: reading never parses Markdown.
"""
import hashlib
import html as html_lib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import markdown as md
import nh3
from markupsafe import Markup, escape

from .cache import LRUCache
from .cpulimit import OutOfTime, cpu_limit
from .errors import InvalidInput

log = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
    "pre", "code", "em", "strong", "del", "sup", "sub", "table", "thead", "tbody", "tr",
    "th", "td", "a", "img", "dl", "dt", "dd", "abbr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "abbr": {"title"},
    "ol": {"start"},
}
# Exactly the keys posts/uploads.py hands out: 32 hex digits and the image's extension.
_UPLOAD_SRC = re.compile(r"/uploads/[0-9a-f]{32}\.(?:jpg|png|webp)")
EXTENSIONS = ("extra", "sane_lists")

# The budget. CPU time of the rendering thread (a busy machine does not make a text "complex");
# the figures behind these limits are in the README (benchmarks/worst_case.py).
MAX_CHARS = 50_000
CPU_SECONDS = 0.5
MAX_DEPTH = 24  # nested elements in the result: quotes in lists in quotes…
MAX_ABBREVIATIONS = 100  # each one is an alternative in one regular expression run on all text
MAX_FOOTNOTES = 500
TOO_COMPLEX = ("{label}结构过于复杂（如大量未配对的方括号、反引号、层层嵌套的列表或引用、"
               "成千上万条缩写定义），无法在限定时间内排版。请简化格式后再提交。")
_ABBREVIATION = re.compile(r"^ {0,3}\*\[[^\]\n]*\]:", re.M)
_FOOTNOTE = re.compile(r"^ {0,3}\[\^[^\]\n]*\]:", re.M)


class TooComplex(InvalidInput):
    """The text does not fit the rendering budget; the message says what to simplify."""

    def __init__(self, label: str = "正文", field: str | None = None) -> None:
        super().__init__(TOO_COMPLEX.format(label=label), field=field)


@dataclass(frozen=True)
class Rendered:
    """A text rendered once: the sanitised HTML to show and its plain text (excerpts, snippets)."""

    html: str
    text: str

    def __html__(self) -> str:
        return self.html


EMPTY = Rendered("", "")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images may come only from the site's own uploads; nothing else is loaded."""
    if tag == "img" and attribute == "src":
        return value if _UPLOAD_SRC.fullmatch(value) else None
    return value


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def text_of(html: str) -> str:
    """The plain text of sanitised HTML, whitespace collapsed."""
    return " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())


class _Converter:
    """One Python-Markdown converter whose every step first looks at the clock."""

    def __init__(self) -> None:
        self.deadline = float("inf")
        self.markdown = md.Markdown(extensions=list(EXTENSIONS), output_format="html")
        m = self.markdown
        for processor in (*m.preprocessors, *m.treeprocessors, *m.postprocessors):
            processor.run = self._checked(processor.run)
        for processor in m.parser.blockprocessors:
            processor.test = self._checked(processor.test)
            processor.run = self._checked(processor.run)
        for pattern in m.inlinePatterns:
            pattern.handleMatch = self._checked(pattern.handleMatch)

    def _checked(self, step: Callable) -> Callable:
        def checked(*args, **kwargs):
            if time.thread_time() > self.deadline:
                raise OutOfTime
            return step(*args, **kwargs)
        return checked

    def convert(self, text: str, seconds: float) -> str:
        self.deadline = time.thread_time() + seconds
        try:
            # The signal also stops one long step (a 900-row table is one step; so is the
            # standard library's HTML parser going over a block), which checks cannot.
            with cpu_limit(seconds * 1.25):
                return self.markdown.reset().convert(text)
        finally:
            self.deadline = float("inf")


_local = threading.local()
_kept = LRUCache(8_000_000, weigh=lambda r: len(r.html) + len(r.text) + 100)


def _converter() -> _Converter:
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _Converter()
    return converter


def _precheck(text: str, label: str, field: str | None) -> None:
    """Refuse at once what is slow where no deadline can interrupt it."""
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"{label}最多 {MAX_CHARS} 字。", field=field)
    if "*[" in text and len(_ABBREVIATION.findall(text)) > MAX_ABBREVIATIONS:
        raise TooComplex(label, field)
    if "[^" in text and len(_FOOTNOTE.findall(text)) > MAX_FOOTNOTES:
        raise TooComplex(label, field)


_TAG = re.compile(r"<(/?)([a-z0-9]+)[^>]*?(/?)>")
_VOID = {"br", "hr", "img"}


def _depth(html: str) -> int:
    """How deeply the elements of (well-formed, sanitised) HTML nest."""
    depth = deepest = 0
    for closing, tag, self_closing in _TAG.findall(html):
        if tag in _VOID or self_closing:
            continue
        if closing:
            depth -= 1
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _budget() -> float:
    from flask import current_app, has_app_context

    return current_app.config["MARKDOWN_CPU_SECONDS"] if has_app_context() else CPU_SECONDS


def render(text: str | None, label: str = "正文", field: str | None = None,
           seconds: float | None = None) -> Rendered:
    """Markdown (tables, fenced code, lists, quotes, images) to sanitised HTML and plain text,
    within the budget; `TooComplex` (a 400 with a Chinese message) when it does not fit."""
    text = text or ""
    if not text.strip():
        return EMPTY
    given = getattr(_local, "prerendered", None)
    if given and text in given:
        return given[text]
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    kept = _kept.get(key)
    if kept is not None:
        return kept
    _precheck(text, label, field)
    converter = _converter()
    try:
        html = sanitise(converter.convert(text, seconds or _budget()))
    except (OutOfTime, RecursionError):
        _local.converter = None  # its state may be half-way through a document
        raise TooComplex(label, field) from None
    except Exception:  # a parser bug on odd input is the writer's 400, not everyone's 500
        _local.converter = None
        log.warning("Markdown conversion failed", exc_info=True)
        raise TooComplex(label, field) from None
    if _depth(html) > MAX_DEPTH:
        raise TooComplex(label, field)
    rendered = Rendered(html, text_of(html))
    _kept.put(key, rendered)
    return rendered


@contextmanager
def prerendered(results: dict[str, Rendered]) -> Iterator[None]:
    """Within the block, texts rendered beforehand (a bulk import renders its bodies in
    parallel processes) are taken as they are, however many: the LRU keeps only some."""
    _local.prerendered = results
    try:
        yield
    finally:
        _local.prerendered = None


def render_lenient(text: str | None) -> Rendered:
    """For text written before the budget existed: rendered if it fits, else shown as
    plain paragraphs (never refused: it is already stored)."""
    try:
        return render(text)
    except InvalidInput:
        paragraphs = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
        html = "".join(f"<p>{escape(p.strip())}</p>\n" for p in paragraphs)
        return Rendered(html, " ".join((text or "").split()))


def excerpt(plain: str | None, limit: int = 120) -> str:
    """A short excerpt of stored plain text, for lists (no parsing: the text is stored)."""
    plain = plain or ""
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def as_html(html: str | None) -> Markup:
    """Stored sanitised HTML, for a template."""
    return Markup(html or "")


def keep_rendered(source, html_attribute: str, text_attribute: str | None = None,
                  label: str = "正文") -> None:
    """Whenever `source` (a mapped Markdown column, e.g. `Post.body`) is assigned, store its
    rendered HTML (and plain text) beside it: every writing path — form, API, import, Word,
    admin, demo — goes through this one listener, and a text over budget raises TooComplex
    naming the attribute as its field (forms show the message beside it, the API names it)."""
    from sqlalchemy import event

    def store(target, value, _old, _initiator):
        try:
            rendered = render(value, label)
        except TooComplex as error:
            if error.field:
                raise
            raise TooComplex(label, field=source.key) from None
        setattr(target, html_attribute, rendered.html)
        if text_attribute:
            setattr(target, text_attribute, rendered.text)
        return value

    event.listen(source, "set", store, retval=True)
