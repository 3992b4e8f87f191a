"""One font subset for a PDF assembled from separately rendered parts.

Each part embeds its own subset of the bundled fonts. WeasyPrint subsets with retained glyph
ids, so every part's text already uses the full font's glyph ids: we subset the bundled TTF
once to the union of the glyphs, and point every part's font resources at that one font.
"""
import re
from functools import cache
from pathlib import Path

import cffi
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)

from .pypdf_seam import add_object, drop_object


class FontMergeError(RuntimeError):
    """The parts' fonts cannot be merged (e.g. every part lacks some glyph)."""


_ffi = cffi.FFI()
_ffi.cdef("""
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    hb_blob_t *hb_blob_create_from_file (const char *file_name);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    hb_blob_t *hb_face_reference_blob (hb_face_t *face);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    void hb_blob_destroy (hb_blob_t *blob);
    void hb_face_destroy (hb_face_t *face);
    void hb_set_add (hb_set_t *set, unsigned int codepoint);
    unsigned int hb_tag_from_string (const char *str, int len);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    typedef struct hb_font_t hb_font_t;
    hb_font_t *hb_font_create (hb_face_t *face);
    int hb_font_get_nominal_glyph (hb_font_t *font, unsigned int unicode, unsigned int *glyph);
    int hb_font_get_glyph_h_advance (hb_font_t *font, unsigned int glyph);
    unsigned int hb_face_get_upem (const hb_face_t *face);
""")
NO_HINTING, RETAIN_GIDS, DESUBROUTINIZE, PASSTHROUGH = 0x1, 0x2, 0x4, 0x20
DROP_TABLE_SET = 3
DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH",
               b"PCLT", b"SVG ", b"vhea", b"vmtx", b"STAT")


@cache
def _libs():
    return _ffi.dlopen("libharfbuzz.so.0"), _ffi.dlopen("libharfbuzz-subset.so.0")


@cache
def _face(path: str):
    hb, _ = _libs()
    return hb.hb_face_create(hb.hb_blob_create_from_file(path.encode()), 0)


def subset(path: Path, glyphs: set[int]) -> bytes:
    """The TTF at `path` cut down to `glyphs`, glyph ids unchanged (HarfBuzz, fast)."""
    hb, hbs = _libs()
    request = _ffi.gc(hbs.hb_subset_input_create_or_fail(), hbs.hb_subset_input_destroy)
    glyph_set = hbs.hb_subset_input_glyph_set(request)
    for glyph in {0, *glyphs}:
        hb.hb_set_add(glyph_set, glyph)
    drop = hbs.hb_subset_input_set(request, DROP_TABLE_SET)
    for tag in DROP_TABLES:
        hb.hb_set_add(drop, hb.hb_tag_from_string(tag, -1))
    hbs.hb_subset_input_set_flags(request, NO_HINTING | RETAIN_GIDS | DESUBROUTINIZE | PASSTHROUGH)
    face = _ffi.gc(hbs.hb_subset_or_fail(_face(str(path)), request), hb.hb_face_destroy)
    if face == _ffi.NULL:
        raise FontMergeError(f"无法裁剪字体 {path.name}")
    blob = _ffi.gc(hb.hb_face_reference_blob(face), hb.hb_blob_destroy)
    length = _ffi.new("unsigned int *")
    data = hb.hb_blob_get_data(blob, length)
    return bytes(_ffi.buffer(data, length[0]))


@cache
def _font(path: str):
    hb, _ = _libs()
    return hb.hb_font_create(_face(path))


def glyphs(path: Path, text: str) -> dict[str, tuple[int, float]]:
    """Each character's glyph id and advance (1/1000 em) in a bundled font."""
    hb, _ = _libs()
    font, upem = _font(str(path)), hb.hb_face_get_upem(_face(str(path)))
    found = {}
    gid = _ffi.new("unsigned int *")
    for char in set(text):
        if hb.hb_font_get_nominal_glyph(font, ord(char), gid):
            found[char] = (gid[0], hb.hb_font_get_glyph_h_advance(font, gid[0]) * 1000 / upem)
    return found


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


def _read_part_font(font: DictionaryObject) -> tuple[dict[int, float], dict[int, str]]:
    """Widths and Unicode text of the glyphs one part's font uses."""
    descendant = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    items = list(descendant.get("/W", []))
    i = 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1].get_object() if i + 1 < len(items) else None
        if isinstance(following, ArrayObject):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            last, width = int(items[i + 1]), float(items[i + 2])
            for gid in range(first, last + 1):
                widths[gid] = width
            i += 3
    text = {}
    if "/ToUnicode" in font:
        for gid, utf16 in _BFCHAR.findall(font["/ToUnicode"].get_object().get_data()):
            text[int(gid, 16)] = bytes.fromhex(utf16.decode()).decode("utf-16-be", "replace")
    return widths, text


