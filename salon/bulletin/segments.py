"""The bulletin in parts: planned, rendered in parallel worker processes, cached by content.

A part (segment) always starts on a new page, so its pages do not depend on what comes
before it: each is laid out once, cached under the hash of its HTML, and reused by later
builds. Only the table of contents (it needs every part's page count) is laid out last, with
the real numbers. assemble.py joins the parts, stamps page numbers and writes the bookmarks.
"""
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass, field

from flask import current_app, render_template

from ..posts.models import Post
from ..storage import FileStorage, StorageError, storage
from .layout import ASSETS_PREFIX, PRINT_CSS, RenderJob, render_in_worker
from .workers import pool

# An article longer than this opens a page of its own; shorter ones share, up to GROUP_SIZE.
LONG_ARTICLE = 1800
GROUP_SIZE = 3
CACHE_PREFIX = "bulletin-cache/"
# The parts of this many recent builds stay cached (all salons together); older ones are
# deleted. A rebuild after an edit reuses the last build's parts, so a few builds suffice.
CACHE_BUILDS = 5
_MANIFEST = f"{CACHE_PREFIX}recent-builds.json"


@dataclass
class Segment:
    """One part of the bulletin: the cover with the editor's note, the contents, the topic,
    a run of articles, or the closing pages."""

    kind: str
    label: str
    section: str = ""
    heading: bool = False
    posts: list[Post] = field(default_factory=list)


