"""Bulletin rules: build, store, publish, revisions."""
import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ..errors import DomainError
from ..extensions import db
from ..salons.models import Salon
from ..storage import delete_with_transaction, put_for_transaction, storage
from ..timeutil import now
from . import content as content_module
from .models import Bulletin, BulletinRevision

Progress = Callable[[int, str], None]
# Bump when the layout changes in a way the content hash cannot see (template code is hashed).
LAYOUT_VERSION = "3"


class BulletinError(DomainError):
    """A request the bulletin rules refuse; the message is shown to the user."""


@dataclass(frozen=True)
class Build:
    """A built PDF, not yet stored; how many parts were laid out anew and how many reused."""

    pdf: bytes
    pages: int
    content_hash: str
    seconds: float
    rendered: int = 1
    cached: int = 0


def require_posts(salon: Salon) -> None:
    if not content_module.has_posts(salon):
        raise BulletinError(f"{salon.label}还没有已提交的稿件，无法编印专刊。")


def print_html(content: content_module.BulletinContent) -> str:
    """The whole bulletin as one printable document (CSS page numbers, target-counter TOC)."""
    from .layout import PAGE_NUMBERS_CSS, PRINT_CSS
    from .segments import plan, segment_html

    return segment_html(content, plan(content), stylesheets=(PRINT_CSS, PAGE_NUMBERS_CSS))


def preview_html(content: content_module.BulletinContent) -> dict:
    """Template variables for the on-screen preview (charts inline, CSP allows data: images)."""
    def chart_src(name: str) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(content.charts[name]).decode()

    from .segments import plan

    return {"c": content, "segments": plan(content), "chart_src": chart_src}


def layout_fingerprint() -> str:
    """What shapes every page besides the content: layout version, print CSS, fonts."""
    digest = hashlib.sha256(LAYOUT_VERSION.encode())
    static = Path(current_app.static_folder)
    for css in sorted((static / "css").glob("bulletin-*.css")):
        digest.update(css.name.encode() + css.read_bytes())
    for font in sorted((static / "fonts").glob("*.ttf")):
        digest.update(f"{font.name}:{font.stat().st_size}".encode())
    return digest.hexdigest()


def content_hash(html: str, assets: dict[str, bytes]) -> str:
    """A fingerprint of everything that shapes the PDF: HTML, charts, print CSS, fonts."""
    digest = hashlib.sha256(layout_fingerprint().encode())
    digest.update(html.encode())
    for name in sorted(assets):
        digest.update(name.encode() + hashlib.sha256(assets[name]).digest())
    return digest.hexdigest()


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
    if workers is None:
        from .segments import default_workers

        workers = default_workers()
    if workers or in_subprocess:
        from .workers import start_workers

        start_workers()  # the render processes load WeasyPrint while we gather the content
    report(5, "收集稿件与数据")
    content = content_module.gather(salon)
    html = print_html(content)
    fingerprint = content_hash(html, content.charts)
    started = time.perf_counter()
    if workers:
        from .fontmerge import FontMergeError

        try:
            pdf, pages, stats = _build_in_parts(content, workers, report)
        except FontMergeError:
            current_app.logger.exception("bulletin parts could not be joined; one document")
            workers = 0
    if not workers:
        report(20, "排版中")
        pdf, pages, stats = _build_whole(html, content, in_subprocess)
    report(98, "写入文件")
    return Build(pdf, pages, fingerprint, time.perf_counter() - started, *stats)


def _build_whole(html, content, in_subprocess):
    from .layout import RenderJob

    job = RenderJob(html, current_app.static_folder, current_app.config["STORAGE_DIR"],
                    content.charts)
    if in_subprocess:
        result = _render_elsewhere(job)
    else:
        from .pdf import render

        result = render(job)
    return result.pdf, result.pages, (1, 0)


def _build_in_parts(content, workers, report):
    from .assemble import Joiner, collector_paused
    from .segments import build_parts, page_numbers

    metadata = {
        "Title": f"{content.title} {content.issue_label}（{content.month_label}）",
        "Author": content.editor_unit, "Subject": content.salon.topic,
        "Creator": "社区警务沙龙", "Producer": "WeasyPrint 70 + pypdf", "Lang": "zh-CN",
    }
    with collector_paused():
        joiner = Joiner()
        # Parts are cached by their HTML and this: a CSS or font change lays all out anew.
        segments, parts, stats = build_parts(content, workers, layout_fingerprint(), report,
                                             joiner.place)
        numbers = page_numbers(segments, parts)
        pdf = joiner.finish(_outline(segments, numbers), metadata,
                            _toc_number_stamps(parts, numbers))
    return pdf, sum(part.pages for part in parts), (stats.rendered, stats.cached)


