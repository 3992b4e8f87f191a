"""The pypdf seam: an upgrade that changes the writer's private object list fails here."""
from io import BytesIO

import pypdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from salon.bulletin.render import pypdf_seam


def test_pypdf_is_a_version_the_seam_was_checked_on():
    assert pypdf.__version__.split(".")[0] in pypdf_seam.CHECKED and pypdf_seam.SUPPORTED


def _stream(marker: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(marker)
    return stream


def test_objects_added_are_written_and_dropped_ones_are_not():
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    kept = pypdf_seam.add_object(writer, _stream(b"KEPT-MARKER"))
    dropped = pypdf_seam.add_object(writer, _stream(b"DROPPED-MARKER"))
    page[NameObject("/Contents")] = kept
    page[NameObject("/Extra")] = dropped
    assert kept.get_object().get_data() == b"KEPT-MARKER"
    pypdf_seam.drop_object(writer, dropped)
    pypdf_seam.drop_object(PdfWriter(), kept)  # another writer's object: left alone
    out = BytesIO()
    writer.write(out)
    assert b"KEPT-MARKER" in out.getvalue() and b"DROPPED-MARKER" not in out.getvalue()
    reader = PdfReader(BytesIO(out.getvalue()))
    assert reader.pages[0]["/Contents"].get_object().get_data() == b"KEPT-MARKER"


def test_object_locations_name_every_object_of_a_file():
    """render/copies.py copies a file's objects by the offsets pypdf read from it."""
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    out = BytesIO()
    writer.write(out)
    data = out.getvalue()
    plain, packed = pypdf_seam.object_locations(PdfReader(BytesIO(data)))
    assert packed == {} and len(plain) >= 3
    for idnum, (offset, generation) in plain.items():
        assert data[offset:].startswith(f"{idnum} {generation} obj".encode())
