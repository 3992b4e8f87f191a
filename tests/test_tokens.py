"""API tokens: the settings page, bearer auth on /api/me, revocation, deactivated users."""
import re

from salon.accounts.models import ApiToken, User
from salon.extensions import db

from .conftest import csrf_token


def create_token(client, label: str = "统计脚本") -> str:
    response = client.post("/account/tokens", data={
        "label": label, "csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 200
    match = re.search(r'value="(sal_[^"]+)"', response.get_data(as_text=True))
    assert match, "the new token is shown on the page"
    return match.group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_page_needs_login(client):
    assert client.get("/account/tokens").status_code == 302


def test_create_token_shown_once_and_stored_hashed(app, client, auth):
    auth.login("officer")
    plain = create_token(client)
    stored = db.session.scalar(db.select(ApiToken))
    assert stored.token_hash != plain and plain not in stored.token_hash
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "统计脚本" in html and plain not in html and "从未使用" in html


def test_token_label_is_required(client, auth):
    auth.login("officer")
    response = client.post("/account/tokens", data={
        "label": "", "csrf_token": csrf_token(client, "/account/tokens")})
    assert "请填写令牌备注" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_bearer_token_reaches_api_me(app, client, auth):
    auth.login("organizer")
    plain = create_token(client)
    fresh = app.test_client()
    response = fresh.get("/api/me", headers=bearer(plain))
    assert response.status_code == 200
    assert response.get_json() == {"username": "organizer", "name": "测试organizer",
                                   "role": "organizer", "unit": "治安大队"}
    assert "从未使用" not in client.get("/account/tokens").get_data(as_text=True)


def test_api_me_with_session_and_without_anything(client, auth):
    assert client.get("/api/me").status_code == 401
    assert "error" in client.get("/api/me").get_json()
    auth.login("leader")
    assert client.get("/api/me").get_json()["role"] == "leader"


def test_wrong_token_is_401_json(client):
    response = client.get("/api/me", headers=bearer("sal_not-a-real-token"))
    assert response.status_code == 401 and response.get_json()["error"]


def test_revoked_token_stops_working(app, client, auth):
    auth.login("officer")
    plain = create_token(client)
    token = db.session.scalar(db.select(ApiToken))
    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 302
    assert "已撤销" in client.get("/account/tokens").get_data(as_text=True)
    response = app.test_client().get("/api/me", headers=bearer(plain))
    assert response.status_code == 401 and response.get_json()["error"]


def test_cannot_revoke_someone_elses_token(app, client, auth):
    other = db.session.scalar(db.select(User).filter_by(username="officer2"))
    token, plain = ApiToken.issue(other, "他人的")
    db.session.commit()
    auth.login("officer")
    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
    assert "他人的" not in client.get("/account/tokens").get_data(as_text=True)


def test_tokens_of_deactivated_users_stop_working(app):
    user = db.session.scalar(db.select(User).filter_by(username="officer2"))
    _, plain = ApiToken.issue(user, "脚本")
    db.session.commit()
    client = app.test_client()
    assert client.get("/api/me", headers=bearer(plain)).status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/api/me", headers=bearer(plain)).status_code == 401


def test_bearer_request_does_not_open_a_session(app):
    user = db.session.scalar(db.select(User).filter_by(username="officer"))
    _, plain = ApiToken.issue(user, "脚本")
    db.session.commit()
    client = app.test_client()
    client.get("/api/me", headers=bearer(plain))
    assert client.get("/salons/").status_code == 302


def test_token_use_is_recorded_at_most_once_a_minute(app, client, auth):
    """A commit per API call would be a write each time and empty every page cache."""
    from datetime import datetime, timedelta

    from salon.timeutil import frozen

    auth.login("organizer")
    plain = create_token(client)
    fresh = app.test_client()
    start = datetime(2026, 11, 26, 9, 0, 0)

    def last_used():
        db.session.expire_all()
        return db.session.scalar(db.select(ApiToken.last_used_at))

    with frozen(start):
        assert fresh.get("/api/me", headers=bearer(plain)).status_code == 200
    assert last_used() == start
    with frozen(start + timedelta(seconds=30)):
        assert fresh.get("/api/me", headers=bearer(plain)).status_code == 200
    assert last_used() == start
    with frozen(start + timedelta(seconds=61)):
        assert fresh.get("/api/me", headers=bearer(plain)).status_code == 200
    assert last_used() == start + timedelta(seconds=61)


def test_changing_ones_password_revokes_ones_tokens(app, client, auth):
    from .conftest import PASSWORD

    auth.login("officer")
    plain = create_token(client)
    auth.logout()
    auth.login("organizer")
    others = create_token(client)  # someone else's token is not touched
    auth.logout()
    auth.login("officer")
    response = client.post("/account/password", follow_redirects=True, data={
        "current": PASSWORD, "new": "NewPassw0rd", "confirm": "NewPassw0rd",
        "csrf_token": csrf_token(client, "/account/password")})
    assert "1 个 API 令牌已作废" in response.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.get("/api/me", headers=bearer(plain)).status_code == 401
    assert fresh.get("/api/me", headers=bearer(others)).status_code == 200
