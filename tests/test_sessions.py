"""Sessions that end on the server: sign-out, password, role and deactivation; bearer first."""
from http.cookies import SimpleCookie

from salon.accounts.models import ApiToken, LoginSession, User
from salon.extensions import db

from .conftest import app_settings, app_with_schema, csrf_token
from .test_accounts import sign_in, signed_in


def officer() -> User:
    return db.session.scalar(db.select(User).filter_by(username="officer"))


def cookies_of(client) -> dict[str, str]:
    return {c.key: c.value for c in client._cookies.values()}


def replay(app, cookies: dict[str, str]):
    """Another browser (elsewhere) holding a copy of these cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_copied_session_and_remember_cookie_stop_working_at_sign_out(app, client):
    sign_in(client, remember=True)
    copied = cookies_of(client)
    assert {"session", "remember_token"} <= set(copied)
    assert signed_in(replay(app, copied))
    remember_only = {"remember_token": copied["remember_token"]}
    assert signed_in(replay(app, remember_only))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert not signed_in(client)
    assert not signed_in(replay(app, copied))
    assert not signed_in(replay(app, remember_only))
    assert db.session.scalar(db.select(LoginSession.ended_at)) is not None


def test_the_session_id_changes_at_sign_in(app, client):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client)
    with client.session_transaction() as session:
        first = session["_user_id"]
        assert "planted" not in session
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client)
    with client.session_transaction() as session:
        assert session["_user_id"] != first
    assert db.session.scalar(db.select(db.func.count(LoginSession.id))) == 2


def test_role_change_and_deactivation_end_sessions(app):
    from salon.accounts.services import set_active, update_user

    victim = app.test_client()
    sign_in(victim)
    copied = cookies_of(victim)
    admin = db.session.scalar(db.select(User).filter_by(username="admin"))
    user = officer()
    update_user(user, admin, name=user.name, police_no=None, unit=user.unit, role="leader",
                active=True)
    db.session.commit()
    assert not signed_in(replay(app, copied))
    ended = db.session.scalars(db.select(LoginSession.ended_at)).all()
    assert ended and all(ended)
    sign_in(victim)
    copied = cookies_of(victim)
    set_active(officer(), admin, False)
    db.session.commit()
    assert not signed_in(replay(app, copied))


def test_a_stray_cookie_never_refuses_a_bearer_client(app, client):
    """An API client that also holds a cookie (anonymous, or someone's stale one) is judged
    by its token alone."""
    _, plain = ApiToken.issue(officer())
    db.session.commit()
    bearer = {"Authorization": f"Bearer {plain}"}
    client.get("/login")  # an anonymous session cookie with a CSRF token
    with client.session_transaction() as session:
        session["_id"] = "another browser"
        session["_user_id"] = "999:stale:gone"
    client.set_cookie("remember_token", "999|forged")
    response = client.get("/api/me", headers=bearer)
    assert response.status_code == 200 and response.get_json()["username"] == "officer"
    assert client.get("/api/problems", headers=bearer).status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_secure_cookies_behind_https(tmp_path):
    with app_with_schema(app_settings(tmp_path, SESSION_COOKIE_SECURE=True)) as app:
        client = app.test_client()
        data = {"username": "officer", "password": "Passw0rd!",
                "csrf_token": csrf_token(client), "remember": "y"}
        response = client.post("/login", data=data)
        assert response.status_code == 302
        cookies = [SimpleCookie(h) for h in response.headers.getlist("Set-Cookie")]
        flags = {name: morsel["secure"] for c in cookies for name, morsel in c.items()}
        assert flags["session"] and flags["remember_token"]


def test_the_login_seam_refuses_an_unchecked_flask_login(monkeypatch):
    import flask_login
    import pytest

    from salon import login_seam

    login_seam.check_version()
    monkeypatch.setattr(flask_login, "__version__", "0.7.0")
    with pytest.raises(RuntimeError, match="login_seam"):
        login_seam.check_version()
