"""所长审核 (SALON_POST_REVIEW=unit_head): submit, return with a comment, resubmit, approve.

城关派出所 has a 所长 ("head") over the officer; 曹甸派出所 (officer2) has none, so the
desk (the organizer) reviews its posts.
"""
import re

import pytest
from jinja2 import FileSystemBytecodeCache

from salon.accounts.services import create_user
from salon.demo_data import DEMO_PASSWORD
from salon.extensions import db
from salon.notifications.models import Notification
from salon.posts.models import Post, PostReview
from salon.problems.models import Problem

from .conftest import PASSWORD_HASH, AuthActions, app_settings, app_with_schema, csrf_token
from .post_factories import make_post, make_salon, user


@pytest.fixture
def app(tmp_path, template_cache):
    with app_with_schema(app_settings(tmp_path, POST_REVIEW="unit_head")) as app:
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(template_cache))
        create_user("head", "李所长", "城关派出所", "officer",
                    unit_head=True).password_hash = PASSWORD_HASH
        db.session.commit()
        make_salon("2026-11", "open")
        yield app


def signed_in(app, username: str):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


def write(client, title="夜间巡逻的几点做法", body="正文：巡逻路线按警情调整。", submit=True,
          kind="experience", **extra):
    form = {"csrf_token": csrf_token(client, "/posts/new"), "kind": kind, "title": title,
            "body": body, "salon": str(make_salon_id()), "tags": "巡逻", "source": "officer",
            **extra}
    form["submit_post" if submit else "save_draft"] = "1"
    return client.post("/posts/new", data=form)


def make_salon_id() -> int:
    from salon.salons.models import Salon
    return db.session.scalar(db.select(Salon.id).filter_by(month="2026-11"))


def decide(client, post_id, decision, comment=""):
    return client.post(f"/posts/{post_id}/review", data={
        "csrf_token": csrf_token(client, f"/posts/{post_id}"), "decision": decision,
        "comment": comment})


def newest(title="夜间巡逻的几点做法") -> Post:
    db.session.expire_all()
    return db.session.scalar(db.select(Post).filter_by(title=title))


def messages(username: str) -> list[str]:
    return list(db.session.scalars(db.select(Notification.text).where(
        Notification.user_id == user(username).id).order_by(Notification.id)))


def found(client, query: str, post_id: int) -> bool:
    """The search page links to the post (titles there are highlighted, so look for its link)."""
    html = client.get("/search/", query_string={"q": query}).get_data(as_text=True)
    return f'href="/posts/{post_id}"' in html


def listed(client, title: str) -> bool:
    return title in client.get("/posts/").get_data(as_text=True)


def test_an_officers_post_waits_for_the_head_and_nobody_else_sees_it(app):
    officer, head, other = (signed_in(app, n) for n in ("officer", "head", "officer2"))
    response = write(officer)
    assert response.status_code == 302
    assert "等待所长审核" in officer.get(response.headers["Location"]).get_data(as_text=True)
    post = newest()
    assert post.status == "pending"
    page = officer.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "待所长审核" in page and "李所长" in page and "review-form" not in page
    assert "待所长审核" in officer.get("/posts/?drafts=1").get_data(as_text=True)
    # others: not in the list, the API, search; the page and the API answer 404
    assert not listed(other, post.title)
    assert other.get(f"/posts/{post.id}").status_code == 404
    assert other.get(f"/api/posts/{post.id}").status_code == 404
    assert post.id not in [p["id"] for p in other.get("/api/posts").get_json()["results"]]
    assert not found(other, "巡逻", post.id)
    assert found(officer, "巡逻", post.id)  # the author finds their own
    # the head: a message, 我的待办, the page with the review form
    assert messages("head") == [
        "测试officer（城关派出所）提交了稿件《夜间巡逻的几点做法》，等待您审核。"]
    todo = head.get("/problems/todo").get_data(as_text=True)
    assert "待我审核的稿件" in todo and f"/posts/{post.id}" in todo
    assert 'todo-badge">1<' in head.get("/").get_data(as_text=True)
    assert "review-form" in head.get(f"/posts/{post.id}").get_data(as_text=True)
    assert head.get(f"/api/posts/{post.id}").get_json()["review"] == "pending"


