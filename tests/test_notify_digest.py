"""`flask notify digest` against a real SMTP server (aiosmtpd) started by the test."""
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from salon.extensions import db
from salon.notifications.models import Notification
from salon.notifications.services import notify

from .routes import user


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses one address."""

    def __init__(self, refuse: str = ""):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse and address == self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TLS="none",
                      MAIL_SENDER="salon@gaj.local", SITE_URL="http://10.0.0.5:5000")
    yield inbox
    controller.stop()


def with_emails() -> None:
    user("officer").email = "zhang@gaj.local"
    user("organizer").email = "pan@gaj.local"
    db.session.commit()


def test_one_chinese_mail_per_person_and_never_twice(app, runner, smtp):
    with_emails()
    notify([user("officer")], "problem", "问题“村口路灯”已交办城关派出所。", "/posts/3")
    notify([user("officer")], "remind", "问题“监控探头”明天到期。", "/posts/4")
    notify([user("organizer")], "problem", "新问题待受理：“夜间巡逻”。", "/posts/5")
    notify([user("officer2")], "problem", "没有邮箱的人不发。")  # officer2 has no address
    read = Notification(user=user("organizer"), kind="system", text="已读的不发")
    read.read_at = read.created_at = db.func.now()
    db.session.add(read)
    db.session.commit()

    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    assert "已发送 2 封消息摘要" in result.output
    assert "1 人有未读消息但未填写电子邮箱" in result.output
    assert "发送消息摘要" in result.output  # the progress bar's label
    assert sorted(to[0] for _, to in smtp.envelopes) == ["pan@gaj.local", "zhang@gaj.local"]
    mail = next(m for m in smtp.messages if "zhang" in m["To"])
    assert mail["Subject"] == "社区警务沙龙：您有 2 条未读消息"
    assert "=?utf-8?" in mail.as_string().lower()  # headers encoded (RFC 2047), not raw UTF-8
    assert mail["From"].addresses[0].display_name == "社区警务沙龙"
    assert mail["To"].addresses[0].display_name == "测试officer"
    body = mail.get_content()
    assert "问题“村口路灯”已交办城关派出所。" in body and "问题“监控探头”明天到期。" in body
    assert "http://10.0.0.5:5000/messages/" in body and "已读的不发" not in body
    organizer_mail = next(m for m in smtp.messages if "pan" in m["To"])
    assert "已读的不发" not in organizer_mail.get_content()

    again = runner.invoke(args=["notify", "digest"])
    assert again.exit_code == 0 and "没有需要发送的消息摘要" in again.output
    assert len(smtp.messages) == 2
    notify([user("officer")], "problem", "又有一条。")
    db.session.commit()
    runner.invoke(args=["notify", "digest"])
    assert len(smtp.messages) == 3 and "又有一条" in smtp.messages[-1].get_content()
    assert "村口路灯" not in smtp.messages[-1].get_content()


def test_a_refused_recipient_is_retried_next_time(app, runner, smtp):
    with_emails()
    smtp.refuse = "zhang@gaj.local"
    notify([user("officer"), user("organizer")], "problem", "问题已交办。")
    db.session.commit()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 1
    assert "1 封被邮件服务器拒收" in result.output and "550" in result.output
    assert len(smtp.messages) == 1
    smtp.refuse = ""
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "已发送 1 封" in result.output
    assert "zhang@gaj.local" in smtp.envelopes[-1][1]


def test_without_a_server_nothing_is_sent(app, runner):
    notify([user("officer")], "problem", "问题已交办。")
    db.session.commit()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "未配置邮件服务器" in result.output


def test_a_server_that_is_not_there_is_one_clear_line(app, runner):
    with_emails()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TLS="none",
                      MAIL_TIMEOUT=5)
    notify([user("officer")], "problem", "问题已交办。")
    db.session.commit()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 1
    assert "连不上邮件服务器 127.0.0.1" in result.output and "Traceback" not in result.output
    assert db.session.scalar(db.select(Notification.mailed_at)) is None  # next run retries


def test_starttls_refused_by_the_server_says_what_to_set(app, runner, smtp):
    with_emails()
    app.config["MAIL_TLS"] = "starttls"  # the default; this test server offers no STARTTLS
    notify([user("officer")], "problem", "问题已交办。")
    db.session.commit()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 1
    assert "不支持 STARTTLS" in result.output and "SALON_MAIL_TLS=none" in result.output
    assert result.output.strip().count("\n") <= 1
    assert smtp.messages == []


def test_two_digests_at_once_mail_each_person_once(app, smtp):
    """Two runs (two cron hosts) start together: every person still gets exactly one mail."""
    import threading

    from salon.accounts.services import create_user
    from salon.notifications.mail import pending, send_digest

    people = []
    for number in range(12):
        person = create_user(f"p{number}", f"民警{number}", "城关派出所", "officer",
                             email=f"p{number}@gaj.local")
        people.append(person)
    db.session.flush()
    notify(people, "problem", "问题已交办。")
    db.session.commit()
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                batches = pending()
                barrier.wait()
                send_digest(batches)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    recipients = sorted(to[0] for _, to in smtp.envelopes)
    assert recipients == sorted(f"p{n}@gaj.local" for n in range(12))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_to_the_server_and_a_wrong_password(app, runner):
    """A server that wants a login: the right password sends, a wrong one is one clear line."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == (b"salon", b"Mima2026")
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TLS="none",
                          MAIL_USERNAME="salon", MAIL_PASSWORD="wrong")
        with_emails()
        notify([user("officer")], "problem", "问题已交办。")
        db.session.commit()
        refused = runner.invoke(args=["notify", "digest"])
        assert refused.exit_code == 1 and "拒绝登录：用户名或密码不对" in refused.output
        app.config["MAIL_PASSWORD"] = "Mima2026"
        sent = runner.invoke(args=["notify", "digest"])
        assert sent.exit_code == 0 and "已发送 1 封" in sent.output
        # No MAIL_SENDER and a login that is not an address: an address on the server.
        assert inbox.envelopes[0][0] == "salon@127.0.0.1"
    finally:
        controller.stop()


def test_a_sender_or_an_address_that_cannot_be_used(app, runner, smtp):
    with_emails()
    user("organizer").email = "pan<x>@gaj.local"  # written before the address check existed
    db.session.commit()
    notify([user("officer"), user("organizer")], "problem", "问题已交办。")
    db.session.commit()
    app.config["MAIL_SENDER"] = "不是地址"
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 1 and "请设置 SALON_MAIL_SENDER" in result.output
    assert smtp.messages == []
    app.config["MAIL_SENDER"] = "salon@gaj.local"
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 1 and "邮箱地址“pan<x>@gaj.local”无法使用" in result.output
    assert [to for _, to in smtp.envelopes] == [["zhang@gaj.local"]]
