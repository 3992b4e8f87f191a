"""Word (.docx) write-ups to Markdown drafts, images included (mammoth, then htmlmd).

Bounded work: the file's size, its unpacked size, the size and paragraph count of its text
are checked before anything is converted, and the conversion runs under a CPU-time limit.
Every image is stored with the transaction (`put_for_transaction`), so a refused import
leaves no file behind. What cannot be brought over — a picture linked outside the file, a
text box whose text is lost, comments, unknown elements — is named in a warning.
"""
import re
import zipfile
from io import BytesIO

import mammoth
from flask import current_app

from ..accounts.models import User
from ..cpulimit import OutOfTime, cpu_limit
from ..errors import DomainError
from ..textnorm import clean
from .htmlmd import title_and_markdown
from .uploads import UploadError, store_image, url_path

MB = 1024 * 1024
# A 50,000-character write-up with its photos unpacks to a few MB, its text to well under 2 MB.
MAX_UNPACKED_BYTES = 60 * MB
MAX_DOCUMENT_XML_BYTES = 4 * MB
MAX_PARAGRAPHS = 3_000
CPU_SECONDS = 3.0
_PARAGRAPH = re.compile(rb"<w:p[ >/]")
_TEXT_BOX = re.compile(rb"<w:txbxContent\b.*?</w:txbxContent>", re.S)
_TEXT = re.compile(rb"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_LINKED = re.compile(rb'<Relationship\b[^>]*\bTargetMode="External"[^>]*>')
_TARGET = re.compile(rb'\bTarget="([^"]*)"')
_IMAGE_TYPE = re.compile(rb'\bType="[^"]*/image"')


class DocxError(DomainError):
    """The file is not a Word document we can read; the message is for the user."""


def check_docx(data: bytes) -> bytes:
    """A .docx is a zip holding word/document.xml; refuse anything else, or too big. Returns
    word/document.xml (read with a limit: a zip may lie about its sizes)."""
    limit = current_app.config["DOCX_MAX_BYTES"]
    if not data:
        raise DocxError("请选择要导入的 Word 文件。")
    if len(data) > limit:
        raise DocxError(f"文件过大（最大 {limit // MB} MB）。")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            if "word/document.xml" not in names:
                raise DocxError("文件不是有效的 Word 文档（.docx）：缺少正文。")
            if unpacked > MAX_UNPACKED_BYTES:
                raise DocxError(f"Word 文档解压后过大（超过 {MAX_UNPACKED_BYTES // MB} MB），"
                                "无法导入。请压缩其中的图片或分成几篇。")
            with archive.open("word/document.xml") as stream:
                document = stream.read(MAX_DOCUMENT_XML_BYTES + 1)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zipfile.LargeZipFile):
        raise DocxError("文件不是有效的 Word 文档（.docx）。旧版 .doc 请先另存为 .docx。") from None
    except NotImplementedError:  # a compression method zipfile does not know
        raise DocxError("无法读取该 Word 文档，文件可能已损坏。") from None
    if len(document) > MAX_DOCUMENT_XML_BYTES:
        raise DocxError(
            f"Word 文档的正文过大（超过 {MAX_DOCUMENT_XML_BYTES // MB} MB），无法导入。")
    paragraphs = len(_PARAGRAPH.findall(document))
    if paragraphs > MAX_PARAGRAPHS:
        raise DocxError(f"Word 文档的段落过多（{paragraphs} 段，最多 {MAX_PARAGRAPHS} 段），"
                        "无法导入。请分成几篇。")
    return document


def docx_to_markdown(data: bytes, owner: User) -> tuple[str, str, list[str]]:
    """(title, Markdown body, warnings); embedded images are stored as the owner's uploads."""
    document = check_docx(data)
    warnings: list[str] = []
    linked = _linked_images(data)

    def convert_image(image) -> dict:
        try:
            with image.open() as stream:
                raw = stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
        except Exception:  # a picture linked outside the file: never read from the server
            where = f"（{linked.pop(0)}）" if linked else ""
            warnings.append(f"有一张图片链接到文档外部的文件{where}，未随文档保存，已略去。"
                            "请在 Word 中把图片嵌入文档后再导入，或在稿件中另行上传。")
            return {"src": ""}
        try:
            upload = store_image(raw, owner)
        except UploadError as error:
            warnings.append(f"有一张图片（{image.content_type or '未知格式'}）无法导入，已略去："
                            f"{error.message}")
            return {"src": ""}
        return {"src": url_path(upload), "alt": image.alt_text or "图片"}

    try:
        with cpu_limit(CPU_SECONDS):
            result = mammoth.convert_to_html(
                BytesIO(data), convert_image=mammoth.images.img_element(convert_image),
                external_file_access=False)  # never open a path the document names
    except OutOfTime:
        raise DocxError(
            "Word 文档结构过于复杂，无法在限定时间内导入。请简化格式或分成几篇。") from None
    except DomainError:
        raise
    except Exception:  # mammoth raises many kinds of errors on a damaged document
        current_app.logger.warning("docx conversion failed", exc_info=True)
        raise DocxError("无法读取该 Word 文档，文件可能已损坏。") from None
    html = clean(result.value)  # control characters out, NFC (the one text boundary)
    warnings += _dropped(document, html, result.messages)
    title, markdown = title_and_markdown(html)
    return title or "Word 导入稿件", markdown, warnings


def _linked_images(data: bytes) -> list[str]:
    """The targets of pictures linked outside the file, in the order of the relationships."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        try:
            with archive.open("word/_rels/document.xml.rels") as stream:
                rels = stream.read(MB)
        except KeyError:
            return []
    targets = []
    for relationship in _LINKED.findall(rels):
        target = _TARGET.search(relationship)
        if target and _IMAGE_TYPE.search(relationship):
            targets.append(target.group(1).decode("utf-8", "replace")[:80])
    return targets


def _dropped(document: bytes, html: str, messages) -> list[str]:
    """Warnings naming what the conversion left out: text boxes, comments, unknown parts."""
    warnings = []
    for box in _TEXT_BOX.findall(document):
        text = "".join(t.decode("utf-8", "replace") for t in _TEXT.findall(box)).strip()
        if not text:
            continue
        shown = text[:12] + ("…" if len(text) > 12 else "")
        if text[:12] in html:
            warnings.append(f"文本框“{shown}”中的文字已并入正文，请核对它的位置。")
        else:
            warnings.append(f"文本框“{shown}”中的文字未能导入，已略去。")
    comments = len(re.findall(rb"<w:commentReference\b", document))
    if comments:
        warnings.append(f"文档中的 {comments} 条批注未导入（稿件不含批注）。")
    unknown = sorted({m.message.rsplit(":", 1)[-1].strip() for m in messages
                      if "unrecognised element" in m.message})
    if unknown:
        warnings.append(f"文档中有无法识别的内容（{'、'.join(unknown[:5])}，如公式、艺术字），已略去。")
    return warnings
