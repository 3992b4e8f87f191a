"""CSRF: every state-changing route, found by walking the URL map, refuses a request without
a valid token and changes nothing. A new route must be added to CSRF_SAMPLES to pass."""
from pathlib import Path

from salon.accounts.models import ApiToken
from salon.extensions import db

from .conftest import csrf_token
from .routes import (
    ANONYMOUS,
    WRITE_METHODS,
    build_world,
    rules,
    signed_in_clients,
    snapshot,
    url_for_rule,
    user,
)

# endpoint: the role that may do it (so only the missing token stops it), or
# (role, {URL argument: key in build_world()}) when the default sample is not the right one.
CSRF_SAMPLES: dict[str, str | tuple[str, dict[str, str]]] = {
    "accounts.change_password": "officer",
    "accounts.login": ANONYMOUS,
    "accounts.logout": "officer",
    "accounts.revoke": "officer",
    "accounts.settings": "officer",
    "accounts.tokens": "officer",
    "admin.create": "admin",
    "admin.create_unit": "admin",
    "admin.deactivate": "admin",
    "admin.edit": "admin",
    "admin.edit_unit": "admin",
    "admin.reactivate": "admin",
    "admin.reset_password": "admin",
    "assessment.edit_brand": "organizer",
    "assessment.edit_indicator": "organizer",
    "assessment.edit_profile": "admin",
    "assessment.figures": "organizer",
    "assessment.new_indicator": "organizer",
    "assessment.publish": "organizer",
    "bulletin.build": "organizer",
    "bulletin.publish": "organizer",
    "bulletin.remind": "organizer",
    "bulletin.settings": "organizer",
    "notifications.read": "officer",
    "posts.comment": "officer",
    "posts.edit": ("officer", {"post_id": "draft_id"}),
    "posts.flag": "organizer",
    "posts.import_docx": "officer",
    "posts.new": "officer",
    "posts.review_post": ("organizer", {"post_id": "pending_id"}),  # the desk reviews it
    "posts.upload_image": "officer",
    "problems.act": "leader",
    "lectures.attend": "officer",
    "lectures.delete_material": "organizer",
    "lectures.edit": "organizer",
    "lectures.new": "organizer",
    "lectures.upload": "organizer",
    "signoff.act": "organizer",  # 送审
    "salons.advance": "organizer",
    "salons.agenda": "organizer",
    "salons.attendance": "organizer",
    "salons.cancel": "organizer",
    "salons.create": "organizer",
    "salons.edit": "organizer",
    "salons.late": "organizer",
    "salons.minutes": "organizer",
    "salons.sign_up": "officer",
    "salons.walk_in": "organizer",
    "suggestions.import_sheet": "organizer",
    "suggestions.new": "officer",
    "suggestions.triage": "organizer",
}

# Plausible form fields, so that only the missing token can be the reason for a refusal.
FORM = {"username": "officer", "password": "Passw0rd!", "current": "Passw0rd!",
        "new": "Neues1234", "confirm": "Neues1234", "label": "脚本", "name": "新名字",
        "kind": "experience", "title": "标题", "body": "正文", "month": "2026-12",
        "topic": "主题", "role": "officer", "action": "accept", "note": "同意",
        "editor_note": "编者按", "minutes": "纪要"}


def files(app) -> list[str]:
    root = Path(app.config["STORAGE_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def write_rules(app):
    """Session routes that change state (the /api/ routes are checked separately below)."""
    return [r for r in rules(app, WRITE_METHODS) if not r.rule.startswith("/api/")]


def test_every_write_route_is_in_the_sample_table(app):
    endpoints = {r.endpoint for r in write_rules(app)}
    missing = sorted(endpoints - set(CSRF_SAMPLES))
    assert not missing, (
        f"add these state-changing endpoints to CSRF_SAMPLES in tests/test_csrf.py "
        f"(with the role that may use them): {missing}")
    stale = sorted(set(CSRF_SAMPLES) - endpoints)
    assert not stale, f"remove these endpoints from CSRF_SAMPLES (no such POST route): {stale}"


def test_every_write_route_refuses_requests_without_a_token(app):
    assert app.config.get("WTF_CSRF_ENABLED", True), "CSRF must be on for this test"
    world = build_world()
    clients = signed_in_clients(app)
    failures = []
    for rule in write_rules(app):
        sample = CSRF_SAMPLES.get(rule.endpoint)
        assert sample, f"add {rule.endpoint} to CSRF_SAMPLES in tests/test_csrf.py"
        role, overrides = sample if isinstance(sample, tuple) else (sample, {})
        url = url_for_rule(app, rule, world, {a: world[k] for a, k in overrides.items()})
        for method in sorted(WRITE_METHODS & rule.methods):
            before, files_before = snapshot(), files(app)
            response = clients[role].open(url, method=method, data=FORM)
            if response.status_code != 400:
                failures.append(f"{method} {url} ({rule.endpoint}) as {role}: "
                                f"{response.status_code}, expected 400")
            if snapshot() != before or files(app) != files_before:
                failures.append(f"{method} {url} ({rule.endpoint}) changed data without a token")
    assert not failures, "\n".join(failures)
    # the refused sign-out left everyone signed in
    assert clients["officer"].get("/account/tokens").status_code == 200


def test_the_refusal_is_explained_in_chinese(client, auth):
    auth.login("officer")
    response = client.post("/account/tokens", data={"label": "x"})
    assert response.status_code == 400 and "刷新页面" in response.get_data(as_text=True)


def test_a_valid_token_is_accepted(client, auth):
    auth.login("officer")
    response = client.post("/account/tokens", data={
        "label": "x", "csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1


# --- the JSON API ----------------------------------------------------------------------------

def post_body(world) -> dict:
    return {"kind": "experience", "title": "接口投稿", "body": "正文", "salon": world["month"],
            "tags": []}


def test_api_write_with_session_but_no_token_is_refused(app, client, auth):
    world = build_world()
    auth.login("officer")
    before = snapshot()
    response = client.post("/api/posts", json=post_body(world))
    assert response.status_code == 400 and "error" in response.get_json()
    response = client.post(f"/api/problems/{world['problem_id']}/events",
                           json={"action": "confirm"})
    assert response.status_code == 400
    assert snapshot() == before


def test_api_write_with_session_and_header_token_passes(app, client, auth):
    world = build_world()
    auth.login("officer")
    token = csrf_token(client, "/account/tokens")
    response = client.post("/api/posts", json=post_body(world), headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()


def test_api_write_with_bearer_token_needs_no_csrf(app):
    world = build_world()
    _, plain = ApiToken.issue(user("officer"), "脚本")
    db.session.commit()
    response = app.test_client().post("/api/posts", json=post_body(world),
                                      headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 201, response.get_json()


def test_a_session_plus_a_bogus_bearer_header_still_needs_csrf(app, client, auth):
    """A bearer request is judged by its token alone: a forged one gets nothing from the
    session beside it (401), and so no CSRF-free write."""
    world = build_world()
    auth.login("officer")
    response = client.post("/api/posts", json=post_body(world),
                           headers={"Authorization": "Bearer sal_forged"})
    assert response.status_code == 401
