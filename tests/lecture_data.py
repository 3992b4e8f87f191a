"""Files and records for the 讲坛 tests: real PDFs, Office files as the zips they are."""
import io
import zipfile
from datetime import date

from salon.extensions import db
from salon.lectures.services import LectureInput, save_lecture

from .problem_data import unit, user

OFFICE_PART = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml",
               "xlsx": "xl/workbook.xml"}


def pdf_bytes(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def office_bytes(kind: str) -> bytes:
    """An Office Open XML package with the parts that say what it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), (OFFICE_PART[kind], "<x/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 27, 9, 0, 0)), text)
    return out.getvalue()


def make_lecture(kind="weekend_school", held_on=date(2026, 11, 27), unit_name="城关派出所",
                 title="执法办案常见问题讲评", **fields):
    lecture = save_lecture(user("organizer"), LectureInput(
        kind=kind, held_on=held_on, unit_id=unit(unit_name).id, title=title,
        speaker_id=fields.pop("speaker_id", user("officer").id), **fields))
    db.session.commit()
    return lecture
