"""专刊 pages: the archive, a salon's bulletin page, build/publish, downloads, build status."""
from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..errors import InvalidInput
from ..extensions import db
from ..salons.models import Salon
from ..salons.services import salon_of_month
from ..signoff.queries import panel as signoff_panel
from ..signoff.services import record_of
from . import distribution, jobs, services, signing
from .content import bulletin_for, has_posts
from .forms import SettingsForm
from .models import BulletinRevision

bp = Blueprint("bulletin", __name__, url_prefix="/bulletins")


@bp.route("/")
@login_required
def archive():
    """往期专刊: every published bulletin, newest first."""
    revisions = services.archive()
    counts = distribution.download_counts([r.id for r in revisions]) \
        if current_user.has_role("organizer", "leader") else None
    return render_template("bulletin/archive.html", revisions=revisions, counts=counts)


@bp.route("/<month>")
@login_required
def page(month: str):
    """A salon's bulletin: preview, editor's note, build and publish, downloads."""
    salon = salon_of_month(month)
    bulletin = bulletin_for(salon, create=False)
    form = SettingsForm(obj=bulletin)
    content = signing.issue_content(salon) if has_posts(salon) else None
    preview = services.preview_html(content) if content else None
    signoff = None
    if bulletin.id:  # the sign-off is keyed by the bulletin (made by the first save or build)
        words = signing.words_of(content, record_of(signing.KIND, bulletin.id)) \
            if content else None
        signoff = signoff_panel(signing.KIND, bulletin.id, current_user, words)
    rates = reminded = downloads = None
    if bulletin.id and bulletin.published_revisions:
        if distribution.record_read(bulletin, current_user):  # 已阅: opening the issue
            db.session.commit()
        if current_user.has_role("organizer", "leader"):
            rates = distribution.read_rates(bulletin)
            reminded = distribution.last_reminder(bulletin)
            downloads = distribution.download_counts(
                [r.id for r in bulletin.published_revisions])
    return render_template("bulletin/page.html", salon=salon, bulletin=bulletin, form=form,
                           preview=preview, job=jobs.latest_job(salon), signoff=signoff,
                           rates=rates, reminded=reminded, downloads=downloads)


@bp.route("/<month>/settings", methods=["POST"])
@role_required("organizer")
def settings(month: str):
    """Save the editor's note and imprint."""
    salon = salon_of_month(month)
    form = SettingsForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for(".page", month=month))
    try:
        services.save_settings(salon, editor_note=form.editor_note.data or "",
                               total_number=form.total_number.data,
                               print_count=form.print_count.data)
    except InvalidInput as error:  # an editor's note over the Markdown budget
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".page", month=month))
    db.session.commit()
    flash("编者按与刊头设置已保存。", "success")
    return redirect(url_for(".page", month=month))


@bp.route("/<month>/build", methods=["POST"])
@role_required("organizer")
def build(month: str):
    """Queue a build; the page polls the status."""
    salon = salon_of_month(month)
    if not has_posts(salon):
        return _refuse(month, f"{salon.label}还没有已提交的稿件，无法编印专刊。", 400)
    job = jobs.enqueue(salon, current_user.id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(_job_state(salon, job)), 202
    flash("已加入排版队列。", "info")
    return redirect(url_for(".page", month=month))


@bp.route("/<month>/status")
@login_required
def status(month: str):
    """The newest build job of the salon, for the page's progress bar."""
    salon = salon_of_month(month)
    return jsonify(_job_state(salon, jobs.latest_job(salon)))


@bp.route("/<month>/publish", methods=["POST"])
@role_required("organizer")
def publish(month: str):
    """Freeze the newest draft as a published revision."""
    salon = salon_of_month(month)
    try:
        revision = services.publish(salon, current_user)
    except services.BulletinError as error:
        db.session.rollback()
        return _refuse(month, str(error), 409)
    db.session.commit()
    flash(f"专刊{revision.label}已发布。", "success")
    return redirect(url_for(".page", month=month))


@bp.route("/<month>/remind", methods=["POST"])
@role_required("organizer")
def remind(month: str):
    """提醒未读: notify the readers who have not opened the published bulletin (once a day)."""
    salon = salon_of_month(month)
    bulletin = bulletin_for(salon, create=False)
    if bulletin.id is None:
        abort(404)
    try:
        told = distribution.remind_unread(bulletin, current_user)
    except distribution.TraceError as error:
        db.session.rollback()
        return _refuse(month, str(error), 409)
    db.session.commit()
    flash(f"已提醒 {told} 名未读人员。" if told else "所有人员均已阅读，无需提醒。", "success")
    return redirect(url_for(".page", month=month))


@bp.route("/<month>/revisions/<int:revision_id>.pdf")
@login_required
def download(month: str, revision_id: int):
    """A copy of the stored PDF stamped for the person downloading it, recorded so that
    `flask bulletin trace` finds it (drafts only for organizers and leaders). The frozen file
    itself is checked against its SHA-256 first and never changed."""
    salon = salon_of_month(month)
    revision = db.session.get(BulletinRevision, revision_id)
    if revision is None or revision.bulletin.salon_id != salon.id:
        abort(404)
    if revision.published_at is None and not current_user.has_role("organizer", "leader"):
        abort(403)  # a sample: for the organizers who make it and the leaders who sign it
    try:
        pdf = distribution.copy_for(revision, current_user, request.remote_addr)
    except services.BulletinError as error:
        db.session.rollback()
        return _refuse(month, str(error), 500)
    db.session.commit()
    response = make_response(pdf)
    name = f"社区警务沙龙专刊-第{salon.number}期-{revision.label}.pdf"
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    # The frozen file this copy was stamped from (the copy itself differs per download).
    response.headers["X-Source-SHA256"] = revision.sha256
    return response


def _refuse(month: str, message: str, code: int):
    """Say no: JSON for the page's script, a flash message and redirect otherwise."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), code
    flash(message, "danger")
    return redirect(url_for(".page", month=month)), 303


def _job_state(salon: Salon, job) -> dict:
    if job is None:
        return {"status": "none", "progress": 0, "message": "尚未生成"}
    return {
        "id": job.id, "status": job.status, "label": job.status_label, "progress": job.progress,
        "message": job.message, "ahead": jobs.queue_position(job) if job.active else 0,
        "page": url_for(".page", month=salon.month),
    }
