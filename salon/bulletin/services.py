"""Bulletin rules: build, store, publish, revisions. The layout itself is render/'s."""
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..salons.models import Salon
from ..salons.services import SalonError, advance_status
from ..storage import delete_with_transaction, put_for_transaction
from ..timeutil import now
from . import content as content_module
from . import signing
from .distribution import announce
from .models import BuildJob, Bulletin, BulletinRevision
from .render import segments
from .render import workers as workers_module
from .rules import BulletinError, require_posts, revision_bytes  # noqa: F401 (the callers' names)

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Build:
    """A built PDF, not yet stored; how many parts were laid out anew and how many reused."""

    pdf: bytes
    pages: int
    content_hash: str
    seconds: float
    rendered: int = 1
    cached: int = 0


def preview_html(content: content_module.BulletinContent) -> dict:
    """Template variables for the on-screen preview (charts inline, CSP allows data: images)."""
    def chart_src(name: str) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(content.charts[name]).decode()

    return {"c": content, "segments": segments.plan(content), "chart_src": chart_src}


def renderer():
    """The renderer (render/pipeline.py), imported on the first build: its join code (pypdf,
    the HarfBuzz bindings) would cost every web and command process memory and start-up time
    (README: 专刊性能), and most never build a bulletin."""
    from .render import pipeline

    return pipeline


def build(salon: Salon, progress: Progress | None = None, in_subprocess: bool = False,
          workers: int | None = None) -> Build:
    """Gather, lay out and write the salon's bulletin PDF.

    With BULLETIN_RENDER_WORKERS > 0 (the default) the bulletin is laid out in parts by
    worker processes, each part cached by content; 0 lays it out as one document.
    """
    report = progress or (lambda _pct, _msg: None)
    require_posts(salon)
    if workers is None:
        workers = current_app.config["BULLETIN_RENDER_WORKERS"]
    if workers is None or workers or in_subprocess:
        workers_module.start_workers()  # the render processes load WeasyPrint while we gather
    report(5, "收集稿件与数据")
    content = signing.issue_content(salon)
    done = renderer().render(content, workers, in_subprocess, report)
    report(98, "写入文件")
    return Build(done.pdf, done.pages, done.fingerprint, done.seconds, done.rendered,
                 done.cached)


def current_fingerprint(salon: Salon) -> str:
    """The content hash the salon's bulletin would have if built now (no PDF rendered)."""
    return segments.fingerprint(signing.issue_content(salon))


def latest_revision(bulletin: Bulletin) -> BulletinRevision | None:
    return bulletin.revisions[-1] if bulletin.revisions else None


def store(salon: Salon, built: Build, user_id: int | None) -> BulletinRevision:
    """Keep a build as the bulletin's draft, replacing an older unpublished draft."""
    bulletin = content_module.bulletin_for(salon)
    old = bulletin.draft
    if old is not None:
        # The job that built the old draft no longer points at it (the FK would refuse).
        db.session.execute(db.update(BuildJob).where(BuildJob.revision_id == old.id)
                           .values(revision_id=None))
        delete_with_transaction(old.storage_key)
        db.session.delete(old)
        db.session.flush()
    digest = hashlib.sha256(built.pdf).hexdigest()
    key = f"bulletins/{salon.month}-{digest[:16]}-{now():%Y%m%d%H%M%S}.pdf"
    stored = put_for_transaction(key, built.pdf, "application/pdf")
    revision = BulletinRevision(
        bulletin=bulletin, storage_key=key, sha256=stored.sha256, content_hash=built.content_hash,
        pages=built.pages, size=stored.size, built_by_id=user_id,
    )
    db.session.add(revision)
    db.session.flush()
    db.session.expire(bulletin, ["revisions"])
    return revision


def up_to_date(salon: Salon) -> BulletinRevision | None:
    """The newest revision if it already matches the current content (no rebuild needed)."""
    bulletin = content_module.bulletin_for(salon)
    newest = latest_revision(bulletin)
    if newest and newest.content_hash == current_fingerprint(salon):
        return newest
    return None


def publish(salon: Salon, user) -> BulletinRevision:
    """Freeze the newest draft as the next revision; the salon becomes 已出刊. Its words must
    carry a leader's signature (签发), and the draft the cover with it."""
    if not user.has_role("organizer"):
        raise BulletinError("只有组织者可以发布专刊。")
    if salon.status not in ("held", "published"):
        raise BulletinError(f"沙龙尚未召开（当前：{salon.status_label}），不能出刊。")
    bulletin = content_module.bulletin_for(salon)
    draft = bulletin.draft
    if draft is None:
        raise BulletinError("没有待发布的样稿，请先生成专刊。")
    content = signing.issue_content(salon)
    record = signing.require_signed(content)
    if draft.content_hash != segments.fingerprint(content):
        if draft.built_at <= record.signed_at:
            raise BulletinError("专刊已签发，请重新生成专刊（封面印上签发人和签发日期）后再发布。")
        raise BulletinError("样稿生成后内容已有变化，请重新生成后再发布。")
    published = bulletin.published_revisions
    if published and published[-1].content_hash == draft.content_hash:
        raise BulletinError("内容与已发布版本相同，无需再次发布。")
    draft.number = len(published) + 1
    draft.published_at = now()
    draft.published_by_id = user.id
    if salon.status != "published":
        _mark_published(salon)
    announce(draft)
    return draft


def _mark_published(salon: Salon) -> None:
    """The salons state machine's step held → published."""
    try:
        advance_status(salon, "published")
    except SalonError as error:
        raise BulletinError(str(error)) from error


def archive() -> list[BulletinRevision]:
    """Every published revision, newest first, with its salon (for 往期专刊)."""
    return list(db.session.scalars(
        db.select(BulletinRevision)
        .join(BulletinRevision.bulletin).join(Bulletin.salon)
        .where(BulletinRevision.published_at.is_not(None))
        .options(contains_eager(BulletinRevision.bulletin).contains_eager(Bulletin.salon))
        .order_by(Salon.number.desc(), BulletinRevision.number.desc())
    ).all())


def save_settings(salon: Salon, *, editor_note: str, total_number, print_count) -> None:
    """The editor's note and imprint settings from the bulletin page."""
    bulletin = content_module.bulletin_for(salon)
    bulletin.editor_note = editor_note.strip()
    bulletin.total_number = total_number
    bulletin.print_count = print_count
