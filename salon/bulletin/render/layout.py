"""What a render needs, kept apart from WeasyPrint so planning a build does not import it."""
from dataclasses import dataclass
from importlib.metadata import version

# The document's base URL: a name that can never resolve, so nothing leaves the machine.
ORIGIN = "http://bulletin.invalid"
ASSETS_PREFIX = "/bulletin-assets/"
PRINT_CSS = "/static/css/bulletin-print.css"
PAGE_NUMBERS_CSS = "/static/css/bulletin-pagenumbers.css"
# Built in parts, a TOC entry links to TOC_LINK + anchor, and leaves room for its page number:
# the join turns the link into one to the anchor and stamps the number (assemble.py).
TOC_LINK = "bulletin-toc:"
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px and writes PDF points
# WeasyPrint major versions whose internals weasyprint_seam.py was checked on.
WEASYPRINT_CHECKED = ("70",)


def weasyprint_checked() -> bool:
    """Whether the installed WeasyPrint is one the seam knows, asked without importing it
    (the process that plans a build never loads WeasyPrint)."""
    return version("weasyprint").split(".")[0] in WEASYPRINT_CHECKED


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float


@dataclass(frozen=True)
class RenderJob:
    """Everything a render needs, picklable so it can run in another process.

    `stylesheets` (URLs under ORIGIN) are applied to a part without a <link> in its HTML:
    a render worker parses each stylesheet once instead of once per part."""

    html: str
    static_root: str
    storage_root: str
    assets: dict[str, bytes]
    stylesheets: tuple[str, ...] = ()
