"""Sign-in hardening: the audit log, rate limits, session expiry, password policy."""
from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner
from werkzeug.security import check_password_hash

from salon import create_app
from salon.accounts.models import LoginEvent, User
from salon.extensions import db
from salon.timeutil import frozen

from .conftest import PASSWORD, AuthActions, app_settings, app_with_schema, csrf_token


def events() -> list[LoginEvent]:
    return list(db.session.scalars(db.select(LoginEvent).order_by(LoginEvent.id)))


def test_every_attempt_is_audited(client, auth):
    auth.login("officer", "wrong-1")
    auth.login("nobody", PASSWORD)
    auth.login("officer")
    rows = [(e.username, e.success, e.reason, e.user_id is not None) for e in events()]
    assert rows == [("officer", False, "bad_password", True),
                    ("nobody", False, "unknown_user", False),
                    ("officer", True, "ok", True)]
    assert all(e.ip == "127.0.0.1" and e.user_agent for e in events())


def test_deactivated_account_is_audited_and_told(client, auth):
    db.session.scalar(db.select(User).filter_by(username="officer2")).active = False
    db.session.commit()
    response = auth.login("officer2")
    assert "已停用" in response.get_data(as_text=True)
    assert events()[-1].reason == "inactive"
    assert "已停用" not in auth.login("officer2", "wrong-1").get_data(as_text=True)


def test_admin_sees_the_sign_in_log(client, auth):
    auth.login("officer", "wrong-1")
    auth.login("admin")
    html = client.get("/admin/logins").get_data(as_text=True)
    assert "密码错误" in html and "登录成功" in html and "127.0.0.1" in html
    html = client.get("/admin/logins?failed=1").get_data(as_text=True)
    assert "密码错误" in html and "登录成功" not in html


@pytest.fixture
def limited_app(tmp_path):
    """A separate app with throttling on (the shared fixture switches it off)."""
    settings = app_settings(
        tmp_path, RATELIMIT_ENABLED=True, LOGIN_FREE_FAILURES=3,
        LOGIN_FREE_FAILURES_PER_ADDRESS=8, LOGIN_DELAY_SECONDS=30, LOGIN_MAX_DELAY_SECONDS=600,
    )
    with app_with_schema(settings) as app:
        yield app


def attempt(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login", environ_base={"REMOTE_ADDR": address}, data={
        "username": username, "password": password, "csrf_token": csrf_token(client)})


def test_failures_per_account_and_address_wait_longer_and_longer(limited_app):
    client = limited_app.test_client()
    start = datetime(2026, 11, 20, 9)
    with frozen(start):
        for _ in range(2):
            assert attempt(client, "officer", "wrong-1").status_code == 200
        assert attempt(client, "officer", "wrong-1").status_code == 200  # the wait begins
        response = attempt(client, "officer", PASSWORD)  # even the right password waits now
        assert response.status_code == 429 and response.headers["Retry-After"] == "30"
        assert "登录尝试过于频繁，请 30 秒后再试" in response.get_data(as_text=True)
        for _ in range(20):  # hammering during the wait: refused, not checked, not audited
            assert attempt(client, "officer", "wrong-2").status_code == 429
    assert [e.reason for e in events()].count("throttled") == 1
    assert len(events()) == 4
    with frozen(start + timedelta(seconds=31)):
        assert attempt(client, "officer", "wrong-3").status_code == 200
        assert attempt(client, "officer", PASSWORD).headers["Retry-After"] == "60"  # doubled
    assert [e.reason for e in events()].count("throttled") == 2
    with frozen(start + timedelta(seconds=92)):
        assert attempt(client, "officer", PASSWORD).status_code == 302


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(limited_app):
    """Hundreds of wrong guesses at the admin's password from one address, and a few from
    many: the admin, at their own desk, signs in at once."""
    attacker = limited_app.test_client()
    for _ in range(30):
        attempt(attacker, "admin", "guess-123456", address="10.9.9.9")
    for n in range(20):
        attempt(limited_app.test_client(), "admin", "guess-123456", address=f"10.8.0.{n}")
    assert attempt(attacker, "admin", PASSWORD, address="10.9.9.9").status_code == 429
    owner = limited_app.test_client()
    assert attempt(owner, "admin", PASSWORD, address="10.0.0.7").status_code == 302
    throttled = [e for e in events() if e.reason == "throttled"]
    assert len(throttled) <= 3  # one per burst: 10.9.9.9's pair, then its address


def test_successes_do_not_use_up_the_budget(limited_app):
    client = limited_app.test_client()
    auth = AuthActions(client)
    for _ in range(5):
        assert auth.login("officer").status_code == 302
        auth.logout()


def test_attempts_per_address_are_limited(limited_app):
    client = limited_app.test_client()
    statuses = [attempt(client, f"user{n}", "x").status_code for n in range(9)]
    assert statuses == [200] * 8 + [429]
    other = limited_app.test_client()
    assert attempt(other, "officer", PASSWORD, address="10.0.0.2").status_code == 302


