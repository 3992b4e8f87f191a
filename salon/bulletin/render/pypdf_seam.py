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
