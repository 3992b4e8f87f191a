"""Pages of a list: `page` and `limit` from the query string, one page of rows, the total.

Every list of the site and the API goes through here, so none of them answers with all
rows however large the tables grow: `limit` has a default and a cap, and `page` a cap
(a page deeper than MAX_PAGE is refused rather than scanned).
"""
from dataclasses import dataclass

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, inspect

from .errors import InvalidInput
from .extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Paging:
    """Which page of how many rows."""

    page: int = 1
    limit: int = DEFAULT_LIMIT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def _number(args, name: str, default: int, high: int, strict: bool) -> int:
    value = args.get(name, "")
    if value == "":
        return default
    if value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= high:
        return int(value)
    if strict:
        raise InvalidInput(f"参数 {name} 应为 1 到 {high} 之间的整数。")
    if value.isascii() and value.isdigit() and len(value) <= 9 and int(value) > high:
        return high
    return default


def paging_from(args=None, *, default: int = DEFAULT_LIMIT, cap: int = MAX_LIMIT,
                strict: bool = False) -> Paging:
    """`page` and `limit` of the request (or `args`). Pages quietly fall back to the first
    page for a malformed value; the API (strict) answers 400 with the argument's name."""
    args = request.args if args is None else args
    return Paging(page=_number(args, "page", 1, MAX_PAGE, strict),
                  limit=_number(args, "limit", default, cap, strict))


def paginate(query, paging: Paging) -> Pagination:
    """One page of a select, with its total (a COUNT query); never the whole table."""
    page = db.paginate(query, page=paging.page, per_page=paging.limit,
                       max_per_page=paging.limit, error_out=False, count=False)
    page.total = count_rows(query)
    return page


def count_rows(query) -> int:
    """How many rows the select gives. For a select of one mapped class the count reads only
    its primary key, so the database can answer from an index: a subquery of every column
    read each post's body (README: 数据增长)."""
    described = query.column_descriptions
    entity = described[0].get("entity") if len(described) == 1 else None
    if entity is not None and described[0].get("expr") is entity:
        query = query.with_only_columns(*inspect(entity).primary_key)
    return db.session.scalar(
        db.select(func.count()).select_from(query.order_by(None).subquery())) or 0


def page_json(page: Pagination) -> dict:
    """What every API list answers besides its rows."""
    return {"total": page.total or 0, "page": page.page, "limit": page.per_page,
            "pages": page.pages}

