"""Posts in the JSON API: list, read, create."""
from flask import abort, request, url_for
from flask_login import current_user

from ..api import bp
from ..extensions import db
from ..paging import page_json, paginate, paging_from
from ..salons import services as salons  # the module: salons.services imports posts too
from . import review
from .models import Post
from .services import (
    PostError,
    PostFilters,
    PostInput,
    can_view,
    can_write,
    create_post,
    filtered_posts,
    parse_tags,
)


def post_summary(post: Post) -> dict:
    """What a list shows of a post."""
    problem = post.problem
    return {
        "id": post.id,
        "kind": post.kind,
        "title": post.title,
        "status": post.status,
        "author": {"id": post.author_id, "name": post.author.name},
        "unit": post.unit.name,
        "salon": post.salon.month if post.salon else None,
        "tags": [t.name for t in post.tags],
        "in_bulletin": post.in_bulletin,
        "exemplary": post.exemplary,
        "problem_state": problem.state if problem is not None else None,
        "review": _review_state(post),
        "created_at": post.created_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
        "url": url_for("posts.detail", post_id=post.id),
    }


def _review_state(post: Post) -> str | None:
    """所长审核: "pending", "returned" (a draft sent back), "approved", or None."""
    if post.is_pending:
        return "pending"
    if post.is_returned:
        return "returned"
    return "approved" if post.is_published and post.review_decision == "approve" else None


@bp.get("/posts")
def list_posts():
    """Submitted posts, newest first: ?salon=YYYY-MM&kind=&unit=&tag=&page=&limit=."""
    filters = PostFilters.from_args(request.args)
    if request.args.get("kind") and not filters.kind:
        abort(400, "参数 kind 应为 experience 或 problem。")
    filters.drafts = False
    page = paginate(filtered_posts(filters, current_user), paging_from(strict=True))
    return {**page_json(page), "results": [post_summary(p) for p in page.items]}


@bp.get("/posts/<int:post_id>")
def get_post(post_id: int):
    """One post: the body as Markdown and as sanitised HTML."""
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404, "稿件不存在。")
    if not can_view(post, current_user):
        if post.is_pending:
            abort(404, "稿件不存在。")
        abort(403, "草稿仅作者本人可见。")
    mine = post.author_id == current_user.id or review.can_review(post, current_user)
    return {**post_summary(post), "body": post.body, "html": post.body_html,
            "review_comment": post.review_comment if mine else None}


@bp.post("/posts/<int:post_id>/review")
def review_post_api(post_id: int):
    """所长审核: {"decision": "approve" | "return", "comment"} → 200 with the new status;
    404 for a post the caller cannot see, 403 for one they may not review, 409 when it no
    longer waits for review (another reviewer was first)."""
    post = db.session.get(Post, post_id)
    if post is None or not can_view(post, current_user):
        abort(404, "稿件不存在。")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "请求体应为 JSON 对象。")
    decision, comment = data.get("decision"), data.get("comment", "")
    if not isinstance(decision, str) or not isinstance(comment, str | None):
        raise PostError("字段 decision 应为 approve 或 return，comment 应为文字。")
    review.decide(post, current_user, decision, comment or "")
    db.session.commit()
    return {"id": post.id, "status": post.status, "review": _review_state(post),
            "url": url_for("posts.detail", post_id=post.id)}


@bp.post("/posts")
def create_post_api():
    """Create a post: {"kind", "title", "body", "salon", "tags", "draft"} → 201 {"id"}."""
    if not can_write(current_user):
        abort(403, "您的角色不能撰写稿件。")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "请求体应为 JSON 对象。")
    post = create_post(current_user, _input_from(data))
    db.session.commit()
    return {"id": post.id, "status": post.status,
            "url": url_for("posts.detail", post_id=post.id)}, 201


def _input_from(data: dict) -> PostInput:
    """Check the JSON's types and find the salon; the service checks the rest."""
    for name in ("kind", "title", "body", "salon"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise PostError(f"缺少字段 {name} 或其不是文字。")
    salon = salons.salon_by_month(data["salon"].strip())
    if salon is None:
        raise PostError(f"未知的沙龙月份：{data['salon'][:20]}。")
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise PostError("字段 draft 应为 true 或 false。")
    if not isinstance(data.get("tags") or [], list):
        raise PostError("字段 tags 应为文字列表。")
    problem = {name: data.get(name) or "" for name in ("source", "scan", "analysis", "proposal")}
    if not all(isinstance(v, str) for v in problem.values()):
        raise PostError("问题字段（source、scan、analysis、proposal）应为文字。")
    return PostInput(kind=data["kind"].strip(), title=data["title"], body=data["body"],
                     salon=salon, tags=parse_tags(data.get("tags")), problem=problem,
                     submit=not draft)
