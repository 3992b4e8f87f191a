"""Join the laid-out parts into one PDF: one font subset, page numbers, bookmarks, metadata."""
import gc
import hashlib
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from ...cache import LRUCache
from . import fontmerge
from .fonts import FONT_DIR
from .layout import TOC_LINK
from .pypdf_seam import add_object

REGULAR, BOLD = "Noto-Serif-SC", "Noto-Serif-SC-Bold"  # PostScript names
FONTS = {REGULAR: FONT_DIR / "NotoSerifSC-Regular.ttf", BOLD: FONT_DIR / "NotoSerifSC-Bold.ttf"}
PAGE_NUMBER_SIZE = 9  # pt, as the running header
PAGE_NUMBER_BASELINE = 28  # pt above the page's bottom edge: the middle of the 22 mm margin
PAGE_NUMBER_GREY = 0.267  # #444
TEXT_GREY = 0.067  # #111, the bulletin's text colour (print CSS)


@dataclass(frozen=True)
class Stamp:
    """Text the assembler draws on a joined page in a bundled font: x is where the text
    starts, ends or has its middle (`align` left, right or centre); y is its baseline
    (PDF points from the bottom)."""

    page: int  # 0-based
    text: str
    x: float
    y: float
    size: float
    font: str = REGULAR
    grey: float = TEXT_GREY
    align: str = "left"


# Parsing a part costs more than copying it once parsed. A process that builds again (the
# site) keeps the parts it parsed last, so a rebuild after one change parses only that part.
PARSED_PARTS = 64  # two or three bulletins; ~60 KB of parsed objects a part
_readers = LRUCache(PARSED_PARTS)
_readers_lock = threading.Lock()  # a reader reads its objects from one shared stream


def _parsed(data: bytes) -> PdfReader:
    return _readers.get_or_compute(hashlib.sha256(data).digest(),
                                   lambda: PdfReader(BytesIO(data)))


_pauses = {"builds": 0, "resume": False}
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused():
    """Joining allocates ~200,000 short-lived PDF objects in reference cycles. Left to the
    cyclic collector, they trigger full collections that walk the whole process (the site's
    caches included; README: 专刊性能). Paused, nothing is promoted; one
    collection of the youngest generation afterwards frees them, walking only this build's
    objects. Builds may overlap: the collector resumes when the last one ends."""
    with _pauses_lock:
        if _pauses["builds"] == 0:
            _pauses["resume"] = gc.isenabled()
            gc.disable()
        _pauses["builds"] += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses["builds"] -= 1
            if _pauses["builds"] == 0 and _pauses["resume"]:
                gc.enable()
        gc.collect(0)


def page_label(number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页"


class Joiner:
    """Joins the parts one by one as they are ready, in any order, each at its place."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self._pages: dict[int, int] = {}  # part index → page count, of the parts placed

    def place(self, index: int, data: bytes) -> None:
        position = sum(pages for i, pages in self._pages.items() if i < index)
        with _readers_lock:
            reader = _parsed(data)
            self.writer.merge(position, reader, import_outline=False)
            self._pages[index] = len(reader.pages)

    def finish(self, outline: list[tuple[int, str, int]], metadata: dict,
               stamps: list[Stamp] = ()) -> bytes:
        """Stamp page numbers and `stamps`, merge the fonts, write bookmarks, links and
        metadata. `outline` is (level 1 or 2, title, 0-based page)."""
        writer = self.writer
        draw_stamps(writer, [*stamps, *page_number_stamps(writer)])
        _outline(writer, outline)
        _link_toc_entries(writer)
        writer.add_metadata({f"/{key}": value for key, value in metadata.items()
                             if key != "Lang"})
        writer.root_object[NameObject("/Lang")] = TextStringObject(metadata.get("Lang", "zh-CN"))
        return written(writer)


def draw_stamps(writer: PdfWriter, stamps: list[Stamp]) -> None:
    """Draw `stamps` over the writer's pages in the bundled fonts, whose one subset per font
    (fontmerge.py) is cut again to hold the stamps' glyphs too: no page is laid out again."""
    texts = defaultdict(str)
    for stamp in stamps:
        texts[stamp.font] += stamp.text
    merged = fontmerge.merge(writer, FONTS, texts)
    metrics = {font: fontmerge.glyphs(FONTS[font], text) for font, text in texts.items()}
    by_page = defaultdict(list)
    for stamp in stamps:
        by_page[stamp.page].append(stamp)
    for number, page in enumerate(writer.pages):
        _draw(writer, page, by_page[number], merged, metrics)


def written(writer: PdfWriter) -> bytes:
    """The writer's PDF, identical objects stored once."""
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def page_number_stamps(writer) -> list[Stamp]:
    """'第 N 页 / 共 M 页' centred in the bottom margin of every page."""
    total = len(writer.pages)
    return [Stamp(number - 1, page_label(number, total), float(page.mediabox.width) / 2,
                  PAGE_NUMBER_BASELINE, PAGE_NUMBER_SIZE, grey=PAGE_NUMBER_GREY, align="centre")
            for number, page in enumerate(writer.pages, start=1)]


def _draw(writer, page, stamps: list[Stamp], fonts: dict, metrics: dict) -> None:
    """Draw the stamps over the page (its own drawing wrapped in q/Q, so none of its state
    leaks into ours), with the shared fonts."""
    if not stamps:
        return
    resources = page["/Resources"]
    page_fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    ops = ["Q q"]
    for stamp in stamps:
        name = f"/FSalon{'B' if stamp.font == BOLD else 'R'}"
        page_fonts[NameObject(name)] = fonts[stamp.font]
        glyphs = metrics[stamp.font]
        width = sum(glyphs[ch][1] for ch in stamp.text if ch in glyphs) * stamp.size / 1000
        x = stamp.x - {"left": 0, "centre": width / 2, "right": width}[stamp.align]
        hexed = "".join(f"{glyphs[ch][0]:04x}" for ch in stamp.text if ch in glyphs)
        ops.append(f"BT {name} {stamp.size:g} Tf {stamp.grey} g "
                   f"1 0 0 1 {x:.2f} {stamp.y:.2f} Tm <{hexed}> Tj ET")
    ops.append("Q")
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q")
    after.set_data(" ".join(ops).encode())
    # The reference, not the stream it names: a stream inside an array must be indirect.
    contents = page.raw_get("/Contents")
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) \
        else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [add_object(writer, before), *existing, add_object(writer, after)])


def _link_toc_entries(writer) -> None:
    """Point each TOC entry's link at the named destination of its anchor: the parts keep
    their anchors as named destinations when joined, and the TOC names them."""
    names = {str(name) for name in writer.get_named_dest_root()[::2]}
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            action = annot.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith(TOC_LINK):
                anchor = uri[len(TOC_LINK):]
                if anchor not in names:
                    continue  # never leave a link that goes nowhere
                del annot["/A"]
                annot[NameObject("/Dest")] = TextStringObject(anchor)
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def _outline(writer, outline) -> None:
    parent = None
    for level, title, page in outline:
        if level == 1:
            parent = writer.add_outline_item(title=title, page_number=page)
        else:
            writer.add_outline_item(title=title, page_number=page, parent=parent)
