"""Reading search parameters from a request: anything invalid is ignored, never an error."""
import re
from datetime import date

from werkzeug.datastructures import MultiDict

from ..posts.models import KINDS
from ..problems.models import STATES
from ..textnorm import parse_date
from .services import MAX_PAGE, Filters

MONTH = re.compile(r"^\d{4}-\d{2}$")


def _date(value: str | None) -> date | None:
    return parse_date(value)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


def filters_from(args: MultiDict) -> Filters:
    """Filters from query-string arguments; unknown values are dropped."""
    kind = args.get("kind", "")
    state = args.get("state", "")
    salon = args.get("salon", "")
    return Filters(
        kind=kind if kind in KINDS else "",
        salon=salon if MONTH.match(salon) else "",
        unit=args.get("unit", "")[:80],
        tags=args.get("tag", "")[:40],
        state=state if state in STATES else "",
        date_from=_date(args.get("from")),
        date_to=_date(args.get("to")),
    )


def page_from(args: MultiDict) -> int:
    return _int(args.get("page"), 1, 1, MAX_PAGE)


def sort_from(args: MultiDict) -> str:
    return "newest" if args.get("sort") == "newest" else "relevance"