def test_get_login_is_never_limited(limited_app):
    client = limited_app.test_client()
    assert {client.get("/login").status_code for _ in range(12)} == {200}


def test_session_is_permanent_with_configured_lifetime(app, client, auth):
    response = auth.login("officer")
    cookie = response.headers["Set-Cookie"]
    assert "session=" in cookie and "Expires=" in cookie
    assert app.permanent_session_lifetime == timedelta(hours=8)


def test_session_expires_on_the_server(app, client, auth, monkeypatch):
    auth.login("officer")
    assert client.get("/salons/").status_code == 200
    later = TimestampSigner.get_timestamp

    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: later(self) + 8 * 3600 + 60)
    response = client.get("/salons/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


REAL_TIMESTAMP = TimestampSigner.get_timestamp


def clock_ahead(monkeypatch, seconds: float) -> None:
    """Move the clock that signs cookies and judges their age."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: REAL_TIMESTAMP(self) + int(seconds))


def test_the_session_expires_8_hours_after_the_last_request(app, client, auth, monkeypatch):
    auth.login("officer")
    client.get("/")
    clock_ahead(monkeypatch, 5 * 3600)
    assert client.get("/salons/").status_code == 200
    clock_ahead(monkeypatch, 12 * 3600)  # 12 hours after signing in, 7 after the last request
    assert client.get("/salons/").status_code == 200
    clock_ahead(monkeypatch, 20 * 3600 + 120)
    response = client.get("/salons/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_cookie_lasts_seven_days(app, client):
    assert app.config["REMEMBER_COOKIE_DURATION"] == 7 * 24 * 3600
    response = client.post("/login", data={"username": "officer", "password": PASSWORD,
                                           "remember": "y", "csrf_token": csrf_token(client)})
    remember = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]


def test_behind_a_proxy_the_forwarded_address_is_audited(tmp_path):
    from .conftest import seed_users

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                      "RATELIMIT_ENABLED": False, "PROXY_COUNT": 1})
    with app.app_context():
        db.create_all()
        seed_users()
        client = app.test_client()
        client.post("/login", data={"username": "officer", "password": "x",
                                    "csrf_token": csrf_token(client)},
                    headers={"X-Forwarded-For": "10.1.2.3"})
        assert events()[-1].ip == "10.1.2.3"
        db.session.remove()
        db.engine.dispose()


def test_unknown_user_is_checked_as_long_as_a_real_password(app):
    """The fixed dummy hash has the method and cost of a real one, so a miss takes as long."""
    from salon.accounts.services import _DUMMY_HASH

    user = User(username="timing", name="测试")
    user.set_password("abcd1234")
    assert _DUMMY_HASH.split("$")[0] == user.password_hash.split("$")[0]
    assert check_password_hash(_DUMMY_HASH, "no-such-user-0")


@pytest.mark.parametrize(("password", "message"), [
    ("Short1", "至少 10 位"),
    ("officer-007", "用户名"),
    ("OFFICER-007", "用户名"),
    ("0123456789", "警号"),
    ("password1234", "常见密码"),
    ("Qwertyuiop", "常见密码"),
])
def test_the_password_policy(app, password, message):
    from salon.accounts.services import AccountError, set_password

    user = db.session.scalar(db.select(User).filter_by(username="officer"))
    user.username, user.police_no = "officer-007", "0123456789"
    with pytest.raises(AccountError, match=message):
        set_password(user, password)
    set_password(user, "Xun-luo-2026-hao")
    with pytest.raises(AccountError, match="当前密码"):
        set_password(user, "Xun-luo-2026-hao")


def test_an_admin_set_password_is_changed_at_first_sign_in(app, runner):
    result = runner.invoke(args=["users", "create", "newcomer", "--name", "新民警",
                                 "--unit", "城关派出所", "--password-stdin"],
                           input="Chu-shi-mi-ma-2026\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = attempt(client, "newcomer", "Chu-shi-mi-ma-2026")
    assert response.status_code == 302
    response = client.get("/posts/")
    assert response.status_code == 302 and response.location.endswith("/account/password")
    assert "请先设置自己的密码" in client.get("/account/password").get_data(as_text=True)
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": "Chu-shi-mi-ma-2026", "new": "Chu-shi-mi-ma-2026", "confirm":
        "Chu-shi-mi-ma-2026", "csrf_token": token})
    assert "不能与当前密码相同" in response.get_data(as_text=True)
    client.post("/account/password", data={
        "current": "Chu-shi-mi-ma-2026", "new": "Wo-zi-ji-de-mi-ma", "confirm":
        "Wo-zi-ji-de-mi-ma", "csrf_token": token})
    assert client.get("/posts/").status_code == 200
