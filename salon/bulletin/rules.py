"""What the bulletin refuses, below the services so every bulletin module can say it: the
error its pages show, an issue without posts, a stored file that no longer matches its
SHA-256."""
import hashlib

from ..errors import DomainError
from ..salons.models import Salon
from ..storage import storage
from .content import has_posts
from .models import BulletinRevision


class BulletinError(DomainError):
    """A request the bulletin rules refuse; the message is shown to the user."""


def require_posts(salon: Salon) -> None:
    if not has_posts(salon):
        raise BulletinError(f"{salon.label}还没有已提交的稿件，无法编印专刊。")


def revision_bytes(revision: BulletinRevision) -> bytes:
    """The stored file, checked against its SHA-256 so a published PDF is served exactly."""
    data = storage().get(revision.storage_key)
    if hashlib.sha256(data).hexdigest() != revision.sha256:
        raise BulletinError("专刊文件校验失败，请联系管理员。")
    return data
