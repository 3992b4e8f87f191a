"""Domain errors: one base class whose message is for the user, one handler for all of them.

A service raises `InvalidInput("…")`, `NotAllowed`, `Missing` or `Conflict`; a view that
wants the message beside a form field catches it (`error.field`), and anything left uncaught
is answered here: the session is rolled back, then the Chinese message goes out with the
error's status, as the error page or as `{"error": …}` under /api/.
"""
from flask import Flask, jsonify, render_template, request

# The error page's heading for each answer (a feature's error may be given any of them).
TITLES = {400: "请求有误", 403: "无权操作", 404: "内容不存在", 409: "状态冲突", 500: "服务器出错"}


class DomainError(Exception):
    """A rule of the domain was broken. `status` is the HTTP answer, `field` the form field."""

    status = 400

    def __init__(self, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    @property
    def title(self) -> str:
        return TITLES.get(self.status, TITLES[400])


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule (400)."""


class NotAllowed(DomainError):
    """The user's role or relation to the record does not allow it (403)."""

    status = 403


class Missing(DomainError):
    """The record does not exist, or is not visible to this user (404)."""

    status = 404


class Conflict(DomainError):
    """The record's state does not allow it now, or a concurrent change won (409)."""

    status = 409


def wants_json() -> bool:
    """API requests, and clients that ask for JSON (the editor's image upload), are answered
    in JSON; pages in HTML."""
    return (request.path.startswith("/api/")
            or request.accept_mimetypes.best == "application/json")


def handle_domain_error(error: DomainError):
    """Roll back what the failed request wrote, then answer with the user's message."""
    from .extensions import db

    db.session.rollback()
    if wants_json():
        named = {"field": error.field} if error.field else {}
        return jsonify(error=error.message, **named), error.status
    return render_template("errors/error.html", code=error.status, title=error.title,
                           message=error.message), error.status


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
