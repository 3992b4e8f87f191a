"""Clean input at the boundary, in one place: text, numbers, integers, dates, JSON.

Every text that comes in — form fields and query arguments (`CleanRequest`), JSON bodies
(`CleanJSONProvider`), imports (`normalise`), Word files — goes through `clean`: line ends
become `\\n`, control characters are removed (tab and newline kept; Word's vertical tab and
form feed become a newline), lone surrogates are refused, and the text is NFC. Numbers must be
finite, integers bounded and written in ASCII digits, dates within `DATE_RANGE`, JSON no deeper
than `JSON_MAX_DEPTH`. What is refused is an `InvalidInput` (400) with a Chinese message.
`printable` is the same cleaning on the way out, for rows stored before it existed.
"""
import json
import math
import re
import unicodedata
from datetime import date, datetime

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from .errors import InvalidInput

# Control characters (C0 but tab and newline, DEL, C1) and the two XML non-characters: none
# is ever typed on purpose, and XML writers (openpyxl, pygal, WeasyPrint's input) refuse them.
_CONTROLS = {cp: None for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF]
             if cp not in (0x09, 0x0A)}
_CONTROLS[0x0B] = _CONTROLS[0x0C] = 0x0A  # Word's manual line break and page break
_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = "提交的文字中含有无效字符（孤立的代理码点），请检查后重新输入。"

INT_MAX = 2**31 - 1  # ids and counts: anything larger cannot be right (and overflows SQL)
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))
JSON_MAX_DEPTH = 32

# Full-width letters, digits and symbols that Chinese typography does not use as punctuation.
# The Chinese comma, colon, brackets etc. (，：；！？（）) are kept: they are correct Chinese.
_KEEP_FULL_WIDTH = set("，：；！？（）【】｛｝［］《》〈〉、。“”‘’～")
_HALF_WIDTH = {
    cp: cp - 0xFEE0
    for cp in range(0xFF01, 0xFF5F)
    if chr(cp) not in _KEEP_FULL_WIDTH
}
_HALF_WIDTH[0x3000] = 0x20  # ideographic space

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# 社區(qū) → 社區: a syllable with a tone mark in brackets right after a Han character.
_PINYIN_DEBRIS = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（](?=[a-z{_TONE_MARKS}]*[{_TONE_MARKS}])[a-z{_TONE_MARKS}]{{1,7}}[)）]"
)


