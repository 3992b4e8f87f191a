"""Traceable copies: a frozen bulletin stamped for the person who downloads it.

One overlay is made per download (a faint diagonal line of 内部资料 注意保存, the holder's
name, 警号 and the time, three times across the page, and the copy's id as invisible text)
and drawn over every page; nothing is laid out again and no page's content is parsed. The
frozen file's objects are copied byte for byte; each page's dictionary is written anew with
the overlay's content streams around its own and the overlay's font and graphics state in its
resources; the document information gets the copy's id. The whole file is written afresh
with one cross-reference stream, never as an appended update: cutting an update off the end
of a copy would give back the unstamped original. What all copies of one file share is
made on its first copy and kept (`PREPARED` files); each copy then writes only its own
objects (overlay streams, font subset, document information, cross-reference).

The id is in the page content twice: in text render mode 3 (invisible; kept by tools that
rewrite the file's objects, e.g. qpdf or pypdf) and as 2 pt white text in the bottom margin
(kept also by tools that redraw the pages, e.g. pdftocairo, which drop invisible text), so
`find_copy_id` finds it when a tool has dropped the metadata.
"""
import hashlib
import math
import re
import secrets
import zlib
from base64 import b32encode
from bisect import bisect_right
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from ...cache import LRUCache
from . import fontmerge
from .assemble import FONTS, REGULAR
from .pypdf_seam import object_locations

MARK = "SLNCOPY-"  # the id's prefix in the page content and the metadata
ID_LENGTH = 24  # base32 characters: 120 random bits
ID_KEY = "/SalonCopyId"  # the document information entry
_FOUND = re.compile(MARK.replace("-", r"-?") + f"([A-Z2-7]{{{ID_LENGTH}}})")
FONT_NAME, STATE_NAME = "/FSalonCopy", "/GSalonCopy"
LINE_SIZE = 14  # pt, the diagonal line
LINE_GREY = 0.66  # multiplied over the page: faint on paper, text under it stays black
LINE_GAP = 240  # pt between the three diagonal lines


class CopyError(ValueError):
    """The file is not a PDF this module can stamp or read."""


