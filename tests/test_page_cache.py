"""Kept pages (salon/pagecache.py): served again only while nothing they show has changed,
only to the user they were made for, with CSRF tokens of the asking session."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from salon.extensions import db
from salon.posts.models import Comment, Post
from salon.problems.models import Problem
from salon.timeutil import frozen

from .conftest import AuthActions, FreshRequestClient
from .post_factories import make_post, make_salon, user


class SessionPerRequestClient(FreshRequestClient):
    """Each request starts with a new database session, as in production (the fixture's one
    app context would otherwise carry a request's objects into the next request)."""

    def open(self, *args, **kwargs):
        db.session.remove()
        return super().open(*args, **kwargs)


@pytest.fixture
def browser(app):
    """A new browser: its own cookies, hence its own session and CSRF secret."""
    app.test_client_class = SessionPerRequestClient
    make_salon("2026-11", "open")

    def open_browser(username: str | None = "officer"):
        client = app.test_client()
        if username:
            AuthActions(client).login(username)
            client.get("/")  # shows (and uses up) the welcome message
        return client

    return open_browser


@pytest.fixture
def cache(app):
    return app.extensions["page_cache"]


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def page_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def kept(cache, render_first, render_again, attempts: int = 20):
    """(first, again) where `again` was served from the cache. On PostgreSQL the version is
    the server's snapshot, which another test process's commit (same server, another
    database) also moves; the page is then rightly rendered afresh, so try for a quiet moment.
    """
    for _attempt in range(attempts):
        first = render_first()
        hits = cache.hits
        again = render_again()
        if cache.hits == hits + 1:
            return first, again
    raise AssertionError("the page never came from the cache")


def test_a_page_seen_again_comes_from_the_cache(browser, cache, count_queries):
    post_id = make_post(title="警务室夜间值守经验").id
    officer = browser()
    for path in ("/posts/", f"/posts/{post_id}"):
        counted: list[list[str]] = []

        def again(path=path, counted=counted):
            with count_queries() as statements:
                html = page(officer, path)
            counted.append(statements)
            return html
        first, served = kept(cache, lambda path=path: page(officer, path), again)
        assert len(counted[-1]) <= 1  # on PostgreSQL the data version; no look-up of the user
        assert served == first and "警务室夜间值守经验" in served


def test_each_path_and_query_is_its_own_page(browser):
    first = make_post(title="经验稿一").id
    second = make_post(title="问题稿二", kind="problem").id
    officer = browser()
    for _ in range(2):
        assert '<h1 class="h3">经验稿一</h1>' in page(officer, f"/posts/{first}")
        assert '<h1 class="h3">问题稿二</h1>' in page(officer, f"/posts/{second}")
        assert "经验稿一" not in page(officer, "/posts/?kind=problem")
        assert "问题稿二" not in page(officer, "/posts/?kind=experience")


def test_changes_show_at_once(browser, cache):
    post_id = make_post(title="旧标题").id
    officer = browser()
    assert "旧标题" in page(officer, "/posts/") and "旧标题" in page(officer, f"/posts/{post_id}")

    db.session.get(Post, post_id).title = "新标题"
    db.session.commit()
    assert "新标题" in page(officer, "/posts/") and "新标题" in page(officer, f"/posts/{post_id}")

    make_post(author="officer2", title="另一篇新稿")
    assert "另一篇新稿" in page(officer, "/posts/")

    db.session.add(Comment(post_id=post_id, author=user("officer2"), body="学习了，很实用"))
    db.session.commit()
    assert "学习了，很实用" in page(officer, f"/posts/{post_id}")


def test_a_commit_by_another_process_shows_at_once(app, browser):
    """Another server or a command-line tool writes through its own connection."""
    post_id = make_post(title="改前标题").id
    officer = browser()
    assert "改前标题" in page(officer, f"/posts/{post_id}")
    page(officer, f"/posts/{post_id}")
    elsewhere = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with elsewhere.begin() as connection:
            connection.execute(text("UPDATE post SET title = '别处改的标题' WHERE id = :id"),
                               {"id": post_id})
    finally:
        elsewhere.dispose()
    assert "别处改的标题" in page(officer, f"/posts/{post_id}")


def test_pages_never_go_to_another_user(browser, cache):
    draft_id = make_post(title="城关的草稿", submit=False).id
    make_post(author="officer2", title="曹甸的草稿", submit=False)
    officer, officer2 = browser("officer"), browser("officer2")
    for _ in range(2):
        mine = page(officer, "/posts/?drafts=1")
        assert "城关的草稿" in page(officer, f"/posts/{draft_id}")
    assert "城关的草稿" in mine and "曹甸的草稿" not in mine and "测试officer" in mine

    hits = cache.hits
    theirs = page(officer2, "/posts/?drafts=1")
    assert "曹甸的草稿" in theirs and "城关的草稿" not in theirs and "王二" in theirs
    assert "测试officer" not in theirs
    assert officer2.get(f"/posts/{draft_id}").status_code == 403
    assert cache.hits == hits


def test_the_next_user_of_the_same_browser_gets_their_own_pages(browser):
    make_post(title="城关的草稿", submit=False)
    shared = browser("officer")
    for _ in range(2):
        assert "城关的草稿" in page(shared, "/posts/?drafts=1")
    AuthActions(shared).logout()
    AuthActions(shared).login("officer2")
    page(shared, "/")
    for _ in range(2):
        assert "城关的草稿" not in page(shared, "/posts/?drafts=1")


def test_a_session_that_changes_hands_gets_nothing_of_the_previous_user(browser):
    """Same session (and CSRF secret), same data, another user: e.g. a remember-me sign-in."""
    make_post(title="城关的草稿", submit=False)
    shared = browser("officer")
    for _ in range(2):
        assert "城关的草稿" in page(shared, "/posts/?drafts=1")
    other = user("officer2").get_id()
    with shared.session_transaction() as session:
        session["_user_id"] = other
    html = page(shared, "/posts/?drafts=1")
    assert "城关的草稿" not in html and "王二" in html


def test_a_session_refused_by_session_protection_gets_no_kept_page(browser):
    """Flask-Login still decides who is signed in: a session cookie used from another browser
    is refused (for a non-permanent session, in "strong" mode) even when a page is kept."""
    post_id = make_post(title="经验").id
    officer = browser()
    with officer.session_transaction() as session:
        session.permanent = False
    for _ in range(2):
        page(officer, f"/posts/{post_id}")
    stolen = officer.get(f"/posts/{post_id}", headers={"User-Agent": "另一台电脑"})
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]


