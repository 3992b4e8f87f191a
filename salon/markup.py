"""Markdown to safe HTML: render with python-markdown, then sanitise with an allow-list (nh3)."""
import hashlib
import html as html_lib
import re
import threading
from collections.abc import Callable

import markdown as md
import nh3
from markupsafe import Markup

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
UPLOADS_PREFIX = "/uploads/"
# Exactly the keys posts/uploads.py hands out: 32 hex digits and the image's extension.
_UPLOAD_SRC = re.compile(r"/uploads/[0-9a-f]{32}\.(?:jpg|png|webp)")


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


_converters = threading.local()


def _convert(text: str, *extensions: str) -> str:
    """Markdown to HTML with a converter kept per thread: building one costs more than using it."""
    cache = _converters.__dict__
    converter = cache.get(extensions)
    if converter is None:
        converter = cache[extensions] = md.Markdown(extensions=list(extensions),
                                                    output_format="html")
    return converter.reset().convert(text)


class _Remembered:
    """Results of a pure function of a text, kept by the text's digest (not the text itself).

    A page shows the same bodies again and again; converting one costs about a millisecond.
    The output depends on nothing but the text and the arguments, so a remembered result is
    always right. Emptied when the kept results exceed `budget` characters.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.results: dict[tuple, str] = {}
        self.size = 0

    def get(self, text: str, args: tuple, compute: Callable[[], str]) -> str:
        key = (hashlib.blake2b(text.encode(), digest_size=16).digest(), *args)
        result = self.results.get(key)
        if result is None:
            result = compute()
            if self.size + len(result) > self.budget:
                self.results, self.size = {}, 0
            self.results[key] = result
            self.size += len(result)
        return result


_html = _Remembered(budget=4_000_000)
_plain = _Remembered(budget=2_000_000)


def render_markdown(text: str | None) -> Markup:
    """Markdown (tables, fenced code, lists, quotes, images) to sanitised HTML."""
    text = text or ""
    return Markup(_html.get(text, (), lambda: sanitise(_convert(text, "extra", "sane_lists"))))


def plain_text(text: str | None, limit: int = 120) -> str:
    """A short plain-text excerpt of Markdown, for lists and snippets."""
    text = text or ""
    return _plain.get(text, (limit,), lambda: _excerpt(text, limit))


def _excerpt(text: str, limit: int) -> str:
    html = _convert(text, "extra")
    plain = " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"
