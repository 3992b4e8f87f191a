"""问题台账: the problem list as an Excel workbook (problems + events) or a CSV file."""
import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from ..markup import plain_text
from ..timeutil import zh_date
from .inputs import format_value
from .models import Problem, ProblemEvent

LONG_TEXT = 32000  # a cell holds 32,767 characters

# Column title, width, value; one row per problem with every field.
PROBLEM_COLUMNS: list[tuple[str, int, Callable[[Problem], object]]] = [
    ("编号", 8, lambda p: p.id),
    ("标题", 36, lambda p: p.post.title),
    ("状态", 10, lambda p: p.state_label),
    ("是否超期", 8, lambda p: "已超期" if p.is_overdue else ""),
    ("来源", 10, lambda p: p.source_label),
    ("提出人", 10, lambda p: p.post.author.name),
    ("提出单位", 14, lambda p: p.post.unit.name),
    ("所属沙龙", 18, lambda p: p.post.salon.label if p.post.salon else ""),
    ("提出时间", 18, lambda p: p.created_at),
    ("扫描（现象）", 40, lambda p: p.scan),
    ("分析（原因）", 40, lambda p: p.analysis),
    ("应对建议", 40, lambda p: p.proposal),
    ("正文", 50, lambda p: plain_text(p.post.body, LONG_TEXT)),
    ("附议数", 8, lambda p: p.cosign_count),
    ("责任单位", 14, lambda p: p.responsible_unit.name if p.responsible_unit else ""),
    ("办理时限", 14, lambda p: p.deadline),
    ("签收时间", 18, lambda p: p.signed_at),
    ("报结时间", 18, lambda p: p.reported_at),
    ("提请", 12, lambda p: p.escalated_to),
    ("待批延期至", 14, lambda p: p.extension_until),
    ("领导批示", 40, lambda p: "\n".join(
        f"{i.leader.name}（{zh_date(i.at)}）：{i.text}" for i in p.instructions)),
    ("办理结果（评估）", 40, lambda p: plain_text(p.outcome, LONG_TEXT)),
    ("成效数据", 30, lambda p: "；".join(
        f"{f.label} {format_value(f.value)}{f.unit}" for f in p.figures)),
    ("办结时间", 18, lambda p: p.resolved_at),
    ("提出人评价", 10, lambda p: p.satisfaction_label),
    ("解决程度", 10, lambda p: p.solved_label),
    ("回访（群众评价）", 14, lambda p: p.revisit_label),
    ("重新办理次数", 8, lambda p: p.reopen_count),
    ("此前办理结果（历史）", 40, lambda p: "\n".join(
        f"{r.heading}（{zh_date(r.ended_at)}）：{r.outcome}" for r in p.results)),
    ("回头看", 24, lambda p: "\n".join(
        f"{zh_date(v.at)} {v.verdict_label}" for v in p.reviews)),
    ("不予受理理由", 30, lambda p: p.decline_reason),
    ("办结/关闭时间", 18, lambda p: p.closed_at),
]

EVENT_COLUMNS: list[tuple[str, int, Callable[[ProblemEvent], object]]] = [
    ("问题编号", 8, lambda e: e.problem_id),
    ("问题标题", 30, lambda e: e.problem.post.title),
    ("时间", 18, lambda e: e.at),
    ("操作人", 10, lambda e: e.actor.name),
    ("操作人单位", 14, lambda e: e.actor.unit.name),
    ("操作", 10, lambda e: e.action_label),
    ("原状态", 10, lambda e: e.from_label),
    ("新状态", 10, lambda e: e.to_label),
    ("说明", 60, lambda e: e.note),
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def workbook_bytes(problems: list[Problem], events: list[ProblemEvent]) -> bytes:
    """Sheet 问题台账 (one row per problem) and sheet 办理过程 (every event)."""
    from openpyxl import Workbook  # imported on use: ~0.1 s that every app start would pay

    book = Workbook()
    _fill(book.active, "问题台账", PROBLEM_COLUMNS, problems)
    _fill(book.create_sheet(), "办理过程", EVENT_COLUMNS, events)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet, title: str, columns, rows) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = title
    sheet.append([name for name, _, _ in columns])
    for index, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B3D91")
    for item in rows:
        sheet.append([_cell_value(getter(item)) for _, _, getter in columns])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, datetime):  # real Excel dates, shown the Chinese way
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions


def _cell_value(value: object) -> object:
    """Plain values only; text never becomes a formula."""
    return defuse(value) if isinstance(value, str) else value


def csv_bytes(problems: list[Problem]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _, _ in PROBLEM_COLUMNS])
    for problem in problems:
        writer.writerow([defuse(getter(problem)) for _, _, getter in PROBLEM_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def attachment_header(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 (RFC 5987) Chinese name."""
    fallback = "problems" + filename[filename.rfind("."):]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
