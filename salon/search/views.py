"""搜索 pages: the results page and the similar-problems look-up while writing."""
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from ..posts.models import KINDS
from ..problems.models import STATES
from ..problems.workflow import STEPS
from . import params, services

bp = Blueprint("search", __name__, url_prefix="/search")

SUGGESTIONS = ("社区民警", "监控", "巡防", "矛盾纠纷", "电信诈骗", "警务室")


def related_or_nothing(post) -> list:
    """相关经验 for the post page; a search failure must never break the page."""
    try:
        return services.related_posts(post)
    except Exception:  # the post page matters more than its side panel
        current_app.logger.exception("相关经验检索失败")
        return []


@bp.app_context_processor
def search_helpers():
    return {"search_related": related_or_nothing}


@bp.route("/")
@login_required
def index():
    """搜索结果: hits with snippets, filters with counts, sorting, pages."""
    q = request.args.get("q", "")
    filters = params.filters_from(request.args)
    sort = params.sort_from(request.args)
    result = services.search(q, current_user.id, filters, sort, params.page_from(request.args))
    return render_template(
        "search/index.html", q=q, result=result, filters=filters, sort=sort,
        kinds=KINDS, states=STATES, salons=services.salon_labels(), suggestions=SUGGESTIONS,
    )


COSIGN_STATES = STEPS["cosign"].sources


@bp.route("/similar-problems")
@login_required
def similar_problems():
    """JSON: up to 5 existing problem reports like the title and body being typed."""
    title = request.args.get("title", "")[:200]
    body = request.args.get("body", "")[:2000]
    found = services.similar_problems(title, body)
    return jsonify(results=[{
        "id": post.id,
        "title": post.title,
        "state": post.problem.state if post.problem else None,
        "state_label": post.problem.state_label if post.problem else "",
        "url": url_for("posts.detail", post_id=post.id),
        # 附议 is offered only where the work order still takes it (open problems).
        "cosign": bool(post.problem and post.problem.state in COSIGN_STATES),
    } for post in found])