def new_copy_id() -> str:
    """A random, unguessable id (base32, no padding)."""
    return b32encode(secrets.token_bytes(ID_LENGTH * 5 // 8)).decode()


@dataclass(frozen=True)
class CopyMark:
    """What a copy carries: the visible line and the id."""

    line: str  # e.g. 内部资料 注意保存　张三　警号 012345　2026-12-02 14:36
    copy_id: str

    @property
    def hidden(self) -> str:
        """The id as written into the copy ("" for a mark without one)."""
        return MARK + self.copy_id if self.copy_id else ""


@dataclass(frozen=True)
class Found:
    """What a file shows of a copy: its id, and the visible line's holder and minute."""

    copy_id: str | None = None
    name: str | None = None
    number: str | None = None  # the 警号, or the username where the person has none
    by_username: bool = False
    minute: str | None = None  # YYYY-MM-DD HH:MM


# The visible line with its spaces squeezed out: 内部资料注意保存 张三 警号012345 2026-12-0214:30
_LINE = re.compile(r"内部资料注意保存(?P<name>.+?)(?P<kind>警号|用户名)(?P<number>\S+?)"
                   r"(?P<date>\d{4}-\d{2}-\d{2})(?P<time>\d{2}:\d{2})")


def stamp_copy(pdf: bytes, mark: CopyMark) -> bytes:
    """The frozen `pdf` with `mark` drawn over every page and kept in its metadata.

    What every copy of one file shares (its objects, the pages' new dictionaries) is made
    once per file and kept (`PREPARED` files); a copy adds only its own objects: the
    overlay streams, their font subset, the document information and the cross-reference."""
    prepared = _prepared.get_or_compute(hashlib.sha256(pdf).digest(), lambda: _prepare(pdf))
    return prepared.copy(mark)


def find_copy_id(pdf: bytes) -> str | None:
    """The copy id a stamped copy carries: from its metadata, else from its page content."""
    return read_copy(pdf).copy_id


def read_copy(pdf: bytes) -> Found:
    """The copy's id (metadata first, then each page's text until found) and, for a file
    whose id was taken out, the visible line's holder and minute."""
    line = None
    try:
        reader = PdfReader(BytesIO(pdf))
        info = reader.metadata or {}
        found = _FOUND.search(str(info.get(ID_KEY, "")))
        if found:
            return Found(found.group(1))
        for page in reader.pages:
            text = re.sub(r"\s+", "", page.extract_text() or "")
            found = _FOUND.search(text)
            if found:
                return Found(found.group(1))
            line = line or _LINE.search(text)
    except Exception as error:
        raise CopyError("不是可读取的 PDF 文件。") from error
    if line is None:
        return Found()
    return Found(None, line["name"], line["number"], line["kind"] == "用户名",
                 f"{line['date']} {line['time']}")


# --- the overlay ---------------------------------------------------------------------------

def _metrics(text: str) -> dict[str, tuple[int, float]]:
    return _glyph_runs.get_or_compute(text, lambda: fontmerge.glyphs(FONTS[REGULAR], text))


def _hex(text: str, glyphs) -> tuple[str, float]:
    """The text as 2-byte glyph ids (Identity-H) and its advance in 1/1000 em."""
    shown = [glyphs[ch] for ch in text if ch in glyphs]
    return "".join(f"{gid:04x}" for gid, _ in shown), sum(advance for _, advance in shown)


def _overlay(mark: CopyMark, width: float, height: float, left: float, bottom: float) -> bytes:
    """The content drawn over a page: the diagonal lines, then the id twice, invisibly."""
    glyphs = _metrics(mark.line + mark.hidden)
    line, advance = _hex(mark.line, glyphs)
    angle = math.atan2(height, width)
    cos, sin = math.cos(angle), math.sin(angle)
    half = advance * LINE_SIZE / 1000 / 2
    centre_x, centre_y = left + width / 2, bottom + height / 2
    # Lines parallel to the diagonal, LINE_GAP apart, each centred on its chord: the middle
    # of a chord parallel to the diagonal lies on the way from the centre to the corner.
    reach = min(LINE_GAP * math.hypot(width, height) / (width * height), 0.6)
    ops = [f"Q q {STATE_NAME} gs {LINE_GREY} g BT {FONT_NAME} {LINE_SIZE} Tf"]
    for side in (-1, 0, 1):
        x = centre_x - side * reach * width / 2 - half * cos
        y = centre_y + side * reach * height / 2 - half * sin
        ops.append(f"{cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} {x:.2f} {y:.2f} Tm <{line}> Tj")
    ops.append("ET Q")
    if not mark.copy_id:
        return " ".join(ops).encode()
    hidden, _ = _hex(mark.hidden, glyphs)
    ops.append(f"q BT 3 Tr {FONT_NAME} 6 Tf 1 0 0 1 {left + 36:.2f} {bottom + 14:.2f} Tm "
               f"<{hidden}> Tj ET Q")
    ops.append(f"q 1 g BT {FONT_NAME} 2 Tf 1 0 0 1 {left + 36:.2f} {bottom + 6:.2f} Tm "
               f"<{hidden}> Tj ET Q")
    return " ".join(ops).encode()


def _font(text: str, add) -> DictionaryObject:
    """A Type0 font with the overlay's glyphs of the bundled serif (glyph ids kept)."""
    glyphs = _metrics(text)
    data = fontmerge.subset(FONTS[REGULAR], {gid for gid, _ in glyphs.values()})
    file_stream = _stream(data)
    file_stream[NameObject("/Length1")] = NumberObject(len(data))
    base = NameObject(f"/SALONC+{REGULAR}")
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"), NameObject("/FontName"): base,
        NameObject("/Flags"): NumberObject(6),
        NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in (-1000, -300, 2000, 1100)]),
        NameObject("/ItalicAngle"): NumberObject(0), NameObject("/Ascent"): NumberObject(880),
        NameObject("/Descent"): NumberObject(-120), NameObject("/CapHeight"): NumberObject(733),
        NameObject("/StemV"): NumberObject(80),
        NameObject("/FontFile2"): add(file_stream),
    })
    widths = {gid: advance for gid, advance in glyphs.values()}
    cid_font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/CIDFontType2"),
        NameObject("/BaseFont"): base,
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"),
            NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): NumberObject(0)}),
        NameObject("/FontDescriptor"): add(descriptor),
        NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        NameObject("/DW"): NumberObject(1000),
        NameObject("/W"): fontmerge.widths_array(
            {gid: FloatObject(round(width, 2)) for gid, width in widths.items()}),
    })
    to_unicode = fontmerge.to_unicode({gid: char for char, (gid, _) in glyphs.items()})
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): base, NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([add(cid_font)]),
        NameObject("/ToUnicode"): add(_stream(to_unicode.get_data())),
    })


