"""The bulletin in parts: rendered in parallel worker processes, cached by content.

Each part is laid out once, cached in storage under the hash of its HTML, and reused by
later builds. The contents are such a part too: they leave room for their page numbers,
which only the finished parts can tell; assemble.py stamps them at the join.
"""
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass, field

from flask import current_app

from ...storage import FileStorage, StorageError, storage
from .layout import PRINT_CSS, RenderJob
from .segments import Segment, plan, segment_html
from .tasks import render_part
from .workers import pool

CACHE_PREFIX = "bulletin-cache/"
_MANIFEST = f"{CACHE_PREFIX}recent-builds.json"


@dataclass(frozen=True)
class Part:
    """A laid-out segment: its PDF, page count, the page (0-based) of each anchor, and in the
    contents where each entry's page number goes (weasyprint_seam.toc_number_slots)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]
    slots: dict[str, list] = field(default_factory=dict)


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
        return Part(files.get(f"{CACHE_PREFIX}{key}.pdf"), meta["pages"], meta["anchors"],
                    meta.get("slots", {}))
    except StorageError:  # not cached (or pruned meanwhile by another build)
        return None


def _remember(key: str, part: Part) -> None:
    files = storage()
    files.put(f"{CACHE_PREFIX}{key}.pdf", part.pdf, "application/pdf")
    files.put(f"{CACHE_PREFIX}{key}.json",
              json.dumps({"pages": part.pages, "anchors": part.anchors,
                          "slots": part.slots}).encode(),
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
    futures = {pool(workers).submit(render_part, jobs[i][1]): i for i in todo}
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
    """Lay out all parts, the costliest first so that none is left running alone at the end.

    `place(index, pdf)` receives each part as soon as it is laid out (or found in the
    cache), so the joining overlaps the layout of the parts still to come."""
    segments = plan(content)
    static, files = current_app.static_folder, current_app.config["STORAGE_DIR"]

    def job(segment):
        html = segment_html(content, [segment], toc_in_parts=True)
        render_job = RenderJob(html, static, files, content.charts, stylesheets=(PRINT_CSS,))
        return _key(render_job, salt), render_job

    def report(done, total):
        progress(15 + int(75 * done / max(total, 1)), f"排版 {done}/{total} 部分")

    stats = RenderStats()
    order = sorted(range(len(segments)), key=lambda i: -_expected_cost(segments[i]))
    jobs = [job(segments[i]) for i in order]
    laid_out = render_parts(jobs, workers, stats, report,
                            lambda n, part: place(order[n], part.pdf))
    by_segment = dict(zip(order, laid_out, strict=True))
    parts = [by_segment[i] for i in range(len(segments))]
    prune_cache(storage(), [key for key, _job in jobs],
                current_app.config["BULLETIN_CACHE_BUILDS"])
    progress(92, f"合成（新排 {stats.rendered} 部分，沿用 {stats.cached} 部分）")
    return segments, parts, stats


def _expected_cost(segment: Segment) -> int:
    """Roughly how long a part takes to lay out, in characters of text: a section's posts; the
    front (contents: a line and its dots per article) and the closing pages (tables,
    charts) cost about as much as a long article each."""
    if segment.kind in ("front", "tail"):
        return 5000
    return sum(len(post.body) for post in segment.posts)


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
