"""The bulletin cut into segments, their printable HTML (one document, or one part each), and
the fingerprint of everything that shapes the PDF.

A segment always starts on a new page, so its pages do not depend on what comes before it:
parts.py lays each out on its own and caches it. Inside a segment the text flows: the
segments are the front matter (报头、编者按、目录、本期主题), one per section of articles and
the closing pages, so no page is cut short except a section's last. Nothing here loads the
join's or the layout's libraries, so pages that preview or compare a bulletin stay light.
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template

from ...posts.models import Post
from .layout import ASSETS_PREFIX, PAGE_NUMBERS_CSS, PRINT_CSS

# Bump when the layout changes in a way the content hash cannot see (template code is hashed).
LAYOUT_VERSION = "4"
# A problem shorter than this is kept on one page (it moves on whole rather than split).
SHORT_PROBLEM = 300
# The closing pages' sections (anchor, bookmark), in order; 群众建议 only when there are any.
TAIL_SECTIONS = (("sec-lookback", "回头看"), ("sec-outcomes", "本期成效"),
                 ("sec-public", "群众建议"), ("sec-data", "数据"))


@dataclass
class Segment:
    """One part of the bulletin: the front matter (cover, editor's note, contents, topic),
    a section of articles, or the closing pages."""

    kind: str
    label: str
    section: str = ""
    heading: bool = False
    posts: list[Post] = field(default_factory=list)

    @staticmethod
    def keeps_together(post: Post) -> bool:
        """A short problem (text and 办理情况) is moved on whole rather than split."""
        return post.kind == "problem" and len(post.body) < SHORT_PROBLEM


def plan(content) -> list[Segment]:
    """Cut the bulletin into parts where a new page reads well: at each section."""
    segments = [Segment("front", "编者按")]
    for section, label, posts in (("experience", "经验交流", content.experiences),
                                  ("problems", "问题反映与办理", content.problems)):
        if posts:
            segments.append(Segment("articles", label, section, heading=True, posts=list(posts)))
    segments.append(Segment("tail", "回头看"))
    return segments


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
