"""The 考核通报 published: a PDF (through the bulletin's render seam, its fonts and house style)
and the .xlsx, frozen with their SHA-256 once a leader has signed (签发) exactly this content.

- `publish(period, actor)`: organizers only; refused unless `signoff.is_signed` holds for the
  content's fingerprint now (unsigned, or changed since 签发: a new 送审/签发 is needed).
  Each publication of a period is the next revision (第 N 版); none is ever changed, so a
  weight or a figure changed later does not alter what was published.
- `build_pdf(frozen)`: the PDF of a frozen content (ranking per group, trend charts,
  捆绑考评, the indicators' formulas), laid out as one document by render/pipeline.
- `report_bytes(report, fmt)`: a stored file, checked against its SHA-256.
"""
import hashlib
import json
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..notifications.services import notify
from ..signoff import is_signed
from ..signoff.services import record_of
from ..storage import put_for_transaction, storage
from ..timeutil import now
from . import report, services
from .models import DIRECTIONS, AssessmentReport
from .scoring import parse_period

TREND_PERIODS = 4
UNITS_PER_CHART = 8  # more lines than this on one chart cannot be told apart
PRINT_CSS = ("/static/css/bulletin-print.css", "/static/css/bulletin-pagenumbers.css",
             "/static/css/assessment-print.css")
# The formulas table's short labels (the page's long ones would wrap a narrow column).
SHORT_NORMALISATIONS = {"none": "不折算", "per_officer": "每名民警", "per_10k_residents": "每万人"}
SHORT_ROLLUPS = {"none": "不汇总", "sum": "累加", "mean": "人口加权平均"}
NOT_SIGNED = "考核通报尚未经局领导签发，不能发布。请先送审，待局领导签发后再发布。"
STALE = ("考核通报签发后内容已有变化（指标权重、填报数据或口径），不能按原签发发布。"
         "请重新送审，待局领导签发后再发布。")


def may_publish(user) -> bool:
    return user.is_authenticated and user.has_role("organizer")


def title_of(period_label: str) -> str:
    bureau = current_app.config["ASSESSMENT_BUREAU"] or ""
    return f"{bureau} {period_label}社区警务考核通报".strip()


def frozen_content(period_text: str) -> tuple[dict, str]:
    """What a publication freezes: `report_content` (the signed ranking, weights, formulas and
    捆绑考评, and its fingerprint) plus the title and each unit's trend over the last periods."""
    assessment = services.assess(period_text)
    content, fingerprint = report.report_content(period_text, assessment)
    units = [r.unit for r in assessment.results]
    labels, series = services.trend([u.id for u in units], assessment.period, TREND_PERIODS)
    # periods before the first one with any total are left off (nothing to draw there)
    first = next((i for i in range(len(labels)) if any(v[i] is not None
                                                       for v in series.values())), len(labels) - 1)
    labels = labels[first:]
    series = {unit_id: values[first:] for unit_id, values in series.items()}
    groups: dict[str, dict[str, list]] = {}
    for unit in units:
        groups.setdefault(unit.group, {})[unit.name] = series[unit.id]
    content = {**content, "title": title_of(assessment.period.label),
               "trend": {"labels": labels, "groups": groups}}
    return content, fingerprint


def _charts(content: dict) -> list[tuple[str, str, bytes]]:
    """(asset name, caption, SVG) per group, at most UNITS_PER_CHART units on a chart."""
    from .charts import trend_svg

    charts = []
    labels = content["trend"]["labels"]
    for g_index, (group, series) in enumerate(content["trend"]["groups"].items()):
        names = list(series)
        chunks = [names[i:i + UNITS_PER_CHART] for i in range(0, len(names), UNITS_PER_CHART)]
        for c_index, chunk in enumerate(chunks):
            part = f"（{c_index + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
            svg = trend_svg(labels, {name: series[name] for name in chunk},
                            title=f"{group}考核总分走势{part}", for_print=True)
            charts.append((f"trend-{g_index}-{c_index}.svg", f"{group}{part}",
                           str(svg).encode()))
    return charts


def print_html(content: dict, fingerprint: str, signer: str | None, signed_on: str | None,
               revision: int | None, charts: list[tuple[str, str, bytes]]) -> str:
    from ..bulletin.render.layout import ASSETS_PREFIX

    names = {i["code"]: i["name"] for i in content["indicators"]}
    groups: dict[str, list] = {}
    for row in content["ranking"]:
        groups.setdefault(row["group"], []).append(row)
    return render_template(
        "assessment/report_print.html", c=content, fingerprint=fingerprint, signer=signer,
        signed_on=signed_on, revision=revision, groups=groups, names=names,
        charts=[(ASSETS_PREFIX + name, caption) for name, caption, _ in charts],
        stylesheets=PRINT_CSS, directions=DIRECTIONS, normalisations=SHORT_NORMALISATIONS,
        rollups=SHORT_ROLLUPS)