def clean(text: str) -> str:
    """NFC, `\\n` line ends, no control characters; a lone surrogate is refused."""
    if _SURROGATE.search(text):
        raise InvalidInput(SURROGATE_MESSAGE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
    return unicodedata.normalize("NFC", text)


def clean_option(_ctx, param, value: str | None) -> str | None:
    """A click callback: a command-line text goes through `clean` like any other input. Bytes
    that are not UTF-8 (a GBK terminal) arrive as lone surrogates: one clear line, exit 1."""
    if value is None:
        return None
    try:
        return clean(value)
    except InvalidInput as error:
        import click

        name = param.opts[0] if param.opts else param.name
        raise click.ClickException(f"{name}：{error.message}（请以 UTF-8 编码输入）") from None


def printable(value):
    """The same cleaning on the way out (XML and spreadsheet writers): never refuses."""
    if not isinstance(value, str):
        return value
    return _SURROGATE.sub("\ufffd", value).translate(_CONTROLS)


def normalise(text: str) -> str:
    """For imported text: `clean`, then half-width ASCII letters and digits, no pinyin."""
    text = clean(text).translate(_HALF_WIDTH)
    return _PINYIN_DEBRIS.sub("", text)


# --- numbers, integers, dates ----------------------------------------------------------------

def finite(value: float | None, label: str = "数值") -> float | None:
    """A number that JSON and arithmetic can hold: Infinity and NaN are refused."""
    if value is not None and not math.isfinite(value):
        raise InvalidInput(f"{label}须为有限的数字。")
    return value


def ascii_int(value: str | None, low: int = 0, high: int = INT_MAX) -> int | None:
    """An integer written in ASCII digits within [low, high], else None (`²`, `١٢`, 10**30)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    number = int(value)
    return number if low <= number <= high else None


def sane_date(value: date | None, label: str = "日期") -> date | None:
    """A date within DATE_RANGE (0001-01-01 and 9999-12-31 are typing accidents or probes)."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    low, high = DATE_RANGE
    if not low <= day <= high:
        space = " " if label.isascii() else ""  # 办理时限须在… / deadline 须在…
        raise InvalidInput(f"{label}{space}须在 {low.year} 年至 {high.year} 年之间。")
    return value


def parse_date(value: str | None) -> date | None:
    """A YYYY-MM-DD query argument (a filter) moved into DATE_RANGE, so that date arithmetic
    cannot overflow; None when it is not a date (filters ignore bad values)."""
    if not value or not value.isascii():
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    low, high = DATE_RANGE
    return min(max(day, low), high)


class SaneDate:
    """WTForms validator: the date field's value lies within DATE_RANGE."""

    def __init__(self, label: str = "日期") -> None:
        self.label = label

    def __call__(self, _form, field) -> None:
        from wtforms.validators import ValidationError

        try:
            sane_date(field.data, self.label)
        except InvalidInput as error:
            raise ValidationError(error.message) from None


class Finite:
    """WTForms validator: a float field holds a finite number."""

    def __call__(self, _form, field) -> None:
        from wtforms.validators import ValidationError

        if field.data is not None and not math.isfinite(field.data):
            raise ValidationError("须为有限的数字。")


# --- the request boundary --------------------------------------------------------------------

def clean_data(value, depth: int = 0):
    """A parsed JSON value with every string (keys too) cleaned, no deeper than the limit."""
    if depth > JSON_MAX_DEPTH:
        raise InvalidInput(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）。")
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k): clean_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v, depth + 1) for v in value]
    return value


def _refuse_constant(name: str):
    raise ValueError(f"不支持的数值 {name}（JSON 不允许 NaN、Infinity）")


def _bounded_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("数值超出范围")
    return number


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise ValueError("整数超出范围")
    return int(text)


_NESTING = re.compile(rf"[\[{{]{{{JSON_MAX_DEPTH + 2}}}")


class CleanJSONProvider(DefaultJSONProvider):
    """Request bodies: standard JSON only (no NaN/Infinity), bounded numbers and depth,
    every string cleaned. Answers: never NaN or Infinity (the encoder refuses them)."""

    def loads(self, s, **kwargs):
        if isinstance(s, bytes):
            s = s.decode("utf-8")
        if _NESTING.search(s):  # 100,000 '[' would exhaust the parser's recursion
            raise ValueError(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）")
        try:
            value = json.loads(s, parse_constant=_refuse_constant, parse_float=_bounded_float,
                               parse_int=_bounded_int, **kwargs)
        except RecursionError:
            raise ValueError(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）") from None
        try:
            return clean_data(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


class CleanRequest(Request):
    """Form fields and query arguments cleaned once, as they are parsed; JSON through
    CleanJSONProvider, its errors as a 400 with a Chinese message."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean_multidict(self.__dict__["form"])

    @property
    def args(self):
        if "_clean_args" not in self.__dict__:
            self.__dict__["_clean_args"] = _clean_multidict(super().args)
        return self.__dict__["_clean_args"]

    def on_json_loading_failed(self, e: ValueError | None):
        message = str(e) if e is not None else ""
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
            message = "请求体不是有效的 JSON。"
        raise BadRequest(message)


_UNTOUCHED = ("password", "csrf_token")  # compared byte for byte, never shown


def _clean_multidict(values):
    cleaned = []
    for key, value in values.items(multi=True):
        if not any(word in key for word in _UNTOUCHED):
            # Form decoding already replaced invalid bytes: no surrogates can be left here.
            value = unicodedata.normalize(
                "NFC", value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS))
        cleaned.append((key, value))
    return ImmutableMultiDict(cleaned)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:id>` in ASCII digits, at most INT_MAX: a larger id is a 404, not an overflow."""

    regex = r"[0-9]{1,12}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    app.request_class = CleanRequest
    app.json = CleanJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntegerConverter
