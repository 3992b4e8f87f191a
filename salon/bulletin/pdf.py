"""HTML to PDF with WeasyPrint, through a URL fetcher that serves only our own files."""
import hashlib
import mimetypes
import threading
import time
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .fonts import FONT_FAMILY, quick_library_lookup, use_project_fonts

use_project_fonts()

with quick_library_lookup():
    from weasyprint import CSS, HTML  # noqa: E402  (fontconfig must be configured first)
    from weasyprint.formatting_structure.boxes import BlockBox, LineBox  # noqa: E402
    from weasyprint.layout import inline as _inline  # noqa: E402
    from weasyprint.layout.leader import leader_index  # noqa: E402
    from weasyprint.pdf import fonts as _pdf_fonts  # noqa: E402
    from weasyprint.pdf.fonts import Font  # noqa: E402
    from weasyprint.text.fonts import FontConfiguration  # noqa: E402
    from weasyprint.text.line_break import split_first_line  # noqa: E402
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from ..storage import FileStorage, StorageError  # noqa: E402
from .layout import (  # noqa: E402
    ASSETS_PREFIX,
    ORIGIN,
    PX_TO_PT,
    TOC_LINK,
    RenderJob,
    RenderResult,
)

# Static files a bulletin may use: stylesheets, images and fonts, never config or scripts.
STATIC_TYPES = {".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ttf"}


class FetchRefused(ValueError):
    """A resource the bulletin may not load."""


class BulletinFetcher(URLFetcher):
    """Serves /static/ files, /uploads/ from storage and the build's own assets; nothing else."""

    def __init__(self, static_root: str, storage_root: str, assets: dict[str, bytes]) -> None:
        super().__init__(timeout=1, allowed_protocols=("http",), allow_redirects=False)
        self.static_root = Path(static_root).resolve()
        self.storage = FileStorage(storage_root)
        self.assets = assets

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Answer from disk or memory; never open a socket and never follow a redirect."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN or parts.query or parts.fragment:
            raise FetchRefused(f"拒绝加载外部资源：{url}")
        path = unquote(parts.path)
        if ".." in path or "\\" in path or "\x00" in path:
            raise FetchRefused(f"拒绝加载：{url}")
        data = self._read(path)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _read(self, path: str) -> bytes:
        if path.startswith(ASSETS_PREFIX) and path[len(ASSETS_PREFIX):] in self.assets:
            return self.assets[path[len(ASSETS_PREFIX):]]
        if path.startswith("/static/"):
            file = (self.static_root / path[len("/static/"):]).resolve()
            if (self.static_root in file.parents and file.suffix.lower() in STATIC_TYPES
                    and file.is_file()):
                return file.read_bytes()
        if path.startswith("/uploads/") and "/" not in path[len("/uploads/"):]:
            try:  # the site serves /uploads/<key> from the storage key uploads/<key>
                return self.storage.get("uploads/" + path[len("/uploads/"):])
            except StorageError as error:
                raise FetchRefused(str(error)) from error
        raise FetchRefused(f"拒绝加载：{path}")


_whole_lock = threading.Lock()


def render(job: RenderJob) -> RenderResult:
    """Lay out and write the PDF: fonts embedded and subset, metadata from the <head>."""
    started = time.perf_counter()
    fetcher = BulletinFetcher(job.static_root, job.storage_root, job.assets)
    with _whole_lock:  # the process's font configuration serves one layout at a time
        document = HTML(string=job.html, base_url=ORIGIN + "/", url_fetcher=fetcher).render(
            font_config=shared_fonts())
        pdf = document.write_pdf()
    return RenderResult(pdf, len(document.pages), time.perf_counter() - started)


def render_part(job: RenderJob) -> tuple[bytes, int, dict[str, int], dict[str, list]]:
    """Lay out one part (in a render worker): its PDF, its page count, the page index of each
    anchor, and where each TOC entry's page number goes (see `toc_number_slots`). The
    worker's fonts and parsed stylesheets serve every part it lays out."""
    fetcher = BulletinFetcher(job.static_root, job.storage_root, job.assets)
    sheets = [_stylesheet(url, fetcher) for url in job.stylesheets]
    document = HTML(string=job.html, base_url=ORIGIN + "/", url_fetcher=fetcher).render(
        font_config=shared_fonts(), stylesheets=sheets)
    anchors = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    slots = toc_number_slots(document)
    with fonts_left_for_the_join():
        pdf = document.write_pdf()
    return pdf, len(document.pages), anchors, slots