def test_return_resubmit_approve_and_only_then_everyone_finds_it(app):
    officer, head, other = (signed_in(app, n) for n in ("officer", "head", "officer2"))
    write(officer)
    post = newest()
    # a return needs a comment; the refusal keeps the post pending
    refused = decide(head, post.id, "return")
    assert refused.status_code == 400 and "退回修改须填写意见" in refused.get_data(as_text=True)
    assert newest().status == "pending"
    assert decide(head, post.id, "return", "请补充巡逻路线图，删去群众姓名。").status_code == 302
    post = newest()
    assert post.status == "draft" and post.review_comment == "请补充巡逻路线图，删去群众姓名。"
    assert messages("officer")[-1] == (
        "您的稿件《夜间巡逻的几点做法》被李所长退回修改：请补充巡逻路线图，删去群众姓名。")
    page = officer.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "已退回" in page and "请补充巡逻路线图" in page and "按意见修改" in page
    mine = officer.get("/posts/?drafts=1").get_data(as_text=True)
    assert "已退回" in mine and "退回意见：请补充巡逻路线图" in mine
    editor = officer.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "重新提交审核" in editor and "请补充巡逻路线图" in editor
    assert head.get("/problems/todo").get_data(as_text=True).count("待我审核的稿件") == 0
    # the author fixes it and resubmits
    form = {"csrf_token": csrf_token(officer, f"/posts/{post.id}/edit"), "kind": "experience",
            "title": post.title, "body": "正文：附巡逻路线图。", "salon": str(make_salon_id()),
            "tags": "巡逻", "source": "officer", "submit_post": "1"}
    assert officer.post(f"/posts/{post.id}/edit", data=form).status_code == 302
    assert newest().status == "pending"
    assert "修改后重新提交" in messages("head")[-1]
    assert not listed(other, post.title)
    assert decide(head, post.id, "approve").status_code == 302
    post = newest()
    assert post.status == "submitted" and post.reviewer.username == "head"
    assert "已由李所长审核通过" in messages("officer")[-1]
    assert listed(other, post.title)
    assert found(other, "巡逻路线图", post.id)
    assert "已通过审核" in officer.get(f"/posts/{post.id}").get_data(as_text=True)
    steps = [s.action for s in db.session.scalars(
        db.select(PostReview).filter_by(post_id=post.id).order_by(PostReview.id))]
    assert steps == ["submit", "return", "submit", "approve"]


def test_a_problem_record_is_opened_on_approval_not_on_submission(app):
    officer, head = signed_in(app, "officer"), signed_in(app, "head")
    write(officer, title="村口路灯损坏", kind="problem", scan="村口路灯坏了三个月。")
    post = newest("村口路灯损坏")
    assert post.status == "pending" and db.session.scalar(db.select(Problem.id)) is None
    decide(head, post.id, "approve")
    problem = db.session.scalar(db.select(Problem))
    assert problem.post_id == post.id and problem.scan == "村口路灯坏了三个月。"


@pytest.mark.parametrize("author", ["head", "organizer", "leader"])
def test_heads_organizers_and_leaders_publish_at_once(app, author):
    post = make_post(author, title="无需审核的稿件")
    assert post.status == "submitted"
    assert db.session.scalar(db.select(PostReview.id)) is None


def test_a_unit_without_a_head_goes_to_the_desk_and_the_page_says_so(app):
    other, desk, head = (signed_in(app, n) for n in ("officer2", "organizer", "head"))
    write(other, title="曹甸的稿件")
    post = newest("曹甸的稿件")
    page = other.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "本单位未设所长，由治安大队审核" in page
    assert "测试organizer" in page
    assert messages("organizer") and "本单位未设所长，由治安大队审核" in messages("organizer")[0]
    assert f"/posts/{post.id}" in desk.get("/problems/todo").get_data(as_text=True)
    assert head.get(f"/posts/{post.id}").status_code == 404  # another unit's head
    assert decide(desk, post.id, "approve").status_code == 302
    assert newest("曹甸的稿件").status == "submitted"


def test_an_author_may_not_review_and_others_do_not_see_it(app):
    officer, leader = signed_in(app, "officer"), signed_in(app, "leader")
    write(officer)
    post = newest()
    assert decide(officer, post.id, "approve").status_code == 403
    assert decide(leader, post.id, "approve").status_code == 404
    assert newest().status == "pending"


def test_two_reviewers_at_once_one_wins_the_other_gets_409(app):
    create_user("head2", "王教导员", "城关派出所", "officer",
                unit_head=True).password_hash = PASSWORD_HASH
    db.session.commit()
    officer, first, second = (signed_in(app, n) for n in ("officer", "head", "head2"))
    write(officer)
    post = newest()
    token = csrf_token(second, f"/posts/{post.id}")  # the second opened the page first
    assert decide(first, post.id, "approve").status_code == 302
    late = second.post(f"/posts/{post.id}/review", data={
        "csrf_token": token, "decision": "return", "comment": "再改改"})
    assert late.status_code == 409 and "已审核通过" in late.get_data(as_text=True)
    assert newest().status == "submitted"


