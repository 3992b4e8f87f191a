"""Sign-in, sign-out, passwords and the users CLI."""
from salon.accounts.models import ApiToken, User
from salon.extensions import db

from .conftest import PASSWORD, csrf_token


def sign_in(client, username: str = "officer", password: str = PASSWORD,
            remember: bool = False):
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def signed_in(client) -> bool:
    """Whether this client still opens a page that needs a signed-in user."""
    response = client.get("/account/password")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_login_page_is_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and 'lang="zh-CN"' in html


def test_login_and_logout(client, auth):
    response = auth.login()
    assert response.status_code == 302
    assert "欢迎" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/salons/").status_code == 302


def test_wrong_password_shows_chinese_error(client, auth):
    response = auth.login(password="wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_inactive_user_cannot_login(app, client, auth):
    user = db.session.scalar(db.select(User).filter_by(username="officer"))
    user.active = False
    db.session.commit()
    assert auth.login().status_code == 200


def test_login_without_csrf_is_refused(client):
    response = client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert response.status_code == 400
    assert "刷新页面" in response.get_data(as_text=True)


def test_open_redirect_is_not_followed(client):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "officer", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_change_password(client, auth):
    auth.login()
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "short", "confirm": "short", "csrf_token": token})
    assert "至少 10 位" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "NewPassw0rd", "confirm": "NewPassw0rd", "csrf_token": token})
    assert response.status_code == 302
    auth.logout()
    assert auth.login(password="NewPassw0rd").status_code == 302


def test_changing_ones_password_ends_the_other_sessions_only(app, client):
    sign_in(client, remember=True)
    other_device = app.test_client()
    sign_in(other_device, remember=True)
    someone_else = app.test_client()
    sign_in(someone_else, "officer2")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "NewPassw0rd", "confirm": "NewPassw0rd", "csrf_token": token})
    assert response.status_code == 302
    assert signed_in(client) and signed_in(someone_else)
    assert not signed_in(other_device)           # neither its session nor its remember-me cookie
    client.delete_cookie("session")              # this device's remember-me cookie was renewed
    assert signed_in(client)
    sign_in(other_device, password="NewPassw0rd")
    assert signed_in(other_device)


def test_a_session_without_the_stamp_is_not_accepted(app, client):
    """Sessions hold "id:stamp"; a bare user id (as before the stamp) signs nobody in."""
    sign_in(client)
    officer = db.session.scalar(db.select(User).filter_by(username="officer"))
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(f"{officer.id}:{officer.session_stamp}:")
        session["_user_id"] = str(officer.id)
    assert not signed_in(client)


def test_password_is_hashed(app):
    user = db.session.scalar(db.select(User).filter_by(username="officer"))
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")


def test_cli_create_user(app, runner):
    result = runner.invoke(args=["users", "create", "zhang", "--name", "张三",
                                 "--unit", "新设派出所", "--role", "officer", "--password-stdin"],
                           input="Secret-2026\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(username="zhang"))
    assert user.unit.name == "新设派出所" and user.check_password("Secret-2026")


def test_cli_create_user_errors(app, runner):
    result = runner.invoke(args=["users", "create", "officer", "--name", "重复", "--unit", "x",
                                 "--password-stdin"], input="Secret-2026\n")
    assert result.exit_code != 0 and "已存在" in result.output
    result = runner.invoke(args=["users", "create", "weak", "--name", "弱", "--unit", "x",
                                 "--password-stdin"], input="abc\n")
    assert result.exit_code != 0 and "密码" in result.output
    assert db.session.scalar(db.select(User).filter_by(username="weak")) is None


def test_cli_token_is_stored_hashed(app, runner):
    result = runner.invoke(args=["users", "token", "officer"])
    assert result.exit_code == 0
    plain = result.output.strip()
    token = db.session.scalar(db.select(ApiToken))
    assert plain.startswith("sal_") and token.token_hash != plain
    missing = runner.invoke(args=["users", "token", "nobody"])
    assert missing.exit_code != 0 and "不存在" in missing.output


def test_cli_text_is_cleaned_like_any_input(app, runner):
    """A control character is dropped; bytes a GBK terminal sent (lone surrogates in argv) are
    one clear line and nothing is written."""
    result = runner.invoke(args=["users", "create", "li", "--name", "李四\x01",
                                 "--unit", "城关\x1b派出所", "--password-stdin"],
                           input="Secret-2026\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(username="li"))
    assert user.name == "李四" and user.unit.name == "城关派出所"
    result = runner.invoke(args=["users", "create", "wang", "--name", "\udcd5\udcc5",
                                 "--unit", "x", "--password-stdin"], input="Secret-2026\n")
    assert result.exit_code == 1 and "--name" in result.output and "UTF-8" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(db.select(User).filter_by(username="wang")) is None
    result = runner.invoke(args=["salons", "create", "--month", "2026-12",
                                 "--topic", "主题\udcff"])
    assert result.exit_code == 1 and "--topic" in result.output
