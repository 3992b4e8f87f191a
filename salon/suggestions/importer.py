"""访查登记表 sheets: a template to fill in, and an import that writes all rows or none."""
import io
import zipfile
from datetime import date, datetime

from flask import current_app

from ..accounts.models import Unit, User
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..textnorm import normalise
from ..timeutil import today
from .models import CHANNELS, OFFICER_CHANNELS, Suggestion
from .services import SuggestionInput, check_input, new_code, tell_desk

COLUMNS = ("收集日期", "渠道", "建议内容", "地点", "涉及单位", "联系方式")
REQUIRED = ("建议内容",)
MAX_ROWS = 2000
UNPACKED_MAX = 50 * 1024 * 1024  # a 2,000-row sheet unpacks to a few MB
ERRORS_SHOWN = 20
_CHANNEL_BY_LABEL = {CHANNELS[c]: c for c in OFFICER_CHANNELS}


def template_bytes() -> bytes:
    """The 访查登记表 template: the header row, one example row, and how to fill it in."""
    from openpyxl import Workbook  # imported on use, as the ledger does
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "访查登记表"
    sheet.append(COLUMNS)
    sheet.append(["2026-11-20", "登记表", "建议对汽车乱停乱放加大处罚力度，特别是停在人行道上的。",
                  "城关镇人民路", "城关派出所", "王先生 13800000000"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (12, 10, 60, 20, 16, 24), strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    for line in (
        "每行一条群众意见建议；第一行为表头，请勿改动。示例行请删除后再填。",
        "收集日期：如 2026-11-20，不填则为导入当天，不能晚于今天。",
        "渠道：" + "、".join(_CHANNEL_BY_LABEL) + "，不填为“登记表”。",
        "建议内容：必填，最多 2000 字。",
        "涉及单位：须与系统中的单位名称一致，可不填。",
        "联系方式：选填，只有督办人员能看到。",
        "有任何一行出错时整张表都不导入，请按提示的行号改正后重新导入。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_workbook(data: bytes, registered_by: User | None) -> list[Suggestion]:
    """Every row of the first sheet becomes a suggestion, or nothing is written (the caller
    commits; an InvalidInput lists the bad rows by number)."""
    rows = _read_rows(data)
    # Kept in a list: the session's identity map holds weak references, and each row's check
    # of its unit finds it there (a dict of ids alone let them go: one SELECT a row).
    known = db.session.scalars(db.select(Unit)).all()
    units = {u.name: u.id for u in known}
    errors: list[str] = []
    inputs: list[SuggestionInput] = []
    for number, values in rows:
        try:
            inputs.append(_row_input(values, units))
        except DomainError as error:
            errors.append(f"第 {number} 行：{error.message}")
    if errors:
        more = f"（另有 {len(errors) - ERRORS_SHOWN} 行有误）" if len(errors) > ERRORS_SHOWN else ""
        raise InvalidInput("登记表有误，未导入任何一行：" + "；".join(errors[:ERRORS_SHOWN]) + more)
    if not inputs:
        raise InvalidInput("登记表中没有数据行。")
    created = []
    for data_in in inputs:
        suggestion = Suggestion(
            code=new_code(), channel=data_in.channel, text=data_in.text.strip(),
            place=data_in.place.strip(), contact=data_in.contact.strip(),
            unit_id=data_in.unit_id, received_on=data_in.received_on,
            registered_by=registered_by, status="new")
        db.session.add(suggestion)
        created.append(suggestion)
    db.session.flush()
    tell_desk(f"导入访查登记表 {len(created)} 条群众建议，待处理。", exclude=registered_by)
    return created


def _read_rows(data: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    limit = current_app.config["SUGGESTIONS_IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise InvalidInput(f"文件过大（最大 {limit // (1024 * 1024)} MB）。")
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput("不是有效的 Excel 文件（.xlsx），请用下载的模板填写。")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a small file that unpacks to gigabytes
        if sum(info.file_size for info in archive.infolist()) > UNPACKED_MAX:
            raise InvalidInput("该 Excel 文件解压后过大，请只保留访查登记表的内容后重新导入。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput("无法读取该 Excel 文件，请用下载的模板填写后另存为 .xlsx。") from None
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(lines, ())]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InvalidInput("第 1 行应为表头（" + "、".join(COLUMNS) + "），缺少："
                               + "、".join(missing) + "。")
        rows = []
        for number, values in enumerate(lines, start=2):
            if number - 1 > MAX_ROWS:
                raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行，请分几次导入。")
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            rows.append((number, {name: values[i] for i, name in enumerate(header)
                                  if name and i < len(values)}))
        return rows
    finally:
        book.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return normalise(str(value)).strip()


def _date(value) -> date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise InvalidInput(f"收集日期“{text[:20]}”格式不正确，应如 2026-11-20。") from None


def _row_input(values: dict, units: dict[str, int]) -> SuggestionInput:
    channel_label = _text(values.get("渠道")) or "登记表"
    channel = _CHANNEL_BY_LABEL.get(channel_label)
    if channel is None:
        raise InvalidInput(f"渠道“{channel_label[:10]}”不对，应为"
                           + "、".join(_CHANNEL_BY_LABEL) + "之一。")
    unit_name = _text(values.get("涉及单位"))
    if unit_name and unit_name not in units:
        raise InvalidInput(f"单位“{unit_name[:20]}”在系统中不存在。")
    data = SuggestionInput(
        text=_text(values.get("建议内容")), place=_text(values.get("地点")),
        contact=_text(values.get("联系方式")), unit_id=units.get(unit_name),
        channel=channel, received_on=_date(values.get("收集日期")))
    check_input(data)
    data.received_on = data.received_on or today()
    return data
