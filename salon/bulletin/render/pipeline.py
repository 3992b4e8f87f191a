"""The renderer's entry: a bulletin's content in, one PDF out (and stamps on a finished PDF).

With workers (the default) the bulletin is laid out in parts by render processes, each part
cached by content, and joined here; with none, or when WeasyPrint is not a version whose
internals the parts need (layout.weasyprint_checked), it is laid out as one document. The
one-document render is the reference the parts render is tested against: same text, same
positions (tests/test_bulletin_pdf.py).
"""
import logging
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from pypdf import PdfReader, PdfWriter

from .assemble import BOLD, REGULAR, Joiner, Stamp, collector_paused, draw_stamps, written
from .fontmerge import FontMergeError
from .layout import RenderJob, weasyprint_checked
from .parts import build_parts, default_workers, page_numbers, start_pages
from .segments import TAIL_SECTIONS, fingerprint, layout_fingerprint, print_html
from .tasks import render_whole
from .workers import start_workers, worker_context

__all__ = ["Rendered", "Stamp", "render", "render_document", "stamp", "start_workers"]

log = logging.getLogger(__name__)
Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Rendered:
    """A laid-out bulletin: the PDF, its pages, the content's fingerprint, the seconds the
    layout took, and how many parts were laid out anew and how many reused."""

    pdf: bytes
    pages: int
    fingerprint: str
    seconds: float
    rendered: int = 1
    cached: int = 0


def render(content, workers: int | None = None, in_subprocess: bool = False,
           progress: Progress | None = None) -> Rendered:
    """Lay out the bulletin of `content` (content.gather) as one PDF.

    `workers`: render processes for the parts (None: by the CPU count), 0 for one document;
    `in_subprocess`: lay a one-document render out in a process of its own (the web and the
    command line do, so that WeasyPrint's memory is returned).
    """
    report = progress or (lambda _pct, _msg: None)
    workers = default_workers() if workers is None else workers
    if workers and not weasyprint_checked():
        log.warning("WeasyPrint 版本未经核对：专刊整本排版")
        workers = 0
    html = print_html(content)
    digest = fingerprint(content, html)
    started = time.perf_counter()
    if workers:
        try:
            pdf, pages, rendered, cached = _render_in_parts(content, workers, report)
            return Rendered(pdf, pages, digest, time.perf_counter() - started, rendered, cached)
        except FontMergeError:
            log.exception("bulletin parts could not be joined; one document")
    report(20, "排版中")
    job = RenderJob(html, current_app.static_folder, current_app.config["STORAGE_DIR"],
                    content.charts)
    result = _render_elsewhere(job) if in_subprocess else render_whole(job)
    return Rendered(result.pdf, result.pages, digest, time.perf_counter() - started)


def render_document(html: str, assets: dict[str, bytes] | None = None,
                    in_subprocess: bool = False):
    """Another printed document (the 考核通报) through the same seam as the bulletin: one
    document, the bundled fonts, the fetcher that loads only our own files (`assets` by name
    under ASSETS_PREFIX). A RenderResult (pdf, pages, seconds)."""
    job = RenderJob(html, current_app.static_folder, current_app.config["STORAGE_DIR"],
                    dict(assets or {}))
    return _render_elsewhere(job) if in_subprocess else render_whole(job)


def _render_in_parts(content, workers: int, report: Progress) -> tuple[bytes, int, int, int]:
    metadata = {
        "Title": f"{content.title} {content.issue_label}（{content.month_label}）",
        "Author": content.editor_unit, "Subject": content.salon.topic,
        "Creator": "社区警务沙龙", "Producer": "WeasyPrint 70 + pypdf", "Lang": "zh-CN",
    }
    with collector_paused():
        joiner = Joiner()
        # Parts are cached by their HTML and this: a CSS or font change lays all out anew.
        segments, parts, stats = build_parts(content, workers, layout_fingerprint(), report,
                                             joiner.place)
        numbers = page_numbers(segments, parts)
        pdf = joiner.finish(_outline(segments, numbers), metadata,
                            _toc_number_stamps(parts, numbers))
    return pdf, sum(part.pages for part in parts), stats.rendered, stats.cached


def _outline(segments, numbers: dict[str, int]) -> list[tuple[int, str, int]]:
    """The bookmarks: (level 1 or 2, title, 0-based page)."""
    outline = []
    for segment in segments:
        if segment.kind == "front":
            outline += [(1, "编者按", numbers["sec-note"]), (1, "本期主题", numbers["sec-topic"])]
        elif segment.kind == "tail":
            outline += [(1, label, numbers[anchor]) for anchor, label in TAIL_SECTIONS
                        if anchor in numbers]
        else:
            outline.append((1, segment.label, numbers[f"sec-{segment.section}"]))
            outline += [(2, post.title, numbers[f"post-{post.id}"]) for post in segment.posts]
    return [(level, title, page - 1) for level, title, page in outline]


def _toc_number_stamps(parts, numbers: dict[str, int]) -> list[Stamp]:
    """Each contents entry's page number, right-aligned in the room its part left for it."""
    stamps = []
    for start, part in zip(start_pages(parts), parts, strict=True):
        for anchor, (page, right, baseline, size, bold) in part.slots.items():
            if anchor in numbers:
                stamps.append(Stamp(start - 1 + page, str(numbers[anchor]), right, baseline,
                                    size, BOLD if bold else REGULAR, align="right"))
    return stamps


def _render_elsewhere(job: RenderJob):
    """Render in a process of its own, so the web process stays responsive and memory is
    returned: forked from the warm render server (WeasyPrint and fonts loaded), then ended."""
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        return pool.submit(render_whole, job).result()


def stamp(pdf: bytes, stamps: list[Stamp]) -> bytes:
    """A finished bulletin with `stamps` drawn over its pages, nothing laid out again: the
    bundled fonts' subsets are cut again to hold them. (A download's copy, stamped for who
    took it, is made by render/copies.py: one overlay, no font of the issue cut again.)"""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    with collector_paused():
        draw_stamps(writer, stamps)
        return written(writer)
