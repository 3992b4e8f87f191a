"""Pages that take files: image upload for the editor, Word (.docx) import as a draft."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db, limiter
from .docx import DocxError, docx_to_markdown
from .forms import DocxForm, ImageForm
from .services import PostError, PostInput, create_post, default_salon
from .uploads import UploadError, markdown_snippet, store_image, url_path
from .views import bp, require_writer


def wants_json() -> bool:
    """posts.js asks for JSON; a plain form post (no JavaScript) gets a page."""
    return request.accept_mimetypes.best == "application/json"


@bp.route("/images", methods=["GET", "POST"])
@login_required
@limiter.limit("60/hour", methods=["POST"])
def upload_image():
    """Upload an image; answer the Markdown snippet that shows it in a post."""
    require_writer()
    form = ImageForm()
    snippet = None
    if form.validate_on_submit():
        try:
            upload = store_image(form.image.data.read(), current_user)
        except UploadError as error:
            form.image.errors.append(str(error))
        else:
            db.session.commit()
            snippet = markdown_snippet(upload, form.caption.data)
            if wants_json():
                return jsonify(markdown=snippet, url=url_path(upload)), 201
    if request.method == "POST" and snippet is None:
        errors = form.image.errors or form.caption.errors or ["页面已过期，请刷新后重试。"]
        if wants_json():
            return jsonify(error=errors[0]), 400
        return render_template("posts/upload.html", form=form, snippet=None), 400
    return render_template("posts/upload.html", form=form, snippet=snippet)


@bp.route("/import", methods=["GET", "POST"])
@login_required
@limiter.limit("30/hour", methods=["POST"])
def import_docx():
    """Import a Word write-up as a Markdown draft for the author to review."""
    require_writer()
    form = DocxForm()
    if form.validate_on_submit():
        salon = default_salon()
        try:
            if salon is None:
                raise PostError("目前没有可投稿的沙龙，无法导入。")
            title, body, warnings = docx_to_markdown(form.file.data.read(), current_user)
            post = create_post(current_user, PostInput(
                kind=form.kind.data, title=title, body=body, salon=salon, submit=False))
        except (DocxError, PostError) as error:
            db.session.rollback()
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            for warning in warnings:
                flash(warning, "warning")
            flash("已从 Word 导入为草稿，请检查内容后保存或提交。", "success")
            return redirect(url_for(".edit", post_id=post.id))
    status = 400 if request.method == "POST" else 200
    return render_template("posts/import.html", form=form), status
