"""HTML to PDF with WeasyPrint, through a URL fetcher that serves only our own files."""
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .fonts import use_project_fonts

use_project_fonts()

from weasyprint import HTML  # noqa: E402  (fontconfig must be configured first)
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from ..storage import FileStorage, StorageError  # noqa: E402

# The document's base URL: a name that can never resolve, so nothing leaves the machine.
ORIGIN = "http://bulletin.invalid"
ASSETS_PREFIX = "/bulletin-assets/"
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
        if path.startswith("/uploads/"):
            try:
                return self.storage.get(path[len("/uploads/"):])
            except StorageError as error:
                raise FetchRefused(str(error)) from error
        raise FetchRefused(f"拒绝加载：{path}")


@dataclass(frozen=True)
class RenderJob:
    """Everything a render needs, picklable so it can run in another process."""

    html: str
    static_root: str
    storage_root: str
    assets: dict[str, bytes]


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float


def render(job: RenderJob) -> RenderResult:
    """Lay out and write the PDF: fonts embedded and subset, metadata from the <head>."""
    started = time.perf_counter()
    fetcher = BulletinFetcher(job.static_root, job.storage_root, job.assets)
    document = HTML(string=job.html, base_url=ORIGIN + "/", url_fetcher=fetcher).render()
    pdf = document.write_pdf()
    return RenderResult(pdf, len(document.pages), time.perf_counter() - started)
