"""Join the laid-out parts into one PDF: one font subset, page numbers, bookmarks, metadata."""
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from . import fontmerge
from .fonts import FONT_DIR

FONTS = {"Noto-Serif-SC": FONT_DIR / "NotoSerifSC-Regular.ttf",
         "Noto-Serif-SC-Bold": FONT_DIR / "NotoSerifSC-Bold.ttf"}
STAMP_FONT = "Noto-Serif-SC"
STAMP_SIZE = 9  # pt, as the running header
STAMP_BASELINE = 28  # pt above the page's bottom edge: the middle of the 22 mm margin
STAMP_GREY = 0.267  # #444
TOC_LINK = "bulletin-toc:"  # the link a TOC entry has in a part (templates/bulletin/_macros.html)


def page_label(number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页"


class Joiner:
    """Joins the parts one by one as they are ready, in any order, each at its place."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self._pages: dict[int, int] = {}  # part index → page count, of the parts placed

    def place(self, index: int, data: bytes) -> None:
        reader = PdfReader(BytesIO(data))
        position = sum(pages for i, pages in self._pages.items() if i < index)
        self.writer.merge(position, reader, import_outline=False)
        self._pages[index] = len(reader.pages)

    def finish(self, outline: list[tuple[int, str, int]], metadata: dict) -> bytes:
        """Stamp page numbers, merge the fonts, write bookmarks, links and metadata.
        `outline` is (level 1 or 2, title, 0-based page)."""
        writer = self.writer
        total = len(writer.pages)
        labels = [page_label(n, total) for n in range(1, total + 1)]
        stamp_text = "".join(labels)
        merged = fontmerge.merge(writer, FONTS, {STAMP_FONT: stamp_text})
        metrics = fontmerge.glyphs(FONTS[STAMP_FONT], stamp_text)
        for page, label in zip(writer.pages, labels, strict=True):
            _stamp(writer, page, label, merged[STAMP_FONT], metrics)
        _outline(writer, outline)
        _link_toc_entries(writer)
        writer.add_metadata({f"/{key}": value for key, value in metadata.items()
                             if key != "Lang"})
        writer._root_object[NameObject("/Lang")] = TextStringObject(metadata.get("Lang", "zh-CN"))
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        out = BytesIO()
        writer.write(out)
        return out.getvalue()


def assemble(parts: list[bytes], outline: list[tuple[int, str, int]], metadata: dict) -> bytes:
    """Concatenate the parts; `outline` is (level 1 or 2, title, 0-based page)."""
    joiner = Joiner()
    for index, data in enumerate(parts):
        joiner.place(index, data)
    return joiner.finish(outline, metadata)


def _stamp(writer, page, label, font_ref, metrics) -> None:
    """Draw '第 N 页 / 共 M 页' centred in the bottom margin, with the shared font."""
    resources = page["/Resources"]
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    fonts[NameObject("/FSalonStamp")] = font_ref
    gids = [metrics[ch][0] for ch in label if ch in metrics]
    width = sum(metrics[ch][1] for ch in label if ch in metrics) * STAMP_SIZE / 1000
    x = (float(page.mediabox.width) - width) / 2
    hexed = "".join(f"{g:04x}" for g in gids)
    ops = (f"Q q BT /FSalonStamp {STAMP_SIZE} Tf {STAMP_GREY} g "
           f"1 0 0 1 {x:.2f} {STAMP_BASELINE} Tm <{hexed}> Tj ET Q").encode()
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q")
    after.set_data(ops)
    contents = page["/Contents"]
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) \
        else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *existing, writer._add_object(after)])


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
