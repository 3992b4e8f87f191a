"""考核 pages: the ranking, a unit's indicators and how they were computed, entering figures,
the indicator set; unit pages (档案、人员、问题、品牌) and the 品牌 page."""
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Unit, User
from ..errors import DomainError
from ..extensions import db
from ..posts.models import Post
from ..problems.models import Problem
from ..signoff import is_signed
from ..signoff.queries import panel as signoff_panel
from . import charts, report, services, units
from .forms import BrandForm, FigureForm, IndicatorForm, ProfileForm
from .indicators import save_indicator
from .models import Indicator
from .scoring import parse_period

bp = Blueprint("assessment", __name__)


def _show_error(form, error: DomainError) -> None:
    db.session.rollback()
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [error.message]
    else:
        flash(error.message, "danger")


@bp.route("/assessment/")
@login_required
def index():
    """考核: the ranking for leaders and organizers, one's own unit for everyone else."""
    if services.may_view_all(current_user):
        return redirect(url_for(".ranking", period=services.latest_period().code))
    if current_user.has_role("admin"):
        return redirect(url_for(".brands"))
    return redirect(url_for(".unit_indicators", period=services.latest_period().code,
                            unit_id=current_user.unit_id))


@bp.route("/assessment/<period>")
@role_required("leader", "organizer")
def ranking(period: str):
    """The ranking of a period: totals, ranks, change, last places, 缺报, 捆绑考评."""
    assessment = services.assess(period)
    groups: dict[str, list] = {}
    for result in assessment.results:
        groups.setdefault(result.unit.group, []).append(result)
    _, fingerprint = report.report_content(period, assessment)
    signoff = signoff_panel(report.KIND, report.subject_id(assessment.period), current_user,
                            fingerprint) if assessment.indicators else None
    from . import publication

    published = publication.reports(assessment.period.code)
    may_publish = (assessment.indicators and publication.may_publish(current_user)
                   and is_signed(report.KIND, report.subject_id(assessment.period), fingerprint)
                   and all(p.fingerprint != fingerprint for p in published))
    return render_template("assessment/ranking.html", a=assessment, groups=groups,
                           may_enter=services.may_enter(current_user), signoff=signoff,
                           published=published, may_publish=may_publish,
                           fingerprint=fingerprint)


