"""Every list is one page with its total: the paging helper and the lists that grow with data."""
from datetime import date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from salon.dashboard import services as dashboard
from salon.dashboard.services import build_dashboard
from salon.errors import InvalidInput
from salon.extensions import db
from salon.paging import MAX_LIMIT, MAX_PAGE, Paging, paging_from
from salon.posts.models import Post
from salon.problems.queries import ProblemFilters
from salon.timeutil import frozen

from .problem_data import make_problem, walk
from .test_problems_api import bearer


def test_paging_defaults_caps_and_refusals(app):
    assert paging_from(MultiDict()) == Paging(1, 20)
    assert paging_from(MultiDict({"page": "3", "limit": "7"})) == Paging(3, 7)
    # Pages are forgiving: a malformed value is the default, a large one the cap.
    for value in ("0", "-1", "x", "²", "1e3", "9" * 40):
        assert paging_from(MultiDict({"page": value, "limit": value})).page in (1, MAX_PAGE)
    assert paging_from(MultiDict({"limit": "100000"})).limit == MAX_LIMIT
    # The API is strict: 400 naming the argument.
    for value in ("0", "x", "²", "100000", "9" * 40):
        with pytest.raises(InvalidInput, match="limit"):
            paging_from(MultiDict({"limit": value}), strict=True)


def test_the_dashboard_lists_a_bounded_number_of_overdue_problems(app, monkeypatch):
    monkeypatch.setattr(dashboard, "OVERDUE_SHOWN", 2)
    for n in range(4):
        walk(make_problem(f"超期{n}"), "assigned", deadline=date(2026, 11, 10 + n))
    with frozen(datetime(2026, 11, 25, 9)):
        board = build_dashboard(ProblemFilters())
    assert board.overdue_count == 4
    assert [p.post.title for p in board.overdue] == ["超期0", "超期1"]


def test_todo_sections_are_paginated(app, client, auth):
    app.config["POSTS_PER_PAGE"] = 2
    for n in range(5):
        make_problem(f"待受理{n}", at=datetime(2026, 11, 2 + n, 9))
    auth.login("organizer")
    html = client.get("/problems/todo").get_data(as_text=True)
    assert "待受理4" in html and "待受理2" not in html and "共 5 条，第 1/3 页" in html
    html = client.get("/problems/todo?kind=to_accept&page=3").get_data(as_text=True)
    assert "待受理0" in html and "待受理4" not in html


def test_showcase_shows_a_bounded_number_per_unit(app, client, auth, monkeypatch):
    from salon.posts import services as posts

    monkeypatch.setattr(posts, "SHOWCASE_PER_UNIT", 3)
    for n in range(5):
        post = make_problem(f"典型{n}", at=datetime(2026, 11, 2 + n, 9)).post
        post.kind, post.exemplary = "experience", True
    db.session.commit()
    groups = posts.exemplary_by_unit()
    assert [(unit.name, [p.title for p in items], total) for unit, items, total in groups] == [
        ("城关派出所", ["典型4", "典型3", "典型2"], 5)]
    auth.login()
    html = client.get("/posts/showcase").get_data(as_text=True)
    assert "典型4" in html and "典型1" not in html and "5 篇" in html


def test_api_lists_answer_page_limit_and_total(app, client):
    for n in range(3):
        make_problem(f"问题{n}")
    headers = bearer("officer")
    body = client.get("/api/posts?limit=2", headers=headers).get_json()
    assert (body["total"], body["page"], body["limit"], body["pages"]) == (3, 1, 2, 2)
    assert len(body["results"]) == 2
    assert client.get("/api/posts?limit=101", headers=headers).status_code == 400
    body = client.get("/api/search?q=问题&limit=2&page=1", headers=headers).get_json()
    assert body["limit"] == 2 and body["page"] == 1 and len(body["results"]) <= 2
    assert client.get("/api/search?q=问题&limit=51", headers=headers).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 3
