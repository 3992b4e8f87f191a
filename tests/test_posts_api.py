"""The posts JSON API: bearer tokens, filters, drafts, creation and errors in Chinese."""
import pytest

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.models import Problem

from .post_factories import make_post, make_salon, user


@pytest.fixture
def salon(app):
    return make_salon("2026-11", "open")


def bearer(username: str) -> dict:
    """Headers for a token of this user."""
    _, plain = ApiToken.issue(user(username))
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_list_needs_a_user(client, salon):
    response = client.get("/api/posts")
    assert response.status_code == 401 and is_chinese(response.get_json()["error"])
    response = client.get("/api/posts", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_revoked_token_is_refused(client, salon):
    headers = bearer("officer")
    db.session.scalar(db.select(ApiToken)).revoked_at = db.func.now()
    db.session.commit()
    assert client.get("/api/posts", headers=headers).status_code == 401


def test_list_filters_by_salon_and_kind(client, salon):
    old = make_salon("2026-10", "held")
    make_post(title="经验", tags=["调解"])
    make_post(title="问题", kind="problem")
    make_post(title="旧稿", salon=old)
    make_post(title="草稿", submit=False)
    headers = bearer("officer2")
    answer = client.get("/api/posts?salon=2026-11&kind=problem", headers=headers).get_json()
    assert answer["total"] == 1
    [item] = answer["results"]
    assert item["title"] == "问题" and item["problem_state"] == "raised"
    assert item["salon"] == "2026-11" and item["unit"] == "城关派出所"
    everything = client.get("/api/posts", headers=headers).get_json()
    assert {r["title"] for r in everything["results"]} == {"经验", "问题", "旧稿"}


def test_list_paginates_with_a_limit(client, salon):
    for n in range(5):
        make_post(title=f"稿{n}")
    headers = bearer("officer")
    answer = client.get("/api/posts?limit=2&page=3", headers=headers).get_json()
    assert answer["total"] == 5 and answer["pages"] == 3 and len(answer["results"]) == 1
    for bad in ("limit=101", "limit=0", "page=x", "kind=poem"):
        response = client.get(f"/api/posts?{bad}", headers=headers)
        assert response.status_code == 400 and is_chinese(response.get_json()["error"])


def test_get_one_has_markdown_and_sanitised_html(client, salon):
    post = make_post(body="**好**<script>alert(1)</script>[x](javascript:alert(1))")
    answer = client.get(f"/api/posts/{post.id}", headers=bearer("leader")).get_json()
    assert answer["body"].startswith("**好**")
    assert "<strong>好</strong>" in answer["html"]
    assert "<script" not in answer["html"] and "javascript:" not in answer["html"]


def test_drafts_of_others_are_forbidden_and_missing_is_404(client, salon):
    draft = make_post(submit=False)
    response = client.get(f"/api/posts/{draft.id}", headers=bearer("officer2"))
    assert response.status_code == 403 and is_chinese(response.get_json()["error"])
    assert client.get(f"/api/posts/{draft.id}", headers=bearer("officer")).status_code == 200
    response = client.get("/api/posts/999", headers=bearer("officer"))
    assert response.status_code == 404 and is_chinese(response.get_json()["error"])


def test_create_submitted_post(client, salon):
    response = client.post("/api/posts", headers=bearer("officer"), json={
        "kind": "experience", "title": "API 稿件", "body": "内容", "salon": "2026-11",
        "tags": ["接口", "测试"]})
    assert response.status_code == 201
    post = db.session.get(Post, response.get_json()["id"])
    assert post.status == "submitted" and post.author.username == "officer"
    assert post.unit.name == "城关派出所" and sorted(t.name for t in post.tags) == ["接口", "测试"]


def test_create_draft_and_problem(client, salon):
    headers = bearer("officer")
    draft = client.post("/api/posts", headers=headers, json={
        "kind": "experience", "title": "草稿", "body": "x", "salon": "2026-11", "draft": True})
    assert db.session.get(Post, draft.get_json()["id"]).status == "draft"
    problem = client.post("/api/posts", headers=headers, json={
        "kind": "problem", "title": "问题", "body": "x", "salon": "2026-11",
        "scan": "扫描", "source": "survey"})
    post_id = problem.get_json()["id"]
    record = db.session.scalar(db.select(Problem).filter_by(post_id=post_id))
    assert record.state == "raised" and record.scan == "扫描" and record.source == "survey"


@pytest.mark.parametrize("payload, status", [
    ({"kind": "poem", "title": "t", "body": "b", "salon": "2026-11"}, 400),
    ({"kind": "experience", "body": "b", "salon": "2026-11"}, 400),
    ({"kind": "experience", "title": "t", "body": "b", "salon": "2030-01"}, 400),
    ({"kind": "experience", "title": "t" * 201, "body": "b", "salon": "2026-11"}, 400),
    ({"kind": "experience", "title": "t", "body": "b", "salon": "2026-11", "tags": "a"}, 400),
    ({"kind": "experience", "title": "t", "body": "b", "salon": "2026-11", "draft": "no"}, 400),
    ({"kind": "problem", "title": "t", "body": "b", "salon": "2026-11", "source": "x"}, 400),
    ({"kind": "experience", "title": "t", "body": "b", "salon": "2026-09"}, 409),
    ([1, 2], 400),
])
def test_bad_create_is_refused_in_chinese(client, salon, payload, status):
    make_salon("2026-09", "published")
    response = client.post("/api/posts", headers=bearer("officer"), json=payload)
    assert response.status_code == status
    assert is_chinese(response.get_json()["error"])
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_body_that_is_not_json(client, salon):
    response = client.post("/api/posts", headers=bearer("officer"), data="kind=x")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]


def test_admin_may_not_write(client, salon):
    response = client.post("/api/posts", headers=bearer("admin"), json={
        "kind": "experience", "title": "t", "body": "b", "salon": "2026-11"})
    assert response.status_code == 403 and is_chinese(response.get_json()["error"])


def test_session_post_needs_csrf(client, auth, salon):
    auth.login()
    response = client.post("/api/posts", json={
        "kind": "experience", "title": "t", "body": "b", "salon": "2026-11"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0