@bp.route("/assessment/<period>/report.xlsx")
@role_required("leader", "organizer")
def export(period: str):
    """The 考核通报 as an .xlsx (ranking, formulas, 捆绑考评, the content's fingerprint)."""
    from .sheet import workbook_bytes

    content, fingerprint = report.report_content(period)
    name = quote(f"{content['period']}考核通报.xlsx")
    return Response(workbook_bytes(content, fingerprint), headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/assessment/<period>/units/<int:unit_id>")
@login_required
def unit_indicators(period: str, unit_id: int):
    """One unit's indicators for a period: raw value, roll-up, normalised, score, weight."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    if not services.may_view_unit(current_user, unit):
        abort(403)
    assessment = services.assess(period)
    result = assessment.result_of(unit.id)
    labels, series = services.trend([unit.id], assessment.period)
    chart = charts.trend_svg(labels, {unit.name: series[unit.id]}) if result else None
    return render_template("assessment/unit.html", a=assessment, unit=unit, result=result,
                           chart=chart, group_size=sum(
                               1 for r in assessment.results
                               if result and r.unit.group == result.unit.group and r.rank))


@bp.route("/assessment/<period>/figures", methods=["GET", "POST"])
@role_required("organizer")
def figures(period: str):
    """填报: one figure at a time, and the grid of what is in and what is 缺报."""
    the_period = parse_period(period)
    indicators = services.active_indicators()
    form = FigureForm()
    form.fill_choices(indicators)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("页面已过期，请刷新后重新提交。", "danger")
            status = 400
        else:
            try:
                figure = services.enter_figure(current_user, form.unit_id.data, period,
                                               form.indicator_id.data, form.value.data,
                                               form.evidence.data)
            except DomainError as error:
                _show_error(form, error)
                status = 400
            else:
                db.session.commit()
                flash(f"已保存：{figure.unit.name} {figure.indicator.name} "
                      f"{figure.value:g}{figure.indicator.value_unit}。", "success")
                return redirect(url_for(".figures", period=the_period.code,
                                        unit=figure.unit_id))
    else:
        form.unit_id.data = request.args.get("unit", "")
    entered = [i for i in indicators if i.source == "entered"]
    unit_rows = db.session.scalars(db.select(Unit).where(Unit.kind.in_(units.ASSESSED_KINDS))
                                   .order_by(Unit.kind.desc(), Unit.name)).all()
    return render_template("assessment/figures.html", form=form, period=the_period,
                           indicators=entered, units=unit_rows,
                           figures=services.figures_of(the_period)), status


@bp.route("/assessment/indicators")
@login_required
def indicators():
    """The indicator set with each formula (口径) and the scoring method."""
    rows = db.session.scalars(db.select(Indicator).order_by(Indicator.position,
                                                            Indicator.id)).all()
    return render_template("assessment/indicators.html", indicators=rows,
                           may_manage=services.may_manage_indicators(current_user))


@bp.route("/assessment/indicators/new", methods=["GET", "POST"])
@role_required("organizer", "admin")
def new_indicator():
    """新增指标."""
    return _indicator_form(None)


@bp.route("/assessment/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@role_required("organizer", "admin")
def edit_indicator(indicator_id: int):
    """修改指标."""
    return _indicator_form(services.get_indicator(indicator_id))


def _indicator_form(indicator):
    form = IndicatorForm()
    status = 200
    if request.method == "GET" and indicator is not None:
        form.fill(indicator)
    elif request.method == "POST":
        if not form.validate_on_submit():
            flash("页面已过期，请刷新后重新提交。", "danger")
            status = 400
        else:
            try:
                saved = save_indicator(current_user, form.input(), indicator)
            except DomainError as error:
                _show_error(form, error)
                status = 400
            else:
                db.session.commit()
                flash(f"已保存指标“{saved.name}”。", "success")
                return redirect(url_for(".indicators"))
    return render_template("assessment/indicator_form.html", form=form,
                           indicator=indicator), status


# --- units and brands ----------------------------------------------------------------------

@bp.route("/brands")
@login_required
def brands():
    """一所一品牌、一室一创新: every unit's brand."""
    return render_template("assessment/brands.html", brands=units.all_brands())


@bp.route("/units/<int:unit_id>")
@login_required
def unit_page(unit_id: int):
    """A unit: profile, brand, people, problems, exemplary posts, ranking over periods."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    people = db.session.scalars(db.select(User).where(
        User.unit_id == unit.id, User.active.is_(True), User.role != "admin")
        .order_by(User.unit_head.desc(), User.name)).all()
    problems = db.session.scalars(
        db.select(Problem).join(Problem.post).where(Problem.responsible_unit_id == unit.id)
        .order_by(Problem.created_at.desc()).limit(20)).all()
    exemplary = db.session.scalars(db.select(Post).where(
        Post.unit_id == unit.id, Post.exemplary.is_(True), Post.status == "submitted")
        .order_by(Post.created_at.desc()).limit(20)).all()
    history, chart = [], None
    if unit.kind in units.ASSESSED_KINDS and services.may_view_unit(current_user, unit):
        last = services.latest_period()
        labels, series = services.trend([unit.id], last)
        history = list(zip(labels, series[unit.id], strict=True))
        chart = charts.trend_svg(labels, {unit.name: series[unit.id]})
    return render_template("assessment/unit_page.html", unit=unit, people=people,
                           problems=problems, exemplary=exemplary,
                           brand=units.brand_of(unit.id), history=history, chart=chart,
                           may_edit_brand=units.may_edit_brand(current_user, unit),
                           may_view=services.may_view_unit(current_user, unit),
                           period=services.latest_period())


@bp.route("/units/<int:unit_id>/brand", methods=["GET", "POST"])
@login_required
def edit_brand(unit_id: int):
    """Edit the unit's brand (its head or an organizer)."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    if not units.may_edit_brand(current_user, unit):
        abort(403)
    brand = units.brand_of(unit.id)
    form = BrandForm(obj=brand)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("页面已过期，请刷新后重新提交。", "danger")
            status = 400
        else:
            try:
                units.save_brand(current_user, unit, form.name.data, form.slogan.data,
                                 form.method.data)
            except DomainError as error:
                _show_error(form, error)
                status = 400
            else:
                db.session.commit()
                flash("品牌已保存。", "success")
                return redirect(url_for(".unit_page", unit_id=unit.id))
    return render_template("assessment/brand_form.html", form=form, unit=unit), status


@bp.route("/units/<int:unit_id>/profile", methods=["GET", "POST"])
@role_required("admin")
def edit_profile(unit_id: int):
    """Admin: 辖区人口, 治安复杂程度系数, 所属派出所, 联系领导."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = ProfileForm()
    form.fill_choices()
    status = 200
    if request.method == "GET":
        form.population.data = "" if unit.population is None else str(unit.population)
        form.complexity.data = f"{unit.complexity:g}"
        form.parent_id.data = str(unit.parent_id or "")
        form.leader_ids.data = [str(u.id) for u in unit.contact_leaders]
    elif not form.validate_on_submit():
        flash("页面已过期，请刷新后重新提交。", "danger")
        status = 400
    else:
        try:
            units.save_profile(unit, form.population.data, form.complexity.data,
                               form.parent_id.data,
                               [int(i) for i in form.leader_ids.data or [] if i.isdigit()])
        except DomainError as error:
            _show_error(form, error)
            status = 400
        else:
            db.session.commit()
            flash(f"已保存{unit.name}的档案。", "success")
            return redirect(url_for(".unit_page", unit_id=unit.id))
    return render_template("assessment/profile_form.html", form=form, unit=unit), status


# --- the published 考核通报 ------------------------------------------------------------------

@bp.route("/assessment/<period>/publish", methods=["POST"])
@role_required("organizer")
def publish(period: str):
    """发布: freeze the signed 通报 (PDF and .xlsx with their SHA-256) as its next revision."""
    from flask_wtf import FlaskForm

    from . import publication

    the_period = parse_period(period)
    if not FlaskForm().validate_on_submit():
        flash("页面已过期，请刷新后重新提交。", "danger")
        return redirect(url_for(".ranking", period=the_period.code)), 400
    try:
        published = publication.publish(the_period.code, current_user, in_subprocess=True)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".ranking", period=the_period.code, _anchor="publish"))
    db.session.commit()
    flash(f"已发布{the_period.label}考核通报（{published.label}），已通知全体民警。", "success")
    return redirect(url_for(".reports"))


@bp.route("/assessment/reports")
@login_required
def reports():
    """考核通报档案: every published revision; circulated internally to every unit."""
    from . import publication

    return render_template("assessment/reports.html", reports=publication.reports(),
                           period=services.latest_period())


@bp.route("/assessment/reports/<int:report_id>.<ext>")
@login_required
def report_file(report_id: int, ext: str):
    """A published 通报's PDF or .xlsx, exactly as frozen (checked against its SHA-256)."""
    from . import publication
    from .models import AssessmentReport

    if ext not in ("pdf", "xlsx"):
        abort(404)
    fmt = ext
    published = db.session.get(AssessmentReport, report_id) or abort(404)
    data = publication.report_bytes(published, fmt)  # a changed file: 500, by errors.py
    name = quote(f"{published.period}考核通报-{published.label}.{fmt}")
    mimetype = ("application/pdf" if fmt == "pdf" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = "inline" if fmt == "pdf" else "attachment"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
        "X-Content-SHA256": published.pdf_sha256 if fmt == "pdf" else published.xlsx_sha256})
