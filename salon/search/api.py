"""GET /api/search: the same search the site runs, as JSON."""
from flask import jsonify, request
from flask_login import current_user

from ..api import bp
from ..paging import paging_from
from . import params, services

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


@bp.get("/search")
def search():
    """{"total": N, "page", "limit", "results": [{"id", "kind", "title", "score", "snippet"}]}"""
    paging = paging_from(default=DEFAULT_LIMIT, cap=MAX_LIMIT, strict=True)
    page = min(paging.page, services.MAX_PAGE)  # deeper pages are the last one searched
    result = services.search(
        request.args.get("q", ""), current_user.id, params.filters_from(request.args),
        params.sort_from(request.args), page, per_page=paging.limit,
    )
    return jsonify(total=result.total, approximate=result.approximate, page=page,
                   limit=paging.limit, results=[services.hit_json(hit) for hit in result.hits])
