"""群众建议 files: the 访查登记表 import page and template, and each unit's poster (PDF)."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from ..accounts.auth import role_required
from ..errors import DomainError, Missing
from ..extensions import db
from . import services
from .views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetForm(FlaskForm):
    file = FileField("访查登记表（.xlsx）")


def _download(body: bytes, mimetype: str, filename: str, ascii_name: str) -> Response:
    from urllib.parse import quote

    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response


@bp.route("/import", methods=["GET", "POST"])
@role_required("organizer")
def import_sheet():
    """导入访查登记表: all rows or none; the bad rows named by number."""
    from .importer import import_workbook

    form = SheetForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is None or not upload.filename:
                raise services.InvalidInput("请选择要导入的 .xlsx 文件。")
            created = import_workbook(upload.read(), current_user)
        except DomainError as error:
            db.session.rollback()
            form.file.errors = [error.message]
            status = 400
        else:
            db.session.commit()
            flash(f"已导入 {len(created)} 条群众建议。", "success")
            return redirect(url_for("suggestions.index", status="new"))
    elif request.method == "POST":
        form.file.errors = ["页面已过期，请刷新后重新提交。"]
        status = 400
    return render_template("suggestions/import.html", form=form), status


@bp.route("/import/template.xlsx")
@role_required("organizer")
def import_template():
    """The 访查登记表 template sheet."""
    from .importer import template_bytes

    return _download(template_bytes(), XLSX, "访查登记表模板.xlsx", "template.xlsx")


@bp.route("/posters")
@login_required
def posters():
    """宣传海报: one printable A4 poster per unit, its QR code opening the public form."""
    from flask import current_app

    if not services.may_register(current_user):
        raise services.NotAllowed("管理员负责用户与单位，不处理群众建议。")
    return render_template("suggestions/posters.html", units=services.stations(),
                           public_url=current_app.config["PUBLIC_SITE_URL"])


@bp.route("/posters/<int:unit_id>.pdf")
@login_required
def poster(unit_id: int):
    """One unit's A4 poster (PDF)."""
    from ..accounts.models import Unit
    from .poster import poster_pdf

    if not services.may_register(current_user):
        raise services.NotAllowed("管理员负责用户与单位，不处理群众建议。")
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise Missing("该单位不存在。")
    return _download(poster_pdf(unit), "application/pdf", f"{unit.name}-群众建议海报.pdf",
                     f"poster-{unit.id}.pdf")


EXPORT_COLUMNS = (
    ("编号", lambda s: s.id), ("收集日期", lambda s: s.received_on.isoformat()),
    ("渠道", lambda s: s.channel_label), ("状态", lambda s: s.status_label),
    ("建议内容", lambda s: s.text), ("地点", lambda s: s.place),
    ("涉及单位", lambda s: s.unit.name if s.unit else ""),
    ("联系方式", lambda s: s.contact),  # the desk's own export: the one place it leaves
    ("关联问题", lambda s: s.problem_id or ""), ("不予采纳理由", lambda s: s.decline_reason),
    ("首次答复", lambda s: s.first_answer_at.isoformat(sep=" ", timespec="minutes")
     if s.first_answer_at else ""),
    ("群众评价", lambda s: s.verdict_label),
)


@bp.route("/export.csv")
@role_required("organizer")
def export():
    """The desk's list of every suggestion (with contacts) as CSV, streamed."""
    import csv
    import io

    from flask import stream_with_context
    from sqlalchemy.orm import selectinload

    from ..problems.ledger import attachment_header, defuse
    from ..timeutil import now
    from .models import Suggestion

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([name for name, _ in EXPORT_COLUMNS])
        yield "\ufeff" + buffer.getvalue()
        query = (db.select(Suggestion).options(selectinload(Suggestion.unit))
                 .order_by(Suggestion.id).execution_options(yield_per=500))
        for suggestion in db.session.scalars(query):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([defuse(get(suggestion)) for _, get in EXPORT_COLUMNS])
            yield buffer.getvalue()

    response = Response(stream_with_context(lines()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_header(
        f"群众建议-{now():%Y%m%d}.csv")
    return response
