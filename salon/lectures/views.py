"""讲坛 pages: the list per unit, one lecture (materials, attendance), a unit's weekly school."""
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Unit
from ..errors import DomainError, Missing
from ..extensions import db, limiter
from ..storage import StorageError, storage
from ..textnorm import ascii_int
from . import materials, services
from .forms import LectureForm, MaterialForm, SignInForm
from .models import KINDS, LectureMaterial

bp = Blueprint("lectures", __name__, url_prefix="/lectures")


@bp.route("/")
@login_required
def index():
    """讲坛: lectures of every unit or one, newest first."""
    unit_id = ascii_int(request.args.get("unit"), low=1)
    kind = request.args.get("kind", "")
    page = db.paginate(services.lectures_query(unit_id, kind), per_page=30, error_out=False)
    units = db.session.scalars(db.select(Unit).order_by(Unit.id)).all()
    counts = services.attendance_counts([lecture.id for lecture in page.items])
    return render_template("lectures/index.html", page=page, units=units, unit_id=unit_id,
                           kind=kind if kind in KINDS else "", kinds=KINDS, counts=counts,
                           may_record=services.may_record(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required("organizer")
def new():
    """登记讲坛."""
    form = LectureForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "weekend_school")
        form.unit_id.data = request.args.get("unit", "")
    return _save(form, None)


@bp.route("/<int:lecture_id>/edit", methods=["GET", "POST"])
@role_required("organizer")
def edit(lecture_id: int):
    """修改讲坛."""
    lecture = services.get_lecture(lecture_id)
    form = LectureForm()
    if request.method == "GET":
        form.fill(lecture)
    return _save(form, lecture)


def _save(form: LectureForm, lecture):
    status = 200
    if form.validate_on_submit():
        try:
            lecture = services.save_lecture(current_user, form.input(), lecture)
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None:
                field.errors = [error.message]
            else:
                flash(error.message, "danger")
            status = 400
        else:
            db.session.commit()
            flash("已保存。可以继续上传讲稿、课件等材料。", "success")
            return redirect(url_for("lectures.detail", lecture_id=lecture.id))
    elif request.method == "POST":
        if form.held_on.errors:
            form.held_on.errors = ["日期格式不正确。"]
        else:
            flash("页面已过期，请刷新后重新提交。", "danger")
        status = 400
    return render_template("lectures/form.html", form=form, lecture=lecture), status


@bp.route("/<int:lecture_id>")
@login_required
def detail(lecture_id: int):
    """One lecture: speaker, summary, materials (with a PDF's first page), attendance."""
    lecture = services.get_lecture(lecture_id)
    attended = any(a.user_id == current_user.id for a in lecture.attendance)
    return render_template("lectures/detail.html", lecture=lecture, attended=attended,
                           may_record=services.may_record(current_user),
                           may_attend=services.may_attend(current_user),
                           material_form=MaterialForm(), sign_form=SignInForm())


@bp.route("/<int:lecture_id>/materials", methods=["POST"])
@role_required("organizer")
@limiter.limit("60/hour")
def upload(lecture_id: int):
    """Add a material; its type is read from the content."""
    lecture = services.get_lecture(lecture_id)
    form = MaterialForm()
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后重新上传。", "danger")
        return redirect(url_for("lectures.detail", lecture_id=lecture.id))
    upload = form.file.data
    try:
        if upload is None or not upload.filename:
            raise services.InvalidInput("请选择要上传的材料文件。")
        material = materials.add_material(lecture, current_user, upload.filename, upload.read())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"已上传：{material.filename}", "success")
    return redirect(url_for("lectures.detail", lecture_id=lecture.id))


@bp.route("/materials/<int:material_id>/delete", methods=["POST"])
@role_required("organizer")
def delete_material(material_id: int):
    """Remove a material (a wrong file); its bytes go once the removal commits."""
    material = _material(material_id)
    lecture_id = material.lecture_id
    if not SignInForm().validate_on_submit():
        flash("页面已过期，请刷新后重试。", "danger")
    else:
        materials.remove_material(material)
        db.session.commit()
        flash(f"已删除：{material.filename}", "success")
    return redirect(url_for("lectures.detail", lecture_id=lecture_id))


@bp.route("/<int:lecture_id>/attend", methods=["POST"])
@login_required
def attend(lecture_id: int):
    """签到."""
    lecture = services.get_lecture(lecture_id)
    if not SignInForm().validate_on_submit():
        flash("页面已过期，请刷新后重新签到。", "danger")
    else:
        try:
            services.sign_in(lecture, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "warning" if error.status == 409 else "danger")
        else:
            db.session.commit()
            flash("签到成功。", "success")
    return redirect(url_for("lectures.detail", lecture_id=lecture.id))


def _material(material_id: int) -> LectureMaterial:
    material = db.session.get(LectureMaterial, material_id)
    if material is None:
        raise Missing("该材料不存在。")
    return material


@bp.route("/materials/<int:material_id>")
@login_required
def download(material_id: int):
    """A material, always as an attachment (never shown inline), to signed-in users only."""
    material = _material(material_id)
    try:
        data = storage().get(material.key)
    except StorageError:
        raise Missing("材料文件已丢失，请联系组织者重新上传。") from None
    response = Response(data, mimetype=material.content_type)
    ascii_name = f"lecture-{material.lecture_id}-{material.id}.{material.kind}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(material.filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'none'; frame-ancestors 'none'; sandbox")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/materials/<int:material_id>/preview.png")
@login_required
def preview(material_id: int):
    """The first page of a PDF material, as an image."""
    material = _material(material_id)
    if not material.preview_key:
        raise Missing("该材料没有预览图。")
    try:
        data = storage().get(material.preview_key)
    except StorageError:
        raise Missing("预览图已丢失。") from None
    response = current_app.response_class(data, mimetype="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/school/<int:unit_id>")
@login_required
def school(unit_id: int):
    """A unit's 民警周末学校 as a series (第N讲)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise Missing("该单位不存在。")
    return render_template("lectures/school.html", unit=unit,
                           sessions=services.weekly_school(unit),
                           may_record=services.may_record(current_user))