def widths_array(widths: dict[int, float]) -> ArrayObject:
    array, run = ArrayObject(), None
    for gid in sorted(widths):
        if run is None or gid - 1 not in widths:
            run = ArrayObject()
            array.extend([NumberObject(gid), run])
        run.append(FloatObject(widths[gid]))
    return array


def to_unicode(text: dict[int, str]) -> DecodedStreamObject:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{gid:04x}> <{value.encode('utf-16-be').hex()}>".encode()
                  for gid, value in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    stream = DecodedStreamObject()
    stream.set_data(b"\n".join(lines))
    return stream


def merge(writer: PdfWriter, fonts: dict[str, Path], extra: dict[str, str]) -> dict:
    """Replace every part's subset of each bundled font by one shared subset.

    `fonts` maps a PostScript name (Noto-Serif-SC) to its TTF; `extra` adds the text we draw
    ourselves, such as page numbers. Returns the new font objects by PostScript name.
    """
    found: dict[str, list[DictionaryObject]] = {name: [] for name in fonts}
    for page in writer.pages:
        for font in _font_resources(page).values():
            font = font.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            # A part with glyphs missing from the font uses its own encoding: leave it alone.
            if name in found and font.get("/Encoding") == "/Identity-H" \
                    and not any(font is seen for seen in found[name]):
                found[name].append(font)
    merged = {}
    for name, parts in found.items():
        if not parts and not extra.get(name):
            continue
        widths, text = {}, {}
        for part in parts:
            part_widths, part_text = _read_part_font(part)
            widths.update(part_widths)
            text.update(part_text)
        for char, (gid, advance) in glyphs(fonts[name], extra.get(name, "")).items():
            widths.setdefault(gid, advance)
            text.setdefault(gid, char)
        merged[name] = _shared_font(writer, name, fonts[name], parts, widths, text)
        for part in parts:
            _drop_part_font(writer, part)
    for page in writer.pages:
        resources = _font_resources(page)
        for key, font in list(resources.items()):
            name = str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
            if name in merged:
                resources[NameObject(key)] = merged[name]
    return merged


def _drop_part_font(writer: PdfWriter, font: DictionaryObject) -> None:
    """Empty a replaced part font's objects, so its font file is not written (pypdf keeps
    unreferenced objects)."""
    descendant = font["/DescendantFonts"][0]
    descriptor = descendant.get_object().raw_get("/FontDescriptor")
    for ref in (font.raw_get("/ToUnicode"), descriptor,
                descriptor.get_object().raw_get("/FontFile2")):
        drop_object(writer, ref)


def _font_resources(page) -> DictionaryObject:
    return page["/Resources"].get_object().get("/Font", DictionaryObject()).get_object()


def _shared_font(writer, name, path, parts, widths, text):
    """Build the shared Type0 font, modelled on a part's font dictionary."""
    data = subset(path, set(widths))
    file_stream = DecodedStreamObject()
    file_stream.set_data(data)
    file_stream[NameObject("/Length1")] = NumberObject(len(data))
    file_stream = file_stream.flate_encode()
    tag = "SALON" + ("B" if "Bold" in name else "R")
    base = NameObject(f"/{tag}+{name}")
    if not parts:
        raise FontMergeError(f"字体 {name} 没有可参照的字体描述")
    template = parts[0]
    descendant = template["/DescendantFonts"][0].get_object()
    descriptor = DictionaryObject(descendant["/FontDescriptor"].get_object())
    descriptor[NameObject("/FontName")] = base
    descriptor.pop("/CIDSet", None)
    descriptor[NameObject("/FontFile2")] = add_object(writer, file_stream)
    cid_font = DictionaryObject(descendant)
    cid_font[NameObject("/BaseFont")] = base
    cid_font[NameObject("/W")] = widths_array(widths)
    cid_font[NameObject("/FontDescriptor")] = add_object(writer, descriptor)
    font = DictionaryObject(template)
    font[NameObject("/BaseFont")] = base
    font[NameObject("/DescendantFonts")] = ArrayObject([add_object(writer, cid_font)])
    font[NameObject("/ToUnicode")] = add_object(writer, to_unicode(text).flate_encode())
    return add_object(writer, font)
