"""Word (.docx) write-ups to Markdown drafts, images included (mammoth, then htmlmd)."""
import zipfile
from io import BytesIO

import mammoth
from flask import current_app

from ..accounts.models import User
from ..errors import DomainError
from .htmlmd import html_to_markdown
from .uploads import UploadError, store_image, url_path

# A real write-up unpacks to a few MB; far more than that is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class DocxError(DomainError):
    """The file is not a Word document we can read; the message is for the user."""


def check_docx(data: bytes) -> None:
    """A .docx is a zip holding word/document.xml; refuse anything else, or too big."""
    limit = current_app.config["DOCX_MAX_BYTES"]
    if not data:
        raise DocxError("请选择要导入的 Word 文件。")
    if len(data) > limit:
        raise DocxError(f"文件过大（最大 {limit // (1024 * 1024)} MB）。")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocxError("文件不是有效的 Word 文档（.docx）。旧版 .doc 请先另存为 .docx。") from None
    if "word/document.xml" not in names:
        raise DocxError("文件不是有效的 Word 文档（.docx）：缺少正文。")
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocxError("Word 文档解压后过大，无法导入。")


def docx_to_markdown(data: bytes, owner: User) -> tuple[str, str, list[str]]:
    """(title, Markdown body, warnings); embedded images are stored as the owner's uploads."""
    check_docx(data)
    warnings: list[str] = []

    def convert_image(image) -> dict:
        with image.open() as stream:
            raw = stream.read()
        try:
            upload = store_image(raw, owner)
        except UploadError:
            warnings.append(f"有一张图片（{image.content_type or '未知格式'}）无法导入，已略去。")
            return {"src": ""}
        return {"src": url_path(upload), "alt": image.alt_text or "图片"}

    try:
        result = mammoth.convert_to_html(
            BytesIO(data), convert_image=mammoth.images.img_element(convert_image)
        )
    except Exception:  # mammoth raises many kinds of errors on a damaged document
        current_app.logger.warning("docx conversion failed", exc_info=True)
        raise DocxError("无法读取该 Word 文档，文件可能已损坏。") from None
    markdown = html_to_markdown(result.value)
    return _title_of(markdown), _without_first_heading(markdown), warnings


def _title_of(markdown: str) -> str:
    """The first heading (or first line) of the document, as the draft's title."""
    for line in markdown.splitlines():
        text = line.lstrip("#").strip().replace("\\", "")
        if text:
            return text[:200]
    return "Word 导入稿件"


def _without_first_heading(markdown: str) -> str:
    """Drop a leading heading that became the title, so it is not shown twice."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):
        return "\n".join(lines[1:]).strip() + "\n"
    return markdown