def toc_number_slots(document) -> dict[str, list]:
    """anchor → [page index, right edge, baseline (PDF points from the page's bottom),
    font size (pt), bold] for each TOC entry linking to TOC_LINK + anchor: the assembler
    stamps the page number there, right-aligned, once every part's pages are known. Entries
    split over two pages take the number on the second, where their last line is."""
    slots = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if not (isinstance(box, BlockBox) and box.element_tag == "a"):
                continue
            href = box.element.get("href", "")
            lines = [child for child in box.children if isinstance(child, LineBox)]
            if href.startswith(TOC_LINK) and lines:
                baseline = lines[-1].position_y + lines[-1].baseline
                slots[href[len(TOC_LINK):]] = [
                    index, round((box.border_box_x() + box.border_width()) * PX_TO_PT, 2),
                    round((page.height - baseline) * PX_TO_PT, 2),
                    round(box.style["font_size"] * PX_TO_PT, 2), box.style["font_weight"] >= 600,
                ]
    return slots


_fonts: FontConfiguration | None = None
_sheets: dict[tuple[str, bytes], CSS] = {}


def shared_fonts() -> FontConfiguration:
    """One font configuration per render process: opening the 15 MB fonts and building
    Pango's font map once, not for every part, saves time and keeps memory flat."""
    global _fonts
    if _fonts is None:
        _fonts = FontConfiguration()
    return _fonts


def _stylesheet(url: str, fetcher: BulletinFetcher) -> CSS:
    """The stylesheet at `url` (fetched like any resource), parsed once per content."""
    data = fetcher.fetch(ORIGIN + url).read()
    key = (url, hashlib.sha256(data).digest())
    if key not in _sheets:
        _sheets[key] = CSS(file_obj=BytesIO(data), base_url=ORIGIN + url, url_fetcher=fetcher,
                           font_config=shared_fonts())
    return _sheets[key]


def warm_up() -> None:
    """Load the fonts (regular and bold) and Pango's caches before the first part, so a
    process forked from this one starts warm."""
    html = "<p>警务沙龙 0123<b>专刊</b></p>"
    HTML(string=html, base_url=ORIGIN + "/", url_fetcher=_NothingFetcher()).render(
        font_config=shared_fonts()).write_pdf()


class _NothingFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        raise FetchRefused(f"拒绝加载：{url}")


def _handle_leader_as_one_run(context, line, containing_block):
    """WeasyPrint's leader handling, then its dots joined into one text box.

    WeasyPrint places a leader's string once per position, right to left, each copy a text
    box of its own; a TOC line of ~80 dots costs ~80 text layouts when drawn, which made the
    contents the costliest pages of the bulletin. The positions form one evenly spaced run,
    so one box holding the same dots, laid out once, draws the same glyphs in the same places.
    """
    _handle_leader(context, line, containing_block)
    _index, leader = leader_index(line)
    if leader is None or len(leader.children) < 2:
        return
    first = min(leader.children, key=lambda box: box.position_x)
    text = first.text * len(leader.children)
    layout, _length, _resume, width, _height, _baseline = split_first_line(
        text, first.style, context, float("inf"), 0, is_line_start=False)
    joined = first.copy_with_text(text)
    joined.pango_layout, joined.width = layout, width
    leader.children = (joined,)


_handle_leader = _inline.handle_leader
_inline.handle_leader = _handle_leader_as_one_run


_patch_lock = threading.Lock()
_get_hb_object_data = _pdf_fonts.get_hb_object_data


@contextmanager
def fonts_left_for_the_join():
    """Skip subsetting the bundled fonts in a part: the join replaces them with one subset of
    all parts (fontmerge.py), so cutting 15 MB fonts for every part would be wasted work, and
    so would WeasyPrint's copy of each whole font file into memory (~3 ms and 15 MB a font).
    A part with glyphs missing from the font keeps WeasyPrint's own subset (it is not joined)."""
    original_init, original_subset = Font.__init__, Font.subset

    def init(self, pango_font, description, font_size):
        _pdf_fonts.get_hb_object_data = lambda *_args, **_kwargs: b""
        try:
            original_init(self, pango_font, description, font_size)
        finally:
            _pdf_fonts.get_hb_object_data = _get_hb_object_data
        if self.family != FONT_FAMILY:  # not one the join replaces: keep the real file
            self.file_content = _get_hb_object_data(self.hb_face)

    def subset(self, to_unicode, hinting):
        if self.missing:
            self.file_content = self.file_content or _get_hb_object_data(self.hb_face)
            return original_subset(self, to_unicode, hinting)
        self.file_content = b""

    with _patch_lock:
        Font.__init__, Font.subset = init, subset
        try:
            yield
        finally:
            Font.__init__, Font.subset = original_init, original_subset
