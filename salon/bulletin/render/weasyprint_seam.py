"""Every use of WeasyPrint's private parts, in one place, for the versions they were checked on.

- `toc_number_slots` reads the laid-out box tree (`Page._page_box`) for where each contents
  entry's page number goes: the parts render needs it to stamp the numbers at the join.
- `install()` joins a leader's dots into one text box (WeasyPrint lays each dot out apart:
  a contents line of ~80 dots cost ~80 text layouts); the glyphs land where they did.
- `fonts_left_for_the_join` skips subsetting the bundled fonts in a part, since the join
  replaces them with one subset of all parts (fontmerge.py).

On a WeasyPrint major version not in CHECKED (layout.py: asked without importing WeasyPrint)
none of this is used: `SUPPORTED` is false, the
bulletin is laid out as one document (which needs no private part), and
`tests/test_weasyprint_seam.py` fails so that someone checks the internals again.
"""
import threading
from contextlib import contextmanager

from .fonts import FONT_FAMILY
from .layout import PX_TO_PT, TOC_LINK, WEASYPRINT_CHECKED, weasyprint_checked

CHECKED = WEASYPRINT_CHECKED
SUPPORTED = weasyprint_checked()
try:
    from weasyprint.formatting_structure.boxes import BlockBox, LineBox
    from weasyprint.layout import inline as _inline
    from weasyprint.layout.leader import leader_index
    from weasyprint.pdf import fonts as _pdf_fonts
    from weasyprint.pdf.fonts import Font
    from weasyprint.text.line_break import split_first_line

    _get_hb_object_data = _pdf_fonts.get_hb_object_data
except ImportError:  # moved in an unchecked version: nothing below is used then
    SUPPORTED = False


def toc_number_slots(document) -> dict[str, list]:
    """anchor → [page index, right edge, baseline (PDF points from the page's bottom),
    font size (pt), bold] for each contents entry linking to TOC_LINK + anchor: the join
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


def _handle_leader_as_one_run(context, line, containing_block):
    """WeasyPrint's leader handling, then its dots joined into one text box: the positions
    form one evenly spaced run, so one box holding the same dots, laid out once, draws the
    same glyphs in the same places."""
    _ORIGINAL["handle_leader"](context, line, containing_block)
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


def install() -> bool:
    """Lay leaders out as one run (render processes call this before their first layout);
    whether it is in place: not on a WeasyPrint version it was not checked on."""
    if SUPPORTED:
        _ORIGINAL.setdefault("handle_leader", _inline.handle_leader)
        _inline.handle_leader = _handle_leader_as_one_run
    return SUPPORTED


def uninstall() -> None:
    """WeasyPrint as shipped (for tests comparing the two)."""
    if "handle_leader" in _ORIGINAL:
        _inline.handle_leader = _ORIGINAL["handle_leader"]


_ORIGINAL: dict = {}
_patch_lock = threading.Lock()


@contextmanager
def fonts_left_for_the_join():
    """Skip subsetting the bundled fonts in a part, and WeasyPrint's copy of each whole font
    file into memory. A part with glyphs missing from the font keeps WeasyPrint's own subset
    (it is not joined)."""
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
