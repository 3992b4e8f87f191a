"""Post pages: list, showcase, read, write, edit, comment, flag."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Unit, User
from ..extensions import db
from ..paging import paginate, paging_from
from ..salons.models import Salon
from . import review
from .forms import CommentForm, FlagForm, ImageForm, PostForm, ReviewForm
from .models import KINDS, Post
from .services import (
    FLAGS,
    PostError,
    PostFilters,
    add_comment,
    can_edit,
    can_flag,
    can_view,
    can_write,
    create_post,
    default_salon,
    draft_count,
    edit_refusal,
    exemplary_by_unit,
    filtered_posts,
    toggle_flag,
    update_post,
    writable_salons,
)

bp = Blueprint("posts", __name__, url_prefix="/posts")


def load_post(post_id: int) -> Post:
    """The post if the current user may read it: 404 when missing, 403 for others' drafts.

    What the post page shows comes in one query with the post, plus one each for its tags
    and its comments (with their authors)."""
    post = db.session.get(Post, post_id, options=[
        joinedload(Post.author), joinedload(Post.unit), joinedload(Post.salon),
        selectinload(Post.tags), selectinload(Post.comments)])
    if post is None:
        abort(404)
    if not can_view(post, current_user):
        if post.is_pending:  # unpublished material: not even its existence is shown
            abort(404)
        abort(403, "草稿仅作者本人可见。")
    return post


def require_writer() -> None:
    if not can_write(current_user):
        abort(403, "您的角色不能撰写稿件。")


@bp.route("/")
@login_required
def index():
    """稿件 list with filters (kind, salon, unit, tag, author) and 我的草稿."""
    filters = PostFilters.from_args(request.args)
    page = paginate(filtered_posts(filters, current_user),
                    paging_from(default=current_app.config["POSTS_PER_PAGE"]))
    return render_template(
        "posts/index.html", page=page, filters=filters, kinds=KINDS,
        salons=db.session.scalars(db.select(Salon).order_by(Salon.number.desc())).all(),
        units=db.session.scalars(db.select(Unit).order_by(Unit.name)).all(),
        author=db.session.get(User, filters.author) if filters.author else None,
        drafts=draft_count(current_user), may_write=can_write(current_user),
        drafts_title="草稿与待审" if review.review_on() else "我的草稿",
        headed_units=review.headed_units() if filters.drafts else set(),
    )


@bp.route("/showcase")
@login_required
def showcase():
    """典型经验展示：一所一品牌, exemplary posts grouped by unit."""
    return render_template("posts/showcase.html", groups=exemplary_by_unit())


@bp.route("/<int:post_id>")
@login_required
def detail(post_id: int):
    """One post with its comments, flags, review and the problem panel."""
    return render_detail(load_post(post_id))


def render_detail(post: Post, review_form: ReviewForm | None = None) -> str:
    return render_template(
        "posts/detail.html", post=post, salon_url=salon_url(post.salon),
        comment_form=CommentForm(), flag_form=FlagForm(), flags=FLAGS,
        may_edit=can_edit(post, current_user),
        may_flag=can_flag(current_user) and post.is_published,
        review=review.panel(post, current_user), review_form=review_form or ReviewForm(),
    )


def salon_url(salon: Salon | None) -> str | None:
    return url_for("salons.detail", month=salon.month) if salon is not None else None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a post: 经验交流 or 问题反映 (?kind=problem), for a salon (?salon=YYYY-MM)."""
    require_writer()
    form = PostForm()
    salons = writable_salons()
    form.set_salons(salons)
    if request.method == "GET":
        kind = request.args.get("kind")
        form.kind.data = kind if kind in KINDS else "experience"
        asked = next((s for s in salons if s.month == request.args.get("salon")), None)
        salon = asked or default_salon()
        form.salon.data = salon.id if salon else None
    if form.validate_on_submit():
        try:
            post = create_post(current_user, form.to_input(db.session.get(Salon, form.salon.data)))
        except PostError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(saved(post), "success")
            return redirect(url_for(".detail", post_id=post.id))
    return render_editor(form, None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    """The author edits their post until that salon's bulletin is published."""
    post = load_post(post_id)
    refusal = edit_refusal(post, current_user)
    if refusal:
        abort(403, refusal)
    form = PostForm()
    form.set_salons(writable_salons())
    if request.method == "GET":
        form.fill_from(post)
    if form.validate_on_submit():
        was = post.status
        try:
            update_post(post, current_user, form.to_input(db.session.get(Salon, form.salon.data)))
        except PostError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(saved(post) if was == "draft" and not post.is_draft
                  else "已撤回为草稿，仅您本人可见。" if was == "pending" and post.is_draft
                  else "修改已保存，仍在等待审核。" if post.is_pending else "修改已保存。",
                  "success")
            return redirect(url_for(".detail", post_id=post.id))
    return render_editor(form, post)


def saved(post: Post) -> str:
    """What the author is told after submitting."""
    if post.is_pending:
        return f"稿件已提交，{review.waiting_text(post)}；审核通过后全局民警可见。"
    return "稿件已提交。" if post.is_published else "草稿已保存，仅您本人可见。"


def render_editor(form: PostForm, post: Post | None):
    if not form.salon.choices:
        flash("目前没有可投稿的沙龙（筹备中、征稿中或已召开），请联系组织者。", "warning")
    return render_template("posts/edit.html", form=form, post=post, image_form=ImageForm(),
                           reviewed=review.will_be_reviewed(current_user))


@bp.route("/<int:post_id>/comments", methods=["POST"])
@login_required
def comment(post_id: int):
    """Add a comment to a post the user can read."""
    post = load_post(post_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            add_comment(post, current_user, form.body.data)
        except PostError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("评论已发表。", "success")
    else:
        for message in form.body.errors or ["页面已过期，请刷新后重试。"]:
            flash(message, "error")
    return redirect(url_for(".detail", post_id=post.id) + "#comments")


@bp.route("/<int:post_id>/flags/<flag>", methods=["POST"])
@login_required
def flag(post_id: int, flag: str):
    """Organizers toggle 入选专刊 or 典型经验."""
    post = load_post(post_id)
    if not FlagForm().validate_on_submit():
        abort(400, "页面已过期，请刷新后重试。")
    value = toggle_flag(post, current_user, flag)  # a refusal is answered by errors.py
    db.session.commit()
    flash(f"已{'设为' if value else '取消'}{FLAGS[flag]}。", "success")
    return redirect(url_for(".detail", post_id=post.id))