def _stream(data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode() if len(data) > 64 else stream


def _resolved_copy(value) -> DictionaryObject:
    """A direct copy of a (possibly indirect) dictionary, its values left as they are."""
    found = value.get_object() if value is not None else None
    return DictionaryObject(dict(found)) if isinstance(found, DictionaryObject) \
        else DictionaryObject()


def _stamped_page(page, before, overlay, font, state) -> DictionaryObject:
    """The page's dictionary with the overlay drawn after its own content."""
    stamped = DictionaryObject(dict(page))
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        existing = []
    elif isinstance(contents.get_object(), ArrayObject):
        existing = list(contents.get_object())
    else:
        existing = [contents]
    stamped[NameObject("/Contents")] = ArrayObject([before, *existing, overlay])
    resources = _resolved_copy(page.get("/Resources"))
    fonts = _resolved_copy(resources.get("/Font"))
    fonts[NameObject(FONT_NAME)] = font
    states = _resolved_copy(resources.get("/ExtGState"))
    states[NameObject(STATE_NAME)] = state
    resources[NameObject("/Font")] = fonts
    resources[NameObject("/ExtGState")] = states
    stamped[NameObject("/Resources")] = resources
    return stamped


# --- writing ---------------------------------------------------------------------------------

PREPARED = 8  # frozen files whose shared part is kept (a few issues, ~0.5 MB each)
_prepared = LRUCache(PREPARED)
_glyph_runs = LRUCache(16)  # a copy's own text (holder, minute, id), read for each page


def _prepare(pdf: bytes) -> "_Prepared":
    try:
        reader = PdfReader(BytesIO(pdf))
        if reader.is_encrypted:
            raise CopyError("专刊文件已加密，无法加盖副本标记。")
        pages = list(reader.pages)
        return _Prepared(pdf, reader, pages)
    except CopyError:
        raise
    except Exception as error:  # pypdf raises many kinds on a damaged file
        raise CopyError("专刊文件无法读取。") from error


class _Prepared:
    """A frozen file made ready for copies: its objects copied as bytes (no stream decoded,
    no content parsed), each page's dictionary written anew to draw the overlay, with the
    ids of the objects each copy supplies (font, overlays, information) fixed in advance."""

    def __init__(self, data: bytes, reader: PdfReader, pages: list) -> None:
        self.root = reader.trailer.raw_get("/Root")
        previous = reader.trailer.get("/ID")
        self.first_id = bytes(previous[0]) if previous else secrets.token_bytes(16)
        plain, packed = object_locations(reader)
        next_id = int(reader.trailer["/Size"])

        def reserve() -> IndirectObject:
            nonlocal next_id
            next_id += 1
            return IndirectObject(next_id - 1, 0, None)

        state, before, self.font = reserve(), reserve(), reserve()
        self.overlays: dict[tuple[float, ...], IndirectObject] = {}
        replaced: dict[int, tuple[int, object]] = {}
        for page in pages:
            box = page.mediabox
            geometry = (float(box.width), float(box.height), float(box.left), float(box.bottom))
            if geometry not in self.overlays:
                self.overlays[geometry] = reserve()
            ref = page.indirect_reference
            replaced[ref.idnum] = (ref.generation, _stamped_page(
                page, before, self.overlays[geometry], self.font, state))
        old_info = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
        self.info = DictionaryObject(dict(old_info.get_object())) if old_info is not None \
            else DictionaryObject()
        self.info_ref = old_info if isinstance(old_info, IndirectObject) else reserve()
        skipped = set(replaced) | {self.info_ref.idnum}
        self.next_id = next_id

        out = BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.entries: dict[int, tuple[int, int, int]] = {  # idnum → (type, field 2, field 3)
            idnum: (2, stream, index) for idnum, (stream, index) in packed.items()
            if idnum not in skipped}
        for idnum, generation, chunk in _originals(data, plain, skipped):
            self.entries[idnum] = (1, out.tell(), generation)
            out.write(chunk)
            out.write(b"\n")
        state_dict = DictionaryObject({NameObject("/Type"): NameObject("/ExtGState"),
                                       NameObject("/BM"): NameObject("/Multiply")})
        news = [(idnum, generation, obj) for idnum, (generation, obj) in replaced.items()]
        news += [(state.idnum, 0, state_dict), (before.idnum, 0, _stream(b"q\n"))]
        for idnum, generation, obj in news:
            self.entries[idnum] = (1, out.tell(), generation)
            _write_object(out, idnum, generation, obj)
        self.head = out.getvalue()

    def copy(self, mark: CopyMark) -> bytes:
        """One copy: the shared head, then this copy's objects and the cross-reference."""
        out = BytesIO()
        out.write(self.head)
        entries = dict(self.entries)
        next_id = self.next_id

        def add(obj) -> IndirectObject:
            nonlocal next_id
            next_id += 1
            return IndirectObject(next_id - 1, 0, None)

        objects: list[tuple[IndirectObject, object]] = []

        def keep(obj) -> IndirectObject:
            ref = add(obj)
            objects.append((ref, obj))
            return ref

        objects.append((self.font, _font(mark.line + mark.hidden, keep)))
        for geometry, ref in self.overlays.items():
            objects.append((ref, _stream(_overlay(mark, *geometry))))
        info = DictionaryObject(self.info)
        if mark.copy_id:
            info[NameObject(ID_KEY)] = TextStringObject(mark.hidden)
        objects.append((self.info_ref, info))
        for ref, obj in objects:
            entries[ref.idnum] = (1, out.tell(), ref.generation)
            _write_object(out, ref.idnum, ref.generation, obj)
        xref_id = next_id
        entries[xref_id] = (1, out.tell(), 0)
        rows = bytearray()
        for idnum in range(xref_id + 1):
            kind, second, third = entries.get(idnum, (0, 0, 65535 if idnum == 0 else 0))
            rows += bytes([kind]) + second.to_bytes(4, "big") + third.to_bytes(2, "big")
        body = zlib.compress(bytes(rows))
        xref = DictionaryObject({
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): NumberObject(xref_id + 1),
            NameObject("/W"): ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
            NameObject("/Root"): self.root,
            NameObject("/Info"): self.info_ref,
            NameObject("/ID"): ArrayObject([
                ByteStringObject(self.first_id),
                ByteStringObject(hashlib.md5(rows, usedforsecurity=False).digest())]),
            NameObject("/Filter"): NameObject("/FlateDecode"),
            NameObject("/Length"): NumberObject(len(body)),
        })
        out.write(f"{xref_id} 0 obj\n".encode())
        xref.write_to_stream(out)
        out.write(b"\nstream\n" + body + b"\nendstream\nendobj\n")
        out.write(f"startxref\n{entries[xref_id][1]}\n%%EOF\n".encode())
        return out.getvalue()