def build_pdf(content: dict, fingerprint: str, signer: str | None = None,
              signed_on: str | None = None, revision: int | None = None,
              in_subprocess: bool = False):
    """The 通报's PDF: a RenderResult (pdf, pages, seconds)."""
    from ..bulletin.services import renderer

    charts = _charts(content)
    html = print_html(content, fingerprint, signer, signed_on, revision, charts)
    return renderer().render_document(html, {name: svg for name, _, svg in charts},
                                      in_subprocess=in_subprocess)


def date_label(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def publish(period_text: str, actor: User, in_subprocess: bool = False) -> AssessmentReport:
    """Freeze the signed 通报 of the period as its next revision; the caller commits."""
    from .sheet import workbook_bytes

    if not may_publish(actor):
        raise NotAllowed("只有组织者可以发布考核通报。")
    period = parse_period(period_text)
    if not services.active_indicators():
        raise InvalidInput("尚未设置考核指标，无法发布考核通报。")
    content, fingerprint = frozen_content(period.code)
    subject = report.subject_id(period)
    record = record_of(report.KIND, subject)
    if not is_signed(report.KIND, subject, fingerprint):
        raise Conflict(STALE if record is not None and record.state == "signed" else NOT_SIGNED)
    done = db.session.scalar(db.select(AssessmentReport).filter_by(
        period=period.code, fingerprint=fingerprint))
    if done is not None:
        raise Conflict(f"本期考核通报已按此次签发的内容发布（{done.label}），无需重复发布。")
    number = (db.session.scalar(db.select(func.max(AssessmentReport.number))
                                .where(AssessmentReport.period == period.code)) or 0) + 1
    signer = record.signed_by
    content["signed_by"], content["signed_on"] = signer.name, date_label(record.signed_at)
    content["revision"] = number
    rendered = build_pdf(content, fingerprint, signer.name, content["signed_on"], number,
                         in_subprocess=in_subprocess)
    sheet = workbook_bytes(content, fingerprint)
    base = f"assessment/{period.code}/r{number}-{fingerprint[:12]}"
    pdf = put_for_transaction(base + ".pdf", rendered.pdf, "application/pdf")
    xlsx = put_for_transaction(base + ".xlsx", sheet, "application/vnd.openxmlformats-"
                               "officedocument.spreadsheetml.sheet")
    published = AssessmentReport(
        period=period.code, number=number, fingerprint=fingerprint,
        pdf_key=pdf.key, pdf_sha256=pdf.sha256, pdf_size=pdf.size, pages=rendered.pages,
        xlsx_key=xlsx.key, xlsx_sha256=xlsx.sha256, xlsx_size=xlsx.size,
        content=json.dumps(content, ensure_ascii=False, sort_keys=True),
        signed_by_id=signer.id, signed_at=record.signed_at, published_by_id=actor.id,
        published_at=now())
    db.session.add(published)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("该考核通报刚刚已由他人发布，请刷新页面查看。") from None
    officers = db.session.scalars(db.select(User.id).where(
        User.role == "officer", User.active.is_(True)))
    notify(officers, "assessment", f"{content['title']}（{published.label}）已发布，"
           "请查阅本单位名次与各项指标。", "/assessment/reports",
           exclude=actor)
    return published


def reports(period: str | None = None) -> list[AssessmentReport]:
    """Published 通报, newest period and revision first (signer and publisher loaded)."""
    query = db.select(AssessmentReport).options(
        db.joinedload(AssessmentReport.signed_by), db.joinedload(AssessmentReport.published_by))
    if period is not None:
        query = query.where(AssessmentReport.period == period)
    return list(db.session.scalars(query.order_by(AssessmentReport.period.desc(),
                                                  AssessmentReport.number.desc())))


def report_bytes(published: AssessmentReport, fmt: str) -> bytes:
    """The stored PDF or .xlsx, checked against its SHA-256 (a published 通报 is served
    exactly as frozen)."""
    key, digest = ((published.pdf_key, published.pdf_sha256) if fmt == "pdf"
                   else (published.xlsx_key, published.xlsx_sha256))
    data = storage().get(key)
    if hashlib.sha256(data).hexdigest() != digest:
        raise Conflict("考核通报文件校验失败，请联系管理员。", status=500)
    return data