def _outline(segments, numbers: dict[str, int]) -> list[tuple[int, str, int]]:
    """The bookmarks: (level 1 or 2, title, 0-based page)."""
    outline = []
    for segment in segments:
        if segment.kind == "cover":
            outline.append((1, "编者按", numbers["sec-note"]))
        elif segment.kind == "topic":
            outline.append((1, "本期主题", numbers["sec-topic"]))
        elif segment.kind == "toc":
            continue
        elif segment.kind == "tail":
            outline += [(1, "回头看", numbers["sec-lookback"]), (1, "数据", numbers["sec-data"])]
        else:
            if segment.heading:
                outline.append((1, segment.label, numbers[f"sec-{segment.section}"]))
            outline += [(2, post.title, numbers[f"post-{post.id}"]) for post in segment.posts]
    return [(level, title, page - 1) for level, title, page in outline]


def _toc_number_stamps(parts, numbers: dict[str, int]) -> list:
    """Each contents entry's page number, right-aligned in the room its part left for it."""
    from .assemble import BOLD, REGULAR, Stamp
    from .segments import start_pages

    stamps = []
    for start, part in zip(start_pages(parts), parts, strict=True):
        for anchor, (page, right, baseline, size, bold) in part.slots.items():
            if anchor in numbers:
                stamps.append(Stamp(start - 1 + page, str(numbers[anchor]), right, baseline,
                                    size, BOLD if bold else REGULAR, align="right"))
    return stamps


def _render_elsewhere(job):
    """Render in a process of its own, so the web process stays responsive and memory is
    returned: forked from the warm render server (WeasyPrint and fonts loaded), then ended."""
    from concurrent.futures import ProcessPoolExecutor

    from .layout import render_whole_in_worker
    from .workers import worker_context

    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        return pool.submit(render_whole_in_worker, job).result()


def current_fingerprint(salon: Salon) -> str:
    """The content hash the salon's bulletin would have if built now (no PDF rendered)."""
    content = content_module.gather(salon)
    return content_hash(print_html(content), content.charts)


def latest_revision(bulletin: Bulletin) -> BulletinRevision | None:
    return bulletin.revisions[-1] if bulletin.revisions else None


def store(salon: Salon, built: Build, user_id: int | None) -> BulletinRevision:
    """Keep a build as the bulletin's draft, replacing an older unpublished draft."""
    bulletin = content_module.bulletin_for(salon)
    old = bulletin.draft
    if old is not None:
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
    """Freeze the newest draft as the next revision; the salon becomes 已出刊."""
    if not user.has_role("organizer"):
        raise BulletinError("只有组织者可以发布专刊。")
    if salon.status not in ("held", "published"):
        raise BulletinError(f"沙龙尚未召开（当前：{salon.status_label}），不能出刊。")
    bulletin = content_module.bulletin_for(salon)
    draft = bulletin.draft
    if draft is None:
        raise BulletinError("没有待发布的样稿，请先生成专刊。")
    if draft.content_hash != current_fingerprint(salon):
        raise BulletinError("样稿生成后内容已有变化，请重新生成后再发布。")
    published = bulletin.published_revisions
    if published and published[-1].content_hash == draft.content_hash:
        raise BulletinError("内容与已发布版本相同，无需再次发布。")
    draft.number = len(published) + 1
    draft.published_at = now()
    draft.published_by_id = user.id
    if salon.status != "published":
        _mark_published(salon)
    return draft


def _mark_published(salon: Salon) -> None:
    """Use the salons state machine where it exists; the rule: only held → published."""
    try:
        from ..salons.services import SalonError, advance_status
    except ImportError:
        salon.status = "published"
        return
    try:
        advance_status(salon, "published")
    except SalonError as error:
        raise BulletinError(str(error)) from error


def revision_bytes(revision: BulletinRevision) -> bytes:
    """The stored file, checked against its SHA-256 so a published PDF is served exactly."""
    data = storage().get(revision.storage_key)
    if hashlib.sha256(data).hexdigest() != revision.sha256:
        raise BulletinError("专刊文件校验失败，请联系管理员。")
    return data


def archive() -> list[BulletinRevision]:
    """Every published revision, newest first, with its salon (for 往期专刊)."""
    from sqlalchemy.orm import contains_eager

    return list(db.session.scalars(
        db.select(BulletinRevision)
        .join(BulletinRevision.bulletin).join(Bulletin.salon)
        .where(BulletinRevision.published_at.is_not(None))
        .options(contains_eager(BulletinRevision.bulletin).contains_eager(Bulletin.salon))
        .order_by(Salon.number.desc(), BulletinRevision.number.desc())
    ).all())


def save_settings(salon: Salon, *, editor_note: str, signed_on, total_number, print_count) -> None:
    """The editor's note and imprint settings from the bulletin page."""
    bulletin = content_module.bulletin_for(salon)
    bulletin.editor_note = editor_note.strip()
    bulletin.signed_on = signed_on
    bulletin.total_number = total_number
    bulletin.print_count = print_count
