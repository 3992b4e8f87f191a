"""所长审核 on the site: the reviewer approves or returns a post from its page."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..errors import Conflict, InvalidInput
from ..extensions import db
from . import review
from .forms import ReviewForm
from .models import Post
from .services import can_view
from .views import bp, load_post, render_detail


@bp.route("/<int:post_id>/review", methods=["POST"])
@login_required
def review_post(post_id: int):
    """通过 or 退回修改 (with a comment); a bad comment is shown again, not lost."""
    post = load_post(post_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            flash("页面已过期，请刷新后重试。", "error")
        return render_detail(post, review_form=form), 400
    decision = request.form.get("decision", "")
    try:
        review.decide(post, current_user, decision, form.comment.data or "")
    except InvalidInput as error:
        db.session.rollback()
        form.comment.errors = [error.message]
        return render_detail(load_post(post_id), review_form=form), 400
    except Conflict as error:
        db.session.rollback()
        if not can_view(db.session.get(Post, post_id), current_user):
            raise  # returned to its author a moment ago: the error page says so
        flash(error.message, "warning")
        return render_detail(load_post(post_id)), 409
    db.session.commit()
    flash("已审核通过，稿件已全局发布。" if decision == "approve"
          else "已退回作者修改，意见已通知作者。", "success")
    return redirect(url_for(".detail", post_id=post.id))