def test_role_changes_and_deactivation_apply_at_once(browser):
    post_id = make_post(title="经验").id
    organizer = browser("organizer")
    for _ in range(2):
        assert "组织者操作" in page(organizer, f"/posts/{post_id}")

    user("organizer").role = "officer"
    db.session.commit()
    # The role is part of the session stamp: the kept organizer page is not served, the
    # session is ended, and signed in again the user sees an officer's page.
    assert organizer.get(f"/posts/{post_id}").status_code == 302
    AuthActions(organizer).login("organizer")
    assert "组织者操作" not in page(organizer, f"/posts/{post_id}")

    user("organizer").active = False
    db.session.commit()
    assert organizer.get(f"/posts/{post_id}").status_code == 302


def test_csrf_tokens_in_a_kept_page_are_accepted(browser, cache):
    post_id = make_post(title="经验").id
    officer = browser()
    _first, served = kept(cache, lambda: page(officer, f"/posts/{post_id}"),
                          lambda: page(officer, f"/posts/{post_id}"))
    answer = officer.post(f"/posts/{post_id}/comments",
                          data={"body": "用缓存页面的令牌评论", "csrf_token": page_token(served)})
    assert answer.status_code == 302
    assert db.session.scalar(db.select(Comment.body)) == "用缓存页面的令牌评论"


