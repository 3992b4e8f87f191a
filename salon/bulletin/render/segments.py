"""The bulletin cut into segments, their printable HTML (one document, or one part each), and
the fingerprint of everything that shapes the PDF.

A segment always starts on a new page, so its pages do not depend on what comes before it:
parts.py lays each out on its own and caches it. Nothing here loads the join's or the
layout's libraries, so pages that preview or compare a bulletin stay light.
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template

from ...posts.models import Post
from .layout import ASSETS_PREFIX, PAGE_NUMBERS_CSS, PRINT_CSS

# Bump when the layout changes in a way the content hash cannot see (template code is hashed).
LAYOUT_VERSION = "3"
# An article longer than this opens a page of its own; shorter ones share, up to GROUP_SIZE.
LONG_ARTICLE = 1800
GROUP_SIZE = 3


@dataclass
class Segment:
    """One part of the bulletin: the cover with the editor's note, the contents, the topic,
    a run of articles, or the closing pages."""

    kind: str
    label: str
    section: str = ""
    heading: bool = False
    posts: list[Post] = field(default_factory=list)


def plan(content) -> list[Segment]:
    """Cut the bulletin into parts at the places where a new page reads well."""
    segments = [Segment("cover", "编者按"), Segment("toc", "目录"), Segment("topic", "本期主题")]
    for section, label, posts in (("experience", "经验交流", content.experiences),
                                  ("problems", "问题反映与办理", content.problems)):
        group: Segment | None = None
        for post in posts:
            long = len(post.body) > LONG_ARTICLE
            if group is None or long or len(group.posts) >= GROUP_SIZE or _is_long(group):
                group = Segment("articles", label, section, heading=group is None)
                segments.append(group)
            group.posts.append(post)
    segments.append(Segment("tail", "回头看"))
    return segments


def _is_long(segment: Segment) -> bool:
    return any(len(post.body) > LONG_ARTICLE for post in segment.posts)


def segment_html(content, segments: list[Segment], toc_in_parts: bool = False,
                 stylesheets: tuple[str, ...] = ()) -> str:
    """A printable HTML document holding the given segments, linking `stylesheets`.
    A part links none: its render worker applies the print CSS it has parsed already."""
    return render_template("bulletin/print.html", c=content, segments=segments,
                           toc_in_parts=toc_in_parts, stylesheets=stylesheets,
                           chart_src=lambda name: ASSETS_PREFIX + name)


def print_html(content) -> str:
    """The whole bulletin as one printable document (CSS page numbers, target-counter TOC)."""
    return segment_html(content, plan(content), stylesheets=(PRINT_CSS, PAGE_NUMBERS_CSS))


def layout_fingerprint() -> str:
    """What shapes every page besides the content: layout version, print CSS, fonts."""
    digest = hashlib.sha256(LAYOUT_VERSION.encode())
    static = Path(current_app.static_folder)
    for css in sorted((static / "css").glob("bulletin-*.css")):
        digest.update(css.name.encode() + css.read_bytes())
    for font in sorted((static / "fonts").glob("*.ttf")):
        digest.update(f"{font.name}:{font.stat().st_size}".encode())
    return digest.hexdigest()


def fingerprint(content, html: str | None = None) -> str:
    """A digest of everything that shapes the PDF: HTML, charts, print CSS, fonts."""
    digest = hashlib.sha256(layout_fingerprint().encode())
    digest.update((html or print_html(content)).encode())
    for name in sorted(content.charts):
        digest.update(name.encode() + hashlib.sha256(content.charts[name]).digest())
    return digest.hexdigest()