@dataclass(frozen=True)
class Part:
    """A laid-out segment: its PDF, page count and the page (0-based) of each anchor."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]


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


def segment_html(content, segments: list[Segment], toc_pages: dict | None = None,
                 stylesheets: tuple[str, ...] = ()) -> str:
    """A printable HTML document holding the given segments, linking `stylesheets`.
    A part links none: its render worker applies the print CSS it has parsed already."""
    return render_template("bulletin/print.html", c=content, segments=segments,
                           toc_pages=toc_pages, stylesheets=stylesheets,
                           chart_src=lambda name: ASSETS_PREFIX + name)


def _key(job: RenderJob, salt: str) -> str:
    digest = hashlib.sha256(salt.encode() + job.html.encode())
    digest.update("\n".join(job.stylesheets).encode())
    for name in sorted(job.assets):
        digest.update(name.encode() + hashlib.sha256(job.assets[name]).digest())
    return digest.hexdigest()


def _cached(key: str) -> Part | None:
    files = storage()
    try:  # written .pdf first, .json last: a .json means the part is complete
        meta = json.loads(files.get(f"{CACHE_PREFIX}{key}.json"))
        return Part(files.get(f"{CACHE_PREFIX}{key}.pdf"), meta["pages"], meta["anchors"])
    except StorageError:  # not cached (or pruned meanwhile by another build)
        return None


def _remember(key: str, part: Part) -> None:
    files = storage()
    files.put(f"{CACHE_PREFIX}{key}.pdf", part.pdf, "application/pdf")
    files.put(f"{CACHE_PREFIX}{key}.json",
              json.dumps({"pages": part.pages, "anchors": part.anchors}).encode(),
              "application/json")


@dataclass
class RenderStats:
    rendered: int = 0
    cached: int = 0


def render_parts(jobs: list[tuple[str, RenderJob]], workers: int, stats: RenderStats,
                 progress: Callable[[int, int], None],
                 ready: Callable[[int, Part], None] = lambda _i, _part: None) -> list[Part]:
    """Lay out every (cache key, job); cached parts are reused, the rest run in parallel.
    `ready(index, part)` is called for each part as soon as it is there (in any order)."""
    parts: list[Part | None] = [_cached(key) for key, _job in jobs]
    stats.cached += sum(part is not None for part in parts)
    todo = [i for i, part in enumerate(parts) if part is None]
    done = len(jobs) - len(todo)
    progress(done, len(jobs))
    # The workers start first; the cached parts are handed on while they lay out the rest.
    futures = {pool(workers).submit(render_in_worker, jobs[i][1]): i for i in todo}
    for i, part in enumerate(parts):
        if part is not None:
            ready(i, part)
    for future in as_completed(futures):
        i = futures[future]
        parts[i] = Part(*future.result())
        _remember(jobs[i][0], parts[i])
        ready(i, parts[i])
        done += 1
        progress(done, len(jobs))
    stats.rendered += len(todo)
    return parts


def build_parts(content, workers: int, salt: str, progress: Callable[[int, str], None],
                place: Callable[[int, bytes], None] = lambda _i, _pdf: None,
                ) -> tuple[list[Segment], list[Part], RenderStats]:
    """Lay out all parts; the contents last, with the real page numbers.

    `place(index, pdf)` receives each final part as soon as it is laid out (or found in the
    cache), so the joining overlaps the layout of the parts still to come."""
    segments = plan(content)
    static, files = current_app.static_folder, current_app.config["STORAGE_DIR"]

    def job(segs, toc_pages=None):
        html = segment_html(content, segs, toc_pages)
        render_job = RenderJob(html, static, files, content.charts, stylesheets=(PRINT_CSS,))
        return _key(render_job, salt), render_job

    stats = RenderStats()
    # The contents with provisional numbers are laid out with the rest: their page count fixes
    # the offsets. The last build's numbers are the best guess: when they still hold, nothing
    # is redone; otherwise only the contents are laid out again, with the real numbers.
    remembered = f"{CACHE_PREFIX}toc-{content.salon.id}.json"
    last = json.loads(storage().get(remembered)) if storage().exists(remembered) else {}
    provisional = {anchor: last.get(anchor, 888) for anchor in _toc_anchors(segments)}
    toc = next(i for i, segment in enumerate(segments) if segment.kind == "toc")
    jobs_ = [job([s], provisional if i == toc else None) for i, s in enumerate(segments)]

    def report(done, total):
        progress(15 + int(75 * done / max(total, 1)), f"排版 {done}/{total} 部分")

    def ready(index: int, part: Part) -> None:
        if index != toc:  # the contents are placed once their numbers are final
            place(index, part.pdf)

    parts = render_parts(jobs_, workers, stats, report, ready)
    for _attempt in range(3):
        toc_pages = page_numbers(segments, parts)
        jobs_[toc] = job([segments[toc]], toc_pages)
        contents = render_parts([jobs_[toc]], workers, stats, lambda *_: None)[0]
        settled = contents.pages == parts[toc].pages
        parts[toc] = contents
        if settled:
            break
    place(toc, parts[toc].pdf)
    storage().put(remembered, json.dumps(toc_pages).encode(), "application/json")
    prune_cache(storage(), [key for key, _job in jobs_],
                current_app.config.get("BULLETIN_CACHE_BUILDS", CACHE_BUILDS))
    progress(92, f"合成（新排 {stats.rendered} 部分，沿用 {stats.cached} 部分）")
    return segments, parts, stats


def prune_cache(files: FileStorage, used: list[str], builds: int) -> None:
    """Remember the parts this build used; delete cached parts no recent build used."""
    try:
        recent = json.loads(files.get(_MANIFEST))
    except (StorageError, ValueError):
        recent = []
    recent = [*recent, sorted(set(used))][-max(1, builds):]
    files.put(_MANIFEST, json.dumps(recent).encode(), "application/json")
    keep = {key for build in recent for key in build}
    for name in files.keys(CACHE_PREFIX):
        stem, _dot, suffix = name[len(CACHE_PREFIX):].rpartition(".")
        if suffix in ("pdf", "json") and _is_part_key(stem) and stem not in keep:
            files.delete(name)


def _is_part_key(stem: str) -> bool:
    return len(stem) == 64 and all(ch in "0123456789abcdef" for ch in stem)


def _toc_anchors(segments: list[Segment]) -> list[str]:
    anchors = ["sec-note", "sec-topic", "sec-lookback", "sec-data"]
    for segment in segments:
        if segment.heading:
            anchors.append(f"sec-{segment.section}")
        anchors += [f"post-{post.id}" for post in segment.posts]
    return anchors


def start_pages(parts: list[Part]) -> list[int]:
    """The 1-based page where each part starts."""
    starts, page = [], 1
    for part in parts:
        starts.append(page)
        page += part.pages
    return starts


def page_numbers(segments: list[Segment], parts: list[Part]) -> dict[str, int]:
    """anchor → 1-based page in the assembled bulletin."""
    numbers = {}
    for start, part in zip(start_pages(parts), parts, strict=True):
        for anchor, index in part.anchors.items():
            numbers.setdefault(anchor, start + index)
    return numbers


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