def test_the_conditional_update_refuses_a_post_decided_a_moment_ago(app):
    """The check in Python passed, then another reviewer's commit landed: the UPDATE misses."""
    from salon.errors import Conflict
    from salon.posts import review

    write(signed_in(app, "officer"))
    post = newest()
    with db.engine.begin() as connection:  # the other reviewer, in their own transaction
        connection.execute(db.update(Post).where(Post.id == post.id).values(status="submitted"))
    with pytest.raises(Conflict, match="已审核通过"):
        review.decide(post, user("head"), "approve")
    db.session.rollback()


def test_an_author_may_withdraw_a_pending_post(app):
    officer = signed_in(app, "officer")
    write(officer)
    post = newest()
    form = {"csrf_token": csrf_token(officer, f"/posts/{post.id}/edit"), "kind": "experience",
            "title": post.title, "body": post.body, "salon": str(make_salon_id()),
            "tags": "巡逻", "source": "officer", "save_draft": "1"}
    response = officer.post(f"/posts/{post.id}/edit", data=form, follow_redirects=True)
    assert "已撤回为草稿" in response.get_data(as_text=True)
    assert newest().status == "draft"


def test_switching_review_on_hides_nothing_and_off_releases_nothing(app):
    app.config["POST_REVIEW"] = ""
    published = make_post("officer", title="审核开启前的稿件")
    assert published.status == "submitted"
    app.config["POST_REVIEW"] = "unit_head"
    other = signed_in(app, "officer2")
    assert listed(other, "审核开启前的稿件")
    waiting = make_post("officer", title="开启后提交的稿件")
    assert waiting.status == "pending"
    app.config["POST_REVIEW"] = ""  # switched off: the pending post still waits
    assert not listed(other, "开启后提交的稿件")
    head = signed_in(app, "head")
    assert f"/posts/{waiting.id}" in head.get("/problems/todo").get_data(as_text=True)
    assert decide(head, waiting.id, "approve").status_code == 302
    assert listed(other, "开启后提交的稿件")
    assert make_post("officer", title="关闭后提交的稿件").status == "submitted"


def test_review_is_off_by_default(tmp_path):
    """Without SALON_POST_REVIEW an officer's post is published at once, as before."""
    with app_with_schema(app_settings(tmp_path / "plain")) as plain:
        assert plain.config["POST_REVIEW"] == ""
        make_salon("2026-11", "open")
        post = make_post("officer", title="不经审核的稿件")
        assert post.status == "submitted"
        assert listed(signed_in(plain, "officer2"), "不经审核的稿件")


def test_an_unknown_setting_stops_the_app(tmp_path):
    from salon import create_app

    with pytest.raises(RuntimeError, match="SALON_POST_REVIEW"):
        create_app(app_settings(tmp_path, POST_REVIEW="leader"))


def test_the_api_creates_pending_posts_and_reviews_them(app):
    from .test_posts_api import bearer

    created = app.test_client().post("/api/posts", headers=bearer("officer"), json={
        "kind": "experience", "title": "接口提交的稿件", "body": "正文", "salon": "2026-11"})
    assert created.status_code == 201 and created.get_json()["status"] == "pending"
    post_id = created.get_json()["id"]
    api = app.test_client()
    head = bearer("head")
    refused = api.post(f"/api/posts/{post_id}/review", headers=head,
                       json={"decision": "return", "comment": " "})
    assert refused.status_code == 400 and "须填写意见" in refused.get_json()["error"]
    bad = api.post(f"/api/posts/{post_id}/review", headers=head, json={"decision": "ok"})
    assert bad.status_code == 400 and "approve" in bad.get_json()["error"]
    assert api.post(f"/api/posts/{post_id}/review", headers=bearer("officer"),
                    json={"decision": "approve"}).status_code == 403
    assert api.post(f"/api/posts/{post_id}/review", headers=bearer("officer2"),
                    json={"decision": "approve"}).status_code == 404
    returned = api.post(f"/api/posts/{post_id}/review", headers=head,
                        json={"decision": "return", "comment": "请补充数据"})
    assert returned.get_json() | {"url": ""} == {
        "id": post_id, "status": "draft", "review": "returned", "url": ""}
    seen = api.get(f"/api/posts/{post_id}", headers=bearer("officer")).get_json()
    assert seen["review"] == "returned" and seen["review_comment"] == "请补充数据"
    again = api.post(f"/api/posts/{post_id}/review", headers=head, json={"decision": "approve"})
    assert again.status_code == 404  # a returned draft is its author's again