def _write_object(out, idnum: int, generation: int, obj) -> None:
    out.write(f"{idnum} {generation} obj\n".encode())
    obj.write_to_stream(out)
    out.write(b"\nendobj\n")


def _originals(data: bytes, plain: dict[int, tuple[int, int]], skipped: set[int]):
    """(idnum, generation, bytes from 'n g obj' to 'endobj') of the file's plainly stored
    objects but the skipped ones and the old cross-reference streams."""
    located = sorted((offset, idnum, generation)
                     for idnum, (offset, generation) in plain.items() if idnum not in skipped)
    start_xref = data.rfind(b"startxref")
    tail = int(data[start_xref + 9:data.find(b"%%EOF", start_xref)].strip() or 0)
    bounds = sorted({offset for offset, _, _ in located} | {tail, len(data)})
    for offset, idnum, generation in located:
        end = bounds[bisect_right(bounds, offset)]  # the next object, or the end
        chunk = data[offset:end]
        stop = chunk.rfind(b"endobj")
        if stop < 0:
            raise CopyError("专刊文件结构异常，无法加盖副本标记。")
        chunk = chunk[:stop + 6]
        if re.search(rb"/Type\s*/XRef\b", chunk[:400]):
            continue  # an old cross-reference stream: the copy has its own
        yield idnum, generation, chunk
