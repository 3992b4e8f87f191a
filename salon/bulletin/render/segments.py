"""The bulletin cut into segments, and their printable HTML (one document, or one part each).

A segment always starts on a new page, so its pages do not depend on what comes before it:
parts.py lays each out on its own and caches it.
"""
from dataclasses import dataclass, field

from flask import render_template

from ...posts.models import Post
from .layout import ASSETS_PREFIX

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
