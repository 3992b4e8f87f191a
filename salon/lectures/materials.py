"""Lecture materials: the type read from the content (the name must agree), stored through
the storage interface, and a PDF's first page as a preview image."""
import hashlib
import io
import secrets
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from flask import current_app

from ..accounts.models import User
from ..errors import InvalidInput
from ..extensions import db
from ..storage import delete_with_transaction, put_for_transaction
from .models import MATERIAL_KINDS, Lecture, LectureMaterial

PREFIX = "lectures/"
# The part only that kind of Office file has (Office Open XML is a zip of parts).
OOXML_MAIN_PART = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml",
                   "xlsx": "xl/workbook.xml"}
MATERIALS_PER_LECTURE = 20
PREVIEW_SECONDS = 60


def sniff(data: bytes) -> str | None:
    """pdf / pptx / docx / xlsx by what the bytes are, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, part in OOXML_MAIN_PART.items() if part in names), None)


def check_file(filename: str, data: bytes) -> str:
    """The material's kind; refuses an empty, too large, unknown or mislabelled file."""
    limit = current_app.config["LECTURE_MATERIAL_MAX_BYTES"]
    if not data:
        raise InvalidInput("请选择要上传的材料文件。")
    if len(data) > limit:
        raise InvalidInput(f"文件过大（最大 {limit // (1024 * 1024)} MB）。")
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if extension not in MATERIAL_KINDS:
        raise InvalidInput("只能上传 PDF、PPTX、DOCX 或 XLSX 文件"
                           "（旧版 .ppt/.doc/.xls 请另存为新格式）。")
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(f"文件内容不是有效的 {extension.upper()} 文件，请检查后重新上传。")
    if kind != extension:
        raise InvalidInput(f"文件扩展名是 .{extension}，内容却是 {kind.upper()} 文件："
                           "请改正文件名后再上传。")
    return kind


def clean_filename(filename: str, kind: str) -> str:
    """The name shown and offered on download: no path, no control characters."""
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:/|?*').strip()
    stem = Path(name).stem[:150] or "材料"
    return f"{stem}.{kind}"


def add_material(lecture: Lecture, user: User, filename: str, data: bytes) -> LectureMaterial:
    """Store a material for the lecture (and a PDF's preview); the caller commits."""
    kind = check_file(filename, data)
    if len(lecture.materials) >= MATERIALS_PER_LECTURE:
        raise InvalidInput(f"每次讲坛最多 {MATERIALS_PER_LECTURE} 个材料。")
    token = secrets.token_hex(16)
    key = f"{PREFIX}{token}.{kind}"
    put_for_transaction(key, data, MATERIAL_KINDS[kind][0])
    preview_key = None
    if kind == "pdf":
        png = first_page_png(data)
        if png is not None:
            preview_key = f"{PREFIX}{token}-p1.png"
            put_for_transaction(preview_key, png, "image/png")
    material = LectureMaterial(
        lecture=lecture, key=key, filename=clean_filename(filename, kind), kind=kind,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), preview_key=preview_key,
        uploaded_by_id=user.id)
    db.session.add(material)
    return material


def first_page_png(pdf: bytes) -> bytes | None:
    """The first page at 60 dpi by poppler's pdftoppm (no network, no script), or None when it
    is not installed or the PDF cannot be drawn: the material is kept without a preview."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        current_app.logger.warning("pdftoppm 未安装：讲坛 PDF 不生成预览图")
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run([tool, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                            str(source), str(Path(folder) / "page")],
                           check=True, capture_output=True, timeout=PREVIEW_SECONDS)
        except (subprocess.SubprocessError, OSError):
            current_app.logger.warning("讲坛 PDF 预览图生成失败", exc_info=True)
            return None
        image = Path(folder) / "page.png"
        return image.read_bytes() if image.is_file() else None


def remove_material(material: LectureMaterial) -> None:
    """Delete the row now and the files once that commits; the caller commits."""
    for key in filter(None, (material.key, material.preview_key)):
        delete_with_transaction(key)
    db.session.delete(material)
