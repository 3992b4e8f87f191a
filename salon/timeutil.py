"""One clock for the whole app (naive local time); tests freeze it with `frozen`."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, without microseconds (they add nothing a user can see)."""
    return _frozen or datetime.now().replace(microsecond=0)


def today() -> date:
    """Today's date from the same clock."""
    return now().date()


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Stop the clock at `moment` (tests of deadlines and overdue)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous


def zh_date(value: date | datetime | None) -> str:
    """2026年11月25日"""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def zh_datetime(value: datetime | None) -> str:
    """2026年11月25日 14:30"""
    if value is None:
        return ""
    return f"{zh_date(value)} {value:%H:%M}"
