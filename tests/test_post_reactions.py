"""Post reactions: comments, the organizers' flags (入选专刊, 典型经验) and the showcase."""
import pytest

from salon.extensions import db
from salon.posts.models import Comment, Post

from .conftest import csrf_token
from .post_factories import make_post, make_salon


@pytest.fixture
def salon(app):
    return make_salon("2026-11", "open")


# --- comments --------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["officer2", "organizer", "leader", "admin"])
def test_every_signed_in_user_comments(client, auth, salon, username):
    post = make_post()
    auth.login(username)
    token = csrf_token(client, f"/posts/{post.id}")
    client.post(f"/posts/{post.id}/comments", data={"body": "很有启发", "csrf_token": token})
    assert "很有启发" in client.get(f"/posts/{post.id}").get_data(as_text=True)


@pytest.mark.parametrize("body, message", [("  ", "评论内容不能为空"), ("长" * 2001, "评论最多")])
def test_bad_comment_is_refused(client, auth, salon, body, message):
    post = make_post()
    auth.login()
    token = csrf_token(client, f"/posts/{post.id}")
    response = client.post(f"/posts/{post.id}/comments", data={"body": body, "csrf_token": token},
                           follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_comment_on_others_draft_is_forbidden(client, auth, salon):
    draft = make_post(submit=False)
    auth.login("officer2")
    token = csrf_token(client, "/posts/")
    response = client.post(f"/posts/{draft.id}/comments", data={"body": "x", "csrf_token": token})
    assert response.status_code == 403


def test_comment_is_escaped(client, auth, salon):
    post = make_post()
    auth.login()
    token = csrf_token(client, f"/posts/{post.id}")
    client.post(f"/posts/{post.id}/comments",
                data={"body": "<script>alert(1)</script>", "csrf_token": token})
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


# --- flags and showcase ----------------------------------------------------------------------

def test_organizer_marks_bulletin_and_exemplary(client, auth, salon):
    post = make_post(title="典型做法")
    auth.login("organizer")
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "设为入选专刊" in html and "设为典型经验" in html
    token = csrf_token(client, f"/posts/{post.id}")
    for flag in ("in_bulletin", "exemplary"):
        assert client.post(f"/posts/{post.id}/flags/{flag}",
                           data={"csrf_token": token}).status_code == 302
    db.session.refresh(post)
    assert post.in_bulletin and post.exemplary
    showcase = client.get("/posts/showcase").get_data(as_text=True)
    assert "典型做法" in showcase and "城关派出所" in showcase
    client.post(f"/posts/{post.id}/flags/exemplary", data={"csrf_token": token})
    db.session.refresh(post)
    assert not post.exemplary
    assert "典型做法" not in client.get("/posts/showcase").get_data(as_text=True)


@pytest.mark.parametrize("username", ["officer", "officer2", "leader", "admin"])
def test_only_organizers_flag(client, auth, salon, username):
    post = make_post()
    auth.login(username)
    token = csrf_token(client, f"/posts/{post.id}")
    response = client.post(f"/posts/{post.id}/flags/exemplary", data={"csrf_token": token})
    assert response.status_code == 403 and "只有组织者" in response.get_data(as_text=True)
    assert not db.session.get(Post, post.id).exemplary


def test_flag_without_csrf_and_unknown_flag_are_refused(client, auth, salon):
    post = make_post()
    auth.login("organizer")
    assert client.post(f"/posts/{post.id}/flags/exemplary").status_code == 400
    token = csrf_token(client, f"/posts/{post.id}")
    assert client.post(f"/posts/{post.id}/flags/author_id",
                       data={"csrf_token": token}).status_code == 404


def test_showcase_groups_by_unit(client, auth, salon):
    for author, title in (("officer", "城关一"), ("officer", "城关二"), ("officer2", "曹甸一")):
        make_post(author=author, title=title).exemplary = True
    db.session.commit()
    auth.login()
    html = client.get("/posts/showcase").get_data(as_text=True)
    assert html.index("城关派出所") < html.index("城关一") < html.index("曹甸派出所")
    assert "2 篇" in html and "1 篇" in html
