"""Uploaded images: checked by content, re-encoded without metadata, stored, served."""
import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO

from flask import abort, current_app
from flask_login import login_required
from PIL import Image, ImageOps, UnidentifiedImageError

from ..accounts.models import User
from ..errors import DomainError
from ..extensions import db
from ..storage import StorageError, put_for_transaction, storage
from .models import Upload

# Pillow format name → (stored extension, content type, encoder options)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg", {"quality": 88, "optimize": True}),
    "PNG": ("png", "image/png", {"optimize": True}),
    "WEBP": ("webp", "image/webp", {"quality": 88}),
}
STORAGE_PREFIX = "uploads/"


class UploadError(DomainError):
    """The file is not an image we accept; the message is for the user."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["UPLOAD_MAX_BYTES"], config["UPLOAD_MAX_PIXELS"]


def clean_image(data: bytes) -> CleanImage:
    """Accept JPEG/PNG/WebP by their content only, then re-encode to drop metadata and payloads."""
    max_bytes, max_pixels = _limits()
    if not data:
        raise UploadError("请选择要上传的图片。")
    if len(data) > max_bytes:
        raise UploadError(f"图片过大（最大 {max_bytes // (1024 * 1024)} MB）。")
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below gives the user a clear message instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                kind = probe.format
                if kind not in FORMATS:
                    raise UploadError("只能上传 JPEG、PNG 或 WebP 格式的图片。")
                if probe.width * probe.height > max_pixels:
                    raise UploadError("图片像素过多，请缩小后再上传。")
                probe.verify()
            with Image.open(BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                return _reencode(image, kind)
    except UploadError:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, met before ours can be checked
        raise UploadError("图片像素过多，请缩小后再上传。") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadError("文件不是有效的图片（只接受 JPEG、PNG、WebP）。") from None


def _reencode(image: Image.Image, kind: str) -> CleanImage:
    """Write the pixels again: no EXIF, no comments, nothing appended after the image."""
    extension, content_type, options = FORMATS[kind]
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif kind in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = BytesIO()
    image.save(out, format=kind, **options)
    return CleanImage(out.getvalue(), extension, content_type, image.width, image.height)


def store_image(data: bytes, owner: User) -> Upload:
    """Check, clean and store an image; the caller commits the returned Upload row."""
    image = clean_image(data)
    key = f"{secrets.token_hex(16)}.{image.extension}"
    stored = put_for_transaction(STORAGE_PREFIX + key, image.data, image.content_type)
    upload = Upload(key=key, owner_id=owner.id, content_type=image.content_type,
                    size=stored.size, sha256=stored.sha256, width=image.width, height=image.height)
    db.session.add(upload)
    return upload


def markdown_snippet(upload: Upload, caption: str = "图片") -> str:
    """The Markdown that shows this image in a post."""
    caption = (caption or "图片").replace("]", "").replace("[", "").strip() or "图片"
    return f"![{caption}]({url_path(upload)})"


def url_path(upload: Upload) -> str:
    return f"/uploads/{upload.key}"


@login_required
def uploaded_file(key: str):
    """Serve an uploaded image: only keys we recorded, as the type we checked, cached long."""
    upload = db.session.scalar(db.select(Upload).filter_by(key=key))
    if upload is None:
        abort(404)
    try:
        data = storage().get(STORAGE_PREFIX + upload.key)
    except StorageError:
        abort(404)
    response = current_app.response_class(data, mimetype=upload.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    # Keys are random and never reused, so the bytes behind one never change.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
