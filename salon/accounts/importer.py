"""`flask users import FILE.xlsx`: users and their units from a sheet, all or nothing.

Columns (first row): 用户名, 姓名, 警号, 单位, 角色, and optionally 负责人 (是/否). A unit that does
not exist is created (its kind guessed from its name: …派出所, …警务室, …大队). Every bad row is
reported with its number, and nothing is written unless every row is good.
"""
import io
import zipfile

from ..extensions import db
from ..textnorm import normalise
from .models import ROLES, User
from .services import AccountError, create_user, set_password

COLUMNS = ("用户名", "姓名", "警号", "单位", "角色", "负责人")
REQUIRED = ("用户名", "姓名", "单位", "角色")
ROLE_BY_LABEL = {**{label: code for code, label in ROLES.items()}, **{c: c for c in ROLES},
                 "组织者/督办": "organizer", "领导": "leader"}
YES = {"是", "负责人", "所长", "y", "yes", "1", "true"}
NO = {"", "否", "n", "no", "0", "false"}
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
UNPACKED_MAX = 100 * 1024 * 1024
ERRORS_SHOWN = 10


class SheetError(AccountError):
    """The sheet cannot be imported; the message names the rows."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a 警号 typed into a number cell
    return normalise(str(value)).strip()


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each non-empty row; read-only, size-checked."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise SheetError(f"文件过大（最大 {MAX_BYTES // (1024 * 1024)} MB）。")
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetError("不是有效的 Excel 文件（.xlsx）。")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > UNPACKED_MAX:
            raise SheetError("该 Excel 文件解压后过大。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise SheetError("无法读取该 Excel 文件，请另存为 .xlsx 后重试。") from None
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = [_text(v) for v in next(lines, ())]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SheetError("第 1 行应为表头（" + "、".join(COLUMNS[:5]) + "），缺少："
                               + "、".join(missing) + "。")
        rows = []
        for number, values in enumerate(lines, start=2):
            if number - 1 > MAX_ROWS:
                raise SheetError(f"一次最多导入 {MAX_ROWS} 行。")
            if values is None or all(_text(v) == "" for v in values):
                continue
            rows.append((number, {name: _text(values[i]) for i, name in enumerate(header)
                                  if name and i < len(values)}))
        return rows
    finally:
        book.close()


def import_users(data: bytes, password: str | None = None) -> list[User]:
    """Create every user of the sheet, or none: the error lists the bad rows by number.
    With `password`, each gets it as an initial password to change at first sign-in."""
    rows = read_rows(data)
    if not rows:
        raise SheetError("表中没有数据行。")
    errors: list[str] = []
    seen_names: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    created: list[User] = []
    for number, row in rows:
        try:
            created.append(_create(row, number, seen_names, seen_numbers, password))
        except AccountError as error:
            errors.append(f"第 {number} 行：{error}")
    if errors:
        db.session.rollback()
        more = f"（另有 {len(errors) - ERRORS_SHOWN} 行有误）" if len(errors) > ERRORS_SHOWN else ""
        raise SheetError("未导入任何数据。" + "；".join(errors[:ERRORS_SHOWN]) + more)
    db.session.flush()
    return created


def _create(row: dict[str, str], number: int, seen_names: dict[str, int],
            seen_numbers: dict[str, int], password: str | None) -> User:
    username, name, unit = row.get("用户名", ""), row.get("姓名", ""), row.get("单位", "")
    police_no, role_label = row.get("警号", ""), row.get("角色", "")
    for column, value in (("用户名", username), ("姓名", name), ("单位", unit),
                          ("角色", role_label)):
        if not value:
            raise AccountError(f"{column}不能为空。")
    if len(username) > 64 or len(name) > 64 or len(unit) > 80 or len(police_no) > 32:
        raise AccountError("用户名、姓名最多 64 字，单位最多 80 字，警号最多 32 字。")
    role = ROLE_BY_LABEL.get(role_label)
    if role is None:
        raise AccountError(f"角色“{role_label[:10]}”不对，应为"
                           + "、".join(ROLES.values()) + "之一。")
    head_text = row.get("负责人", "").lower()
    if head_text not in YES | NO:
        raise AccountError(f"负责人一栏应填“是”或留空，而不是“{head_text[:10]}”。")
    if username in seen_names:
        raise AccountError(f"用户名“{username}”与第 {seen_names[username]} 行重复。")
    seen_names[username] = number
    if police_no:
        if police_no in seen_numbers:
            raise AccountError(f"警号“{police_no}”与第 {seen_numbers[police_no]} 行重复。")
        seen_numbers[police_no] = number
    with db.session.no_autoflush:
        user = create_user(username, name, unit, role, police_no=police_no or None,
                           unit_head=head_text in YES)
        if password is not None:
            set_password(user, password, set_by_admin=True)
    db.session.flush()  # the next row's uniqueness checks see this one
    return user
