"""HTML to PDF with WeasyPrint, through a URL fetcher that serves only our own files.

Imported only by render processes (tasks.py, preload.py) and the one-document render, never
by a web process that merely plans a build.
"""
import hashlib
import mimetypes
import threading
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .fonts import quick_library_lookup, use_project_fonts

use_project_fonts()

with quick_library_lookup():
    from weasyprint import CSS, HTML  # noqa: E402  (fontconfig must be configured first)
    from weasyprint.text.fonts import FontConfiguration  # noqa: E402
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

    from . import weasyprint_seam  # noqa: E402

from ...cache import LRUCache  # noqa: E402
from ...storage import FileStorage, StorageError  # noqa: E402
from .layout import ASSETS_PREFIX, ORIGIN, RenderJob, RenderResult  # noqa: E402

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
    anchor, and where each contents entry's page number goes (`toc_number_slots`). The
    worker's fonts and parsed stylesheets serve every part it lays out."""
    fetcher = BulletinFetcher(job.static_root, job.storage_root, job.assets)
    sheets = [_stylesheet(url, fetcher) for url in job.stylesheets]
    document = HTML(string=job.html, base_url=ORIGIN + "/", url_fetcher=fetcher).render(
        font_config=shared_fonts(), stylesheets=sheets)
    anchors = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    slots = weasyprint_seam.toc_number_slots(document)
    with weasyprint_seam.fonts_left_for_the_join():
        pdf = document.write_pdf()
    return pdf, len(document.pages), anchors, slots


_fonts: FontConfiguration | None = None
_sheets = LRUCache(16)  # parsed stylesheets by URL and content: a handful per process


def shared_fonts() -> FontConfiguration:
    """One font configuration per render process: opening the 15 MB fonts and building
    Pango's font map once, not for every part, saves time and keeps memory flat. The first
    call also installs the layout patches (weasyprint_seam.py)."""
    global _fonts
    if _fonts is None:
        weasyprint_seam.install()
        _fonts = FontConfiguration()
    return _fonts


def _stylesheet(url: str, fetcher: BulletinFetcher) -> CSS:
    """The stylesheet at `url` (fetched like any resource), parsed once per content."""
    data = fetcher.fetch(ORIGIN + url).read()
    return _sheets.get_or_compute((url, hashlib.sha256(data).digest()), lambda: CSS(
        file_obj=BytesIO(data), base_url=ORIGIN + url, url_fetcher=fetcher,
        font_config=shared_fonts()))


def warm_up() -> None:
    """Load the fonts (regular and bold) and Pango's caches before the first part, so a
    process forked from this one starts warm."""
    html = "<p>警务沙龙 0123<b>专刊</b></p>"
    HTML(string=html, base_url=ORIGIN + "/", url_fetcher=_NothingFetcher()).render(
        font_config=shared_fonts()).write_pdf()


class _NothingFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        raise FetchRefused(f"拒绝加载：{url}")
