"""Every use of pypdf's private parts, in one place, for the versions they were checked on.

Joining parts and stamping pages add objects to a writer and empty the ones a merged font
replaced; pypdf has no public call for either. `tests/test_pypdf_seam.py` fails when a pypdf
upgrade changes them.
"""
from pypdf import PdfWriter, __version__
from pypdf.generic import IndirectObject, NullObject, PdfObject

CHECKED = ("7",)  # pypdf major versions whose internals this module was checked on
SUPPORTED = __version__.split(".")[0] in CHECKED


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Keep `obj` in the written file; a reference to it."""
    return writer._add_object(obj)


def drop_object(writer: PdfWriter, ref) -> None:
    """Empty an object of this writer, so its bytes are not written (pypdf writes every
    object it holds, referenced or not, until `compress_identical_objects` runs)."""
    if isinstance(ref, IndirectObject) and ref.pdf is writer:
        writer._objects[ref.idnum - 1] = NullObject()


def object_locations(reader) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """Where a read file keeps its objects, from its cross-reference data (no object parsed):
    idnum → (byte offset, generation) of the objects stored plainly, and idnum → (object
    stream's idnum, index) of those inside object streams. pypdf keeps these as the reader's
    `xref` and `xref_objStm`, which it does not document."""
    plain = {idnum: (offset, generation) for generation, table in reader.xref.items()
             for idnum, offset in table.items()}
    packed = {idnum: (int(stream), int(index))
              for idnum, (stream, index) in reader.xref_objStm.items()}
    return plain, packed
