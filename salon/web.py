"""What every page shares: the home page, template filters, security headers, error pages."""
from flask import Blueprint, Flask, jsonify, render_template
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import timeutil
from .errors import wants_json
from .markup import as_html, excerpt

bp = Blueprint("web", __name__)

ERROR_MESSAGES = {
    400: ("请求有误", "提交的内容不完整或格式不正确。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的角色无权进行此操作。如有疑问，请联系管理员。"),
    404: ("页面不存在", "您访问的页面不存在或已被移除。"),
    405: ("请求方式不被允许", "该页面不接受这种请求方式。"),
    409: ("状态冲突", "当前状态不允许此操作，请刷新后重试。"),
    413: ("文件过大", "上传的文件超过大小限制。"),
    429: ("操作过于频繁", "请稍后再试。"),
    500: ("服务器出错", "服务器遇到意外错误，已记录。请稍后再试。"),
}

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # pygal's SVG charts carry their own <style>; no inline script is ever allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


@bp.route("/")
@login_required
def home():
    """首页: the current salon and its call for posts, the newest posts, the exemplary showcase."""
    from .posts.services import can_write, exemplary_by_unit, newest_posts
    from .salons.current import current_salon

    return render_template(
        "home.html",
        salon=current_salon(),
        posts=newest_posts(8),
        showcase=exemplary_by_unit(limit=6),
        may_write=can_write(current_user),
    )


def set_security_headers(response):
    """CSP without inline scripts, no framing, no sniffing, no referrer leaks."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "Cache-Control" not in response.headers and getattr(current_user, "is_authenticated",
                                                            False):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: refuse with a message that says what to do."""
    message = "页面已过期或缺少安全令牌，请刷新页面后重新提交。"
    if wants_json():
        return jsonify(error=message), 400
    return render_template("errors/error.html", code=400, title="请求被拒绝", message=message), 400


def handle_http_error(error: HTTPException):
    """Chinese error pages; JSON `{"error": …}` for the API."""
    title, message = ERROR_MESSAGES.get(error.code, (error.name, error.description))
    if wants_json():
        detail = error.description if error.description and _is_chinese(error.description) else None
        return jsonify(error=detail or message), error.code
    return render_template("errors/error.html", code=error.code, title=title,
                           message=_chinese_or(error.description, message)), error.code


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _chinese_or(text: str | None, fallback: str) -> str:
    """Use an abort() description only when it was written for the user (in Chinese)."""
    return text if text and _is_chinese(text) else fallback


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Stored HTML only: no template parses Markdown (markup.keep_rendered renders on write).
    app.add_template_filter(as_html, "stored_html")
    app.add_template_filter(excerpt, "excerpt")
    app.add_template_filter(timeutil.zh_date, "zh_date")
    app.add_template_filter(timeutil.zh_datetime, "zh_datetime")
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
