"""问题台账: the problem list as an Excel workbook (problems + events) or a CSV file."""
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from urllib.parse import quote

from ..markup import text_of
from ..textnorm import printable
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
    ("正文", 50, lambda p: p.post.body_text[:LONG_TEXT]),
    ("附议数", 8, lambda p: p.cosign_count),
    ("责任单位", 14, lambda p: p.responsible_unit.name if p.responsible_unit else ""),
    ("办理时限", 14, lambda p: p.deadline),
    ("签收时间", 18, lambda p: p.signed_at),
    ("报结时间", 18, lambda p: p.reported_at),
    ("提请", 12, lambda p: p.escalated_to),
    ("待批延期至", 14, lambda p: p.extension_until),
    ("领导批示", 40, lambda p: "\n".join(
        f"{i.leader.name}（{zh_date(i.at)}）：{i.text}" for i in p.instructions)),
    ("办理结果（评估）", 40, lambda p: text_of(p.outcome_html)[:LONG_TEXT]),
    ("成效数据", 30, lambda p: "；".join(
        f"{f.label} {format_value(f.value)}{f.unit}" for f in p.figures)),
    ("办结时间", 18, lambda p: p.resolved_at),
    ("提出人评价", 10, lambda p: p.satisfaction_label),
    ("解决程度", 10, lambda p: p.solved_label),
    ("回访（群众评价）", 14, lambda p: p.revisit_label if p.revisit_is_current else ""),
    ("重新办理次数", 8, lambda p: p.reopen_count),
    ("此前办理结果（历史）", 40, lambda p: "\n".join(
        f"{r.heading}（{zh_date(r.ended_at)}）：{r.outcome_text}" for r in p.results)),
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
    ("说明", 60, lambda e: e.note_text),
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Text without control characters (openpyxl refuses them; rows stored before input was
    cleaned may hold some), and a formula prefixed with an apostrophe."""
    value = printable(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_workbook(target, batches: Iterable[list[Problem]]) -> None:
    """Sheet 问题台账 (one row per problem) and sheet 办理过程 (every event, problem by
    problem in the ledger's order; batches come with their events loaded), written to the
    file `target` batch by batch in openpyxl's write-only mode: the rows go straight to disk,
    so a ledger of any size costs one batch of memory."""
    from openpyxl import Workbook  # imported on use: ~0.1 s that every app start would pay

    book = Workbook(write_only=True)
    problems = _sheet(book, "问题台账", PROBLEM_COLUMNS)
    events = _sheet(book, "办理过程", EVENT_COLUMNS)
    wrap = _wrap_style()
    rows = {problems.title: 1, events.title: 1}
    for batch in batches:
        for problem in batch:
            problems.append(_row(problems, PROBLEM_COLUMNS, problem, wrap))
            rows[problems.title] += 1
        for event in (event for problem in batch for event in problem.events):
            events.append(_row(events, EVENT_COLUMNS, event, wrap))
            rows[events.title] += 1
    for sheet, columns in ((problems, PROBLEM_COLUMNS), (events, EVENT_COLUMNS)):
        sheet.auto_filter.ref = f"A1:{_column(len(columns))}{rows[sheet.title]}"
    book.save(target)


def _column(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def _sheet(book, title: str, columns):
    """A write-only sheet with its widths, frozen header, filter and bold header row."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    header = []
    for name, _, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B3D91")
        header.append(cell)
    sheet.append(header)
    return sheet


def _wrap_style():
    from openpyxl.styles import Alignment

    return Alignment(wrap_text=True, vertical="top")


def _row(sheet, columns, item, wrap) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for _, _, getter in columns:
        cell = WriteOnlyCell(sheet, value=_cell_value(getter(item)))
        cell.alignment = wrap
        if isinstance(cell.value, datetime):  # real Excel dates, shown the Chinese way
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
        cells.append(cell)
    return cells


def _cell_value(value: object) -> object:
    """Plain values only; text never becomes a formula."""
    return defuse(value) if isinstance(value, str) else value


def csv_lines(batches: Iterable[list[Problem]]) -> Iterator[str]:
    """The CSV a line at a time (UTF-8 with a BOM, so Excel opens the Chinese correctly),
    for a streamed answer: nothing waits for the whole ledger."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([name for name, _, _ in PROBLEM_COLUMNS])
    yield "\ufeff" + take()
    for batch in batches:
        for problem in batch:
            writer.writerow([defuse(getter(problem)) for _, _, getter in PROBLEM_COLUMNS])
        yield take()


def attachment_header(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 (RFC 5987) Chinese name."""
    fallback = "problems" + filename[filename.rfind("."):]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
