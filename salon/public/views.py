"""The public app's pages and JSON: leave a suggestion, look it up by code, give a verdict."""
from flask import Blueprint, Flask, current_app, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, InvalidInput, Missing
from ..extensions import csrf, db, public_limiter
from ..suggestions import services
from ..suggestions.forms import LookupForm, PublicForm
from ..suggestions.progress import citizen_view
from ..web import CONTENT_SECURITY_POLICY, ERROR_MESSAGES

bp = Blueprint("public", __name__)
api_bp = Blueprint("public_api", __name__, url_prefix="/api/public")
csrf.exempt(api_bp)  # JSON without cookies: nothing a forged cross-site request could ride on

WRONG_CODE = "查询码不正确，请核对后重新输入（查询码共 16 位，字母不区分大小写）。"
FLOODED = "提交过于频繁，请稍后再试。"


def _per_address() -> str:
    return current_app.config["PUBLIC_LIMIT_PER_ADDRESS"]


def _global() -> str:
    return current_app.config["PUBLIC_LIMIT_GLOBAL"]


def _attempts() -> str:
    return current_app.config["PUBLIC_ATTEMPT_LIMIT"]


def _lookups() -> str:
    return current_app.config["PUBLIC_LOOKUP_LIMIT"]


def _wrong_codes() -> str:
    return current_app.config["PUBLIC_WRONG_CODE_LIMIT"]


def _not_found(response) -> bool:
    return response.status_code == 404


def _taken(response) -> bool:
    return response.status_code in (201, 302)


# Submissions: per address, and one cap for everyone (a flood from many addresses). Both count
# the suggestions taken, so a citizen told "最多 2000 字" may fix the text and try again; every
# attempt, refused or not, counts against a looser bound per address.
submit_attempts = public_limiter.shared_limit(_attempts, scope="submit-try", methods=["POST"],
                                              error_message=FLOODED)
submit_per_address = public_limiter.shared_limit(_per_address, scope="submit", methods=["POST"],
                                                 deduct_when=_taken, error_message=FLOODED)
submit_global = public_limiter.shared_limit(_global, scope="submit-all", methods=["POST"],
                                            key_func=lambda: "all", deduct_when=_taken,
                                            error_message=FLOODED)
# Look-ups: per address, and wrong codes far fewer (guessing is hopeless and is slowed).
lookup_limit = public_limiter.shared_limit(_lookups, scope="lookup", error_message=FLOODED)
wrong_code_limit = public_limiter.shared_limit(_wrong_codes, scope="wrong-code",
                                               deduct_when=_not_found,
                                               error_message="输错查询码次数过多，请一小时后再试。")


@bp.route("/", methods=["GET", "POST"])
@submit_global
@submit_per_address
@submit_attempts
def form():
    """提意见建议: the form (a unit may be preselected by the poster's QR code)."""
    form = PublicForm()
    if request.method == "GET" and request.args.get("unit", "").isdigit():
        form.unit_id.data = request.args["unit"]
    done = session.pop("submitted_code", None) if request.method == "GET" else None
    status = 200
    if request.method == "POST":
        try:
            _refuse_bots(form.website.data)
            if not form.validate_on_submit():
                raise InvalidInput("页面已过期，请刷新页面后重新提交。")
            suggestion = services.submit_public(form.input("online"))
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None and error.field != "website":
                field.errors = [error.message]
            else:
                form.form_errors.append(error.message)
            status = error.status
        else:
            db.session.commit()
            session["submitted_code"] = suggestion.display_code
            from flask import redirect, url_for

            return redirect(url_for("public.form"))
    return render_template("public/form.html", form=form, done=done), status


def _refuse_bots(honeypot: str | None) -> None:
    if honeypot or request.files:
        raise InvalidInput("提交未被接受（本网站不接收附件）。请刷新页面后重新填写。",
                           field="website")


@bp.route("/query", methods=["GET", "POST"])
@wrong_code_limit
@lookup_limit
def query():
    """查询办理进展: a code in, the progress and replies out; the verdict at the end."""
    form = LookupForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST":
            form.code.errors = ["页面已过期，请刷新页面后重新查询。"]
        return render_template("public/query.html", form=form, view=None)
    suggestion = services.find_by_code(form.code.data)
    if suggestion is None:
        form.code.errors = [WRONG_CODE]
        return render_template("public/query.html", form=form, view=None), 404
    thanks = None
    if request.form.get("action") == "verdict":
        try:
            services.give_verdict(suggestion, form.verdict.data or "", form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            form.verdict.errors = [error.message]
        else:
            db.session.commit()
            thanks = "谢谢您的评价！"
    form.code.data = suggestion.display_code
    return render_template("public/query.html", form=form, view=citizen_view(suggestion),
                           thanks=thanks)


@api_bp.route("/suggestions", methods=["POST"])
@submit_global
@submit_per_address
@submit_attempts
def create_suggestion():
    """Leave a suggestion: `{"text", "place", "contact"}` → 201 `{"code"}`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请求体须为 JSON 对象：{\"text\", \"place\", \"contact\"}。")
    values = {}
    for name in ("text", "place", "contact"):
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(f"字段 {name} 须为文字。")
        values[name] = value
    unit = data.get("unit")
    if unit is not None and (not isinstance(unit, int) or isinstance(unit, bool)):
        raise InvalidInput("字段 unit 须为单位编号（整数）。")
    _refuse_bots(data.get("website"))
    suggestion = services.submit_public(services.SuggestionInput(unit_id=unit, **values))
    db.session.commit()
    return jsonify(code=suggestion.display_code), 201


@api_bp.route("/suggestions/<code>")
@wrong_code_limit
@lookup_limit
def get_suggestion(code: str):
    """Its status and replies (never the contact)."""
    suggestion = services.find_by_code(code)
    if suggestion is None:
        raise Missing(WRONG_CODE)
    return jsonify(citizen_view(suggestion))


def _is_api() -> bool:
    return request.path.startswith("/api/")


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if _is_api():
        return jsonify(error=error.message), error.status
    return render_template("public/error.html", title=error.title,
                           message=error.message), error.status


def handle_http_error(error: HTTPException):
    title, message = ERROR_MESSAGES.get(error.code, (error.name, "请求有误。"))
    if error.code == 429:
        message = error.description if isinstance(error.description, str) and any(
            "\u4e00" <= ch <= "\u9fff" for ch in error.description) else message
    if error.code == 413:
        message = "提交的内容过长，请精简后再提交（本网站不接收附件）。"
    if _is_api():
        return jsonify(error=message), error.code
    return render_template("public/error.html", title=title, message=message), error.code


def handle_csrf_error(_error):
    """An expired page: the form comes back with what was typed and a fresh token."""
    message = "页面已过期，请再点一次提交（您填写的内容都还在）。"
    if request.endpoint == "public.form":
        form = PublicForm()
        form.website.data = ""
        form.form_errors.append(message)
        return render_template("public/form.html", form=form, done=None), 400
    if request.endpoint == "public.query":
        form = LookupForm()
        form.code.errors = [message]
        return render_template("public/query.html", form=form, view=None), 400
    return jsonify(error=message), 400


def security_headers(response):
    """The internal site's CSP and headers; nothing here may be cached (codes, replies)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = app.config["PUBLIC_MAX_CONTENT_LENGTH"]
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.after_request(security_headers)
