"""GET /api/search: the same search the site runs, as JSON."""
from flask import jsonify, request
from flask_login import current_user

from ..api import bp
from . import params, services


@bp.get("/search")
def search():
    """{"total": N, "results": [{"id", "kind", "title", "score", "snippet"}]}"""
    limit = params.limit_from(request.args)
    result = services.search(
        request.args.get("q", ""), current_user.id, params.filters_from(request.args),
        params.sort_from(request.args), params.page_from(request.args), per_page=limit,
    )
    return jsonify(total=result.total, approximate=result.approximate,
                   results=[services.hit_json(hit) for hit in result.hits])
