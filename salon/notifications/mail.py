"""The e-mail digest: each person with unread messages not yet mailed gets one e-mail.

A person's messages are claimed (`mailed_at` set and committed) before their e-mail goes
out, and released again if the server refuses it: two digests running at once never mail
the same message twice, and a failed send is retried by the next run.
"""
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from ..accounts.models import User
from ..errors import DomainError
from ..extensions import db
from ..timeutil import now, zh_datetime
from .models import Notification

TLS_MODES = ("starttls", "ssl", "none")
SHOWN_PER_MAIL = 50  # the rest are counted, not listed: the message centre has them all


class MailError(DomainError):
    """The mail server could not be used; the message is one line for the operator."""


@dataclass
class DigestResult:
    sent: list[str] = field(default_factory=list)  # usernames
    refused: list[str] = field(default_factory=list)  # "username: reason"


def configured() -> bool:
    return bool(current_app.config["MAIL_SERVER"])


def pending() -> list[tuple[User, list[Notification]]]:
    """People (active, with an address) and their unread, not yet mailed messages."""
    rows = db.session.execute(
        db.select(User, Notification).join(Notification, Notification.user_id == User.id)
        .where(Notification.read_at.is_(None), Notification.mailed_at.is_(None),
               User.active.is_(True), User.email.is_not(None), User.email != "")
        .order_by(User.id, Notification.id)).all()
    grouped: dict[int, tuple[User, list[Notification]]] = {}
    for user, notification in rows:
        grouped.setdefault(user.id, (user, []))[1].append(notification)
    return list(grouped.values())


def unreachable_count() -> int:
    """People with unread, unmailed messages but no e-mail address."""
    return db.session.scalar(
        db.select(db.func.count(db.distinct(Notification.user_id)))
        .join(User, Notification.user_id == User.id)
        .where(Notification.read_at.is_(None), Notification.mailed_at.is_(None),
               User.active.is_(True), db.or_(User.email.is_(None), User.email == ""))) or 0


def compose(user: User, notifications: list[Notification]) -> EmailMessage:
    """One plain-text e-mail in Chinese (UTF-8 body, RFC 2047 headers)."""
    config = current_app.config
    site = (config["SITE_URL"] or "").rstrip("/")
    count = len(notifications)
    message = EmailMessage()
    message["Subject"] = f"社区警务沙龙：您有 {count} 条未读消息"
    message["From"] = Address("社区警务沙龙", addr_spec=sender())
    message["To"] = Address(user.name, addr_spec=user.email)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender().rpartition("@")[2] or None)
    lines = [f"{user.name}同志：", "", f"您在社区警务沙龙平台有 {count} 条未读消息：", ""]
    for number, notification in enumerate(notifications[:SHOWN_PER_MAIL], start=1):
        lines.append(f"{number}. 【{notification.kind_label}】"
                     f"{zh_datetime(notification.created_at)}")
        lines.append(f"   {notification.text}")
        if site and notification.link:
            lines.append(f"   {site}/messages/{notification.id}/go")
        lines.append("")
    if count > SHOWN_PER_MAIL:
        lines += [f"另有 {count - SHOWN_PER_MAIL} 条，请到消息中心查看。", ""]
    lines.append(f"请登录平台查看和处理：{site}/messages/" if site
                 else "请登录平台的消息中心查看和处理。")
    lines += ["", "（本邮件由平台自动发送，请勿回复。内部资料，注意保存。）"]
    message.set_content("\n".join(lines), charset="utf-8")
    return message


def sender() -> str:
    """MAIL_SENDER; else the login where it is an address; else an address on the server."""
    config = current_app.config
    if config["MAIL_SENDER"]:
        return config["MAIL_SENDER"]
    login = config["MAIL_USERNAME"] or ""
    return login if "@" in login else f"{login or 'salon'}@{config['MAIL_SERVER']}"


def check_sender() -> None:
    """A sender that is not an address would fail every e-mail: say so once, up front."""
    address = sender()
    try:
        Address("社区警务沙龙", addr_spec=address)
    except (ValueError, IndexError):
        raise MailError(f"发件人地址“{address}”不是有效的邮箱地址，"
                        "请设置 SALON_MAIL_SENDER，例如 salon@gaj.local。") from None


@contextmanager
def smtp_connection() -> Iterator[smtplib.SMTP]:
    """A connection to the configured server, logged in when a user is set."""
    config = current_app.config
    host, port, mode = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TLS"]
    where = f"{host}:{port}"
    if mode not in TLS_MODES:
        raise MailError(f"SALON_MAIL_TLS 只能是 {'、'.join(TLS_MODES)}，现为“{mode}”。")
    timeout = float(config["MAIL_TIMEOUT"])
    try:
        if mode == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"连不上邮件服务器 {where}：{_reason(error)}") from None
    try:
        try:
            if mode == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except smtplib.SMTPNotSupportedError as error:
            hint = ("不支持 STARTTLS（可信内网可设 SALON_MAIL_TLS=none）"
                    if mode == "starttls" and "STARTTLS" in str(error).upper()
                    else "不支持登录（不需登录时不设 SALON_MAIL_USERNAME）")
            raise MailError(f"邮件服务器 {where} {hint}。") from None
        except smtplib.SMTPAuthenticationError:
            raise MailError(f"邮件服务器 {where} 拒绝登录：用户名或密码不对。") from None
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"邮件服务器 {where} 拒绝了连接：{_reason(error)}") from None
        yield client
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _reason(error: Exception) -> str:
    """An SMTP or socket error as a short line."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(
            error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(error, TimeoutError):
        return "连接超时"
    return str(error) or error.__class__.__name__


def _claim(notifications: list[Notification]) -> bool:
    """Mark these messages mailed and commit, unless another digest took one of them."""
    ids = [n.id for n in notifications]
    result = db.session.execute(
        db.update(Notification).where(Notification.id.in_(ids), Notification.mailed_at.is_(None))
        .values(mailed_at=now()), execution_options={"synchronize_session": False})
    if result.rowcount != len(ids):
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _release(notifications: list[Notification]) -> None:
    db.session.execute(
        db.update(Notification).where(Notification.id.in_([n.id for n in notifications]))
        .values(mailed_at=None), execution_options={"synchronize_session": False})
    db.session.commit()


def send_digest(batches: list[tuple[User, list[Notification]]],
                advance: Callable[[], None] = lambda: None) -> DigestResult:
    """Send each person their one e-mail; a refused recipient is reported, not fatal."""
    result = DigestResult()
    if not batches:
        return result
    check_sender()
    with smtp_connection() as client:
        for user, notifications in batches:
            username = user.username
            try:  # before the claim: the user's attributes are still loaded
                message = compose(user, notifications)
            except (ValueError, IndexError):
                result.refused.append(f"{username}：邮箱地址“{user.email}”无法使用")
                advance()
                continue
            if _claim(notifications):
                try:
                    client.send_message(message)
                    result.sent.append(username)
                except smtplib.SMTPRecipientsRefused as error:
                    _release(notifications)
                    reasons = [_reason_of(v) for v in error.recipients.values()]
                    result.refused.append(f"{username}：{'；'.join(reasons)}")
                except (OSError, smtplib.SMTPException) as error:
                    _release(notifications)
                    raise MailError(f"发送给 {username} 时邮件服务器出错：{_reason(error)}"
                                    f"（已发送 {len(result.sent)} 封，其余下次再发）") from None
            advance()
    return result


def _reason_of(value) -> str:
    code, text = value
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