def test_each_session_gets_its_own_tokens(browser, cache):
    """The same user in two browsers shares kept pages, but each gets its own CSRF tokens."""
    post_id = make_post(title="经验").id
    first, second = browser("officer"), browser("officer")
    from_first, from_second = kept(cache, lambda: page(first, f"/posts/{post_id}"),
                                   lambda: page(second, f"/posts/{post_id}"))
    assert page_token(from_second) != page_token(from_first)
    assert from_second.replace(page_token(from_second), "") == from_first.replace(
        page_token(from_first), "")
    refused = second.post(f"/posts/{post_id}/comments",
                          data={"body": "别的会话的令牌", "csrf_token": page_token(from_first)})
    assert refused.status_code == 400
    accepted = second.post(f"/posts/{post_id}/comments",
                           data={"body": "自己的令牌", "csrf_token": page_token(from_second)})
    assert accepted.status_code == 302


def test_messages_are_shown_once_and_never_kept(browser):
    post_id = make_post(title="经验").id
    officer = browser()
    html = page(officer, f"/posts/{post_id}")
    officer.post(f"/posts/{post_id}/comments",
                 data={"body": "第一条评论", "csrf_token": page_token(html)})
    assert "评论已发表" in page(officer, f"/posts/{post_id}")
    for _ in range(2):
        html = page(officer, f"/posts/{post_id}")
        assert "第一条评论" in html and "评论已发表" not in html


def test_a_message_waiting_for_the_next_page_is_shown_on_it(browser, cache):
    """An empty comment changes no data; the page after it must still carry the message."""
    post_id = make_post(title="经验").id
    officer = browser()
    for _ in range(2):
        html = page(officer, f"/posts/{post_id}")
    officer.post(f"/posts/{post_id}/comments", data={"body": " ", "csrf_token": page_token(html)})
    assert "评论内容不能为空" in page(officer, f"/posts/{post_id}")


def test_deadlines_follow_the_date(browser):
    post = make_post(title="路灯不亮", kind="problem")
    post_id = post.id
    problem = db.session.scalar(db.select(Problem).filter_by(post_id=post_id))
    problem.deadline = date(2026, 11, 26)
    db.session.commit()
    officer = browser()
    with frozen(datetime(2026, 11, 25, 9, 0)):
        for _ in range(2):
            assert "还剩 1 天" in page(officer, f"/posts/{post_id}")
    with frozen(datetime(2026, 11, 25, 9, 0) + timedelta(days=2)):
        assert "已超期 1 天" in page(officer, f"/posts/{post_id}")


def test_refusals_are_never_kept(browser, cache):
    draft_id = make_post(title="城关的草稿", submit=False).id
    officer2 = browser("officer2")
    for _ in range(2):
        assert officer2.get(f"/posts/{draft_id}").status_code == 403
        assert officer2.get("/posts/999999").status_code == 404
    assert cache.hits == 0


def test_a_page_whose_related_posts_failed_is_not_kept(browser, cache, monkeypatch):
    from salon.search import services

    post_id = make_post(title="经验").id
    officer = browser()

    def broken(_post, limit=5):
        raise RuntimeError("索引读取失败")

    monkeypatch.setattr(services, "related_posts", broken)
    for _ in range(2):
        page(officer, f"/posts/{post_id}")
    assert cache.hits == 0


def test_a_new_search_index_renders_the_post_page_again(app, browser, cache):
    """相关经验 come from the index: a rebuilt index is a new version even with the same data."""
    from salon.search import reindex

    post_id = make_post(title="社区民警走访经验", body="社区民警每周走访群众").id
    make_post(title="民警走访群众的体会", body="走访群众、化解矛盾")
    officer = browser()
    for _ in range(2):
        html = page(officer, f"/posts/{post_id}")
    assert "相关经验" in html
    hits = cache.hits
    reindex(app)
    assert "相关经验" in page(officer, f"/posts/{post_id}")
    assert cache.hits == hits


def test_signed_out_visitors_are_sent_to_sign_in(browser):
    post_id = make_post(title="经验").id
    visitor = browser(None)
    for _ in range(2):
        assert visitor.get(f"/posts/{post_id}").status_code == 302
        assert visitor.get("/posts/").status_code == 302