def test_the_api_answers_409_to_the_second_reviewer(app):
    from .test_posts_api import bearer

    create_user("head2", "王教导员", "城关派出所", "officer", unit_head=True)
    db.session.commit()
    post = make_post("officer", title="两位所长同时审核")
    api = app.test_client()
    first = api.post(f"/api/posts/{post.id}/review", headers=bearer("head"),
                     json={"decision": "approve"})
    assert first.status_code == 200 and first.get_json()["status"] == "submitted"
    second = api.post(f"/api/posts/{post.id}/review", headers=bearer("head2"),
                      json={"decision": "approve", "comment": "同意"})
    assert second.status_code == 409 and "已审核通过" in second.get_json()["error"]


def test_a_long_comment_is_refused_and_shown_again(app):
    head = signed_in(app, "head")
    post = make_post("officer", title="意见过长")
    response = decide(head, post.id, "return", "改" * 2001)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "审核意见最多 2000 字" in html
    assert re.search(r"改{2001}", html)  # the comment is not lost
    assert newest("意见过长").status == "pending"


def test_the_demo_has_a_post_waiting_for_its_head_and_one_returned(tmp_path):
    with app_with_schema(app_settings(tmp_path / "demo", POST_REVIEW="unit_head"),
                         seed=False) as demo:
        assert demo.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        head = demo.test_client()
        head.post("/login", data={"username": "suozhang4", "password": DEMO_PASSWORD,
                                  "csrf_token": csrf_token(head)})
        todo = head.get("/problems/todo").get_data(as_text=True)
        assert "待我审核的稿件" in todo and "“警民议事会”进村入户的做法" in todo
        author = demo.test_client()
        author.post("/login", data={"username": "minjing5", "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_token(author)})
        mine = author.get("/posts/?drafts=1").get_data(as_text=True)
        assert "电动车防盗登记的几点体会" in mine and "退回意见：数字请核对" in mine
        assert "“警民议事会”" not in author.get("/posts/").get_data(as_text=True)


def test_a_post_returned_after_the_call_closed_may_still_be_resubmitted(app):
    """It was submitted in time; the 所长's return must not lock it out (a new one is refused)."""
    from datetime import timedelta

    from salon.posts import review
    from salon.posts.services import PostError, submit_post
    from salon.salons.models import Salon
    from salon.timeutil import now

    post = make_post("officer", title="截止前提交的稿件")
    review.decide(post, user("head"), "return", "请补充数据")
    db.session.get(Salon, make_salon_id()).call_deadline = now().date() - timedelta(days=1)
    db.session.commit()
    submit_post(post)
    assert post.status == "pending"
    late = make_post("officer", title="截止后才写的稿件", submit=False)
    with pytest.raises(PostError, match="征稿已于"):
        submit_post(late)
    db.session.rollback()


def test_salon_page_bulletin_and_related_posts_leave_pending_posts_out(app):
    from salon.bulletin.content import chosen_posts
    from salon.posts import review
    from salon.salons.models import Salon
    from salon.search.services import related_posts

    for n, topic in enumerate(("矛盾纠纷调解", "校园周边交通秩序", "户籍窗口办证")):
        make_post("organizer", title=f"{topic}经验{n}", body=f"{topic}的做法与体会。")
    published = make_post("head", title="社区防盗宣传的做法", body="电动车防盗登记与宣传。")
    waiting = make_post("officer", title="电动车防盗宣传待审稿", body="电动车防盗登记与宣传。")
    assert waiting.status == "pending"
    salon = db.session.get(Salon, make_salon_id())
    assert waiting.id not in [p.id for p in chosen_posts(salon)]
    page = signed_in(app, "officer2").get(f"/salons/{salon.month}").get_data(as_text=True)
    assert "社区防盗宣传的做法" in page and "电动车防盗宣传待审稿" not in page
    assert waiting.id not in [p.id for p in related_posts(published)]
    review.decide(waiting, user("head"), "approve")
    db.session.commit()
    assert waiting.id in [p.id for p in related_posts(published)]
    assert waiting.id in [p.id for p in chosen_posts(salon)]


def test_the_review_badge_asks_the_database_only_for_reviewers(app, count_queries):
    """Asked on every page: nothing to count for an officer who reviews nothing, one COUNT
    for a head (who sees the post waiting) and for an organizer."""
    from salon.posts import review

    officer = signed_in(app, "officer")
    assert write(officer).status_code == 302
    people = {name: user(name) for name in ("officer", "head", "organizer")}
    with count_queries() as counter:
        assert review.waiting_count(people["officer"]) == 0
    assert len(counter) == 0
    for reviewer, waiting in (("head", 1), ("organizer", 0)):  # the unit has its head
        with count_queries() as counter:
            assert review.waiting_count(people[reviewer]) == waiting
        assert len(counter) == 1
