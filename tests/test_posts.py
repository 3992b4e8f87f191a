"""Post pages: list and filters, drafts, writing and editing, problems, comments, flags."""
import re

import pytest

from salon.extensions import db
from salon.posts.models import Comment, Post
from salon.problems.models import Problem, ProblemEvent

from .conftest import csrf_token
from .post_factories import make_post, make_salon, user


@pytest.fixture
def salon(app):
    return make_salon("2026-11", "open")


def post_form(client, url, **fields):
    data = {"kind": "experience", "title": "标题", "body": "正文", "tags": "", "source": "officer",
            "scan": "", "analysis": "", "proposal": "", "csrf_token": csrf_token(client, url)}
    data.update(fields)
    return client.post(url, data=data)


# --- list ------------------------------------------------------------------------------------

def test_list_shows_submitted_posts_with_author_unit_and_salon(client, auth, salon):
    make_post(title="矛盾纠纷调解经验", tags=["调解"])
    auth.login("officer2")
    html = client.get("/posts/").get_data(as_text=True)
    assert "矛盾纠纷调解经验" in html and "测试officer" in html and "城关派出所" in html
    assert "第1期" in html and "#调解" in html


@pytest.mark.parametrize("query, shown, hidden", [
    ("kind=problem", "问题稿", "经验稿"),
    ("salon=2026-10", "旧沙龙稿", "经验稿"),
    ("tag=调解", "经验稿", "问题稿"),
])
def test_list_filters(client, auth, salon, query, shown, hidden):
    old = make_salon("2026-10", "held")
    make_post(title="经验稿", tags=["调解"])
    make_post(title="问题稿", kind="problem")
    make_post(title="旧沙龙稿", salon=old)
    auth.login()
    html = client.get(f"/posts/?{query}").get_data(as_text=True)
    assert shown in html and hidden not in html


def test_list_filters_by_unit_and_author(client, auth, salon):
    make_post(title="城关稿")
    make_post(author="officer2", title="曹甸稿")
    auth.login()
    other = user("officer2")
    for query in (f"unit={other.unit_id}", f"author={other.id}"):
        html = client.get(f"/posts/?{query}").get_data(as_text=True)
        assert "曹甸稿" in html and "城关稿" not in html


def test_list_paginates(app, client, auth, salon):
    app.config["POSTS_PER_PAGE"] = 3
    for n in range(7):
        make_post(title=f"稿件{n}号")
    auth.login()
    first = client.get("/posts/").get_data(as_text=True)
    third = client.get("/posts/?page=3").get_data(as_text=True)
    assert "稿件6号" in first and "稿件0号" not in first and "共 7 条" in first
    assert "稿件0号" in third and "稿件6号" not in third


@pytest.mark.parametrize("url", ["/posts/", "/posts/?drafts=1", "/posts/showcase", "/api/posts"])
def test_list_pages_run_a_constant_number_of_queries(client, auth, salon, count_queries, url):
    auth.login()

    def queries_with(total: int) -> int:
        while db.session.scalar(db.select(db.func.count(Post.id))) < total:
            n = db.session.scalar(db.select(db.func.count(Post.id)))
            post = make_post(author=("officer", "officer2")[n % 2],
                             kind=("experience", "problem")[n % 2],
                             tags=[f"标签{n % 3}", "共用"], submit=n % 5 != 0)
            post.exemplary = True
            db.session.commit()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert queries_with(5) == queries_with(50)


def test_drafts_are_only_visible_to_their_author(client, auth, salon):
    draft = make_post(title="未完成的草稿", submit=False)
    auth.login("officer2")
    assert "未完成的草稿" not in client.get("/posts/").get_data(as_text=True)
    assert "未完成的草稿" not in client.get("/posts/?drafts=1").get_data(as_text=True)
    assert client.get(f"/posts/{draft.id}").status_code == 403
    auth.logout()
    auth.login("officer")
    assert "未完成的草稿" not in client.get("/posts/").get_data(as_text=True)
    mine = client.get("/posts/?drafts=1").get_data(as_text=True)
    assert "未完成的草稿" in mine and "我的草稿" in mine
    assert client.get(f"/posts/{draft.id}").status_code == 200


# --- detail ----------------------------------------------------------------------------------

def test_post_page_runs_a_constant_number_of_queries(app, client, auth, salon, count_queries):
    post_id = make_post(title="经验", tags=["调解", "走访"]).id
    auth.login()

    def queries_with(comments: int) -> int:
        while db.session.scalar(db.select(db.func.count(Comment.id))) < comments:
            n = db.session.scalar(db.select(db.func.count(Comment.id)))
            db.session.add(Comment(post_id=post_id, author=user(("officer", "officer2")[n % 2]),
                                   body=f"评论{n}"))
            db.session.commit()
        with count_queries() as statements:
            assert client.get(f"/posts/{post_id}").status_code == 200
        return len(statements)

    assert queries_with(1) == queries_with(12)


def test_detail_shows_everything(client, auth, salon):
    body = "## 做法\n\n- 一\n- 二\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |"
    post = make_post(title="警务室建设", body=body, tags=["警务室"])
    auth.login("officer2")
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<h2>做法</h2>" in html and "<li>一</li>" in html and "<td>1</td>" in html
    assert "测试officer" in html and "城关派出所" in html and "第1期（2026年11月）" in html
    assert "经验交流" in html and "/posts/?tag=%E8%AD%A6%E5%8A%A1%E5%AE%A4" in html
    assert post.created_at.strftime("%Y年").lstrip("0") in html
    assert "修改稿件" not in html and "设为典型经验" not in html


def test_detail_links_the_salon_page_only_when_it_exists(app, client, auth, salon):
    post = make_post()
    auth.login()
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    has_page = "salons.detail" in app.view_functions
    assert ('href="/salons/2026-11"' in html) == has_page


def test_missing_post_is_404(client, auth, salon):
    auth.login()
    response = client.get("/posts/999")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


# --- writing ---------------------------------------------------------------------------------

def test_officer_writes_and_submits_an_experience_post(client, auth, salon):
    auth.login()
    response = post_form(client, "/posts/new", title="夜巡经验", body="**重点**巡逻",
                         tags="夜巡, 巡逻、 防范", salon=salon.id, submit_post="提交")
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post).filter_by(title="夜巡经验"))
    assert post.status == "submitted" and post.unit.name == "城关派出所"
    assert [t.name for t in post.tags] == sorted(["夜巡", "巡逻", "防范"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>重点</strong>" in page


def test_new_form_defaults_to_the_open_salon_and_kind(client, auth, salon):
    make_salon("2026-12", "planning")
    make_salon("2026-09", "published")
    auth.login()
    html = client.get("/posts/new?kind=problem").get_data(as_text=True)
    assert f'<option selected value="{salon.id}">' in html
    assert "2026年9月" not in html  # published salons are not offered
    assert re.search(r'<input checked[^>]*value="problem"', html)
    assert 'id="title"' in html and 'id="body"' in html and "扫描" in html


def test_unit_is_recorded_at_writing(client, auth, salon):
    post = make_post()
    officer = user("officer")
    officer.unit = user("officer2").unit
    db.session.commit()
    assert db.session.get(Post, post.id).unit.name == "城关派出所"


def test_save_as_draft_then_submit(client, auth, salon):
    auth.login()
    post_form(client, "/posts/new", title="草稿一篇", body="", salon=salon.id,
              save_draft="保存草稿")
    post = db.session.scalar(db.select(Post).filter_by(title="草稿一篇"))
    assert post.status == "draft"
    response = post_form(client, f"/posts/{post.id}/edit", title="草稿一篇", body="补完正文",
                         salon=salon.id, submit_post="提交")
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.status == "submitted" and post.body == "补完正文"


def test_submitting_without_body_is_refused_in_chinese(client, auth, salon):
    auth.login()
    response = post_form(client, "/posts/new", title="空稿", body="  ", salon=salon.id,
                         submit_post="提交")
    assert response.status_code == 200 and "请填写正文" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


@pytest.mark.parametrize("fields, message", [
    ({"title": ""}, "请填写标题"),
    ({"title": "长" * 201}, "标题最多"),
    ({"tags": "、".join(f"t{n}" for n in range(11))}, "标签最多 10 个"),
    ({"kind": "poem"}, "请从列表中选择类型"),
    ({"salon": "x"}, "请选择所属沙龙"),
    ({"salon": "99"}, "请从列表中选择所属沙龙"),
])
def test_bad_input_changes_nothing(client, auth, salon, fields, message):
    auth.login()
    data = {"salon": salon.id, "submit_post": "提交", **fields}
    response = post_form(client, "/posts/new", **data)
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0
    assert message in response.get_data(as_text=True)


def test_problem_report_opens_a_raised_problem_with_sara_fields(client, auth, salon):
    auth.login()
    post_form(client, "/posts/new", kind="problem", title="老旧小区监控盲区", body="详见",
              salon=salon.id, source="public", scan="探头缺失", analysis="经费不足",
              proposal="新增探头", submit_post="提交")
    post = db.session.scalar(db.select(Post).filter_by(title="老旧小区监控盲区"))
    problem = db.session.scalar(db.select(Problem).filter_by(post_id=post.id))
    assert problem.state == "raised" and problem.source == "public"
    sara = (problem.scan, problem.analysis, problem.proposal)
    assert sara == ("探头缺失", "经费不足", "新增探头")
    events = db.session.scalars(db.select(ProblemEvent).filter_by(problem_id=problem.id)).all()
    assert [e.to_state for e in events] == ["raised"] and post.problem_draft is None


def test_problem_draft_keeps_sara_fields_without_a_problem(client, auth, salon):
    auth.login()
    post_form(client, "/posts/new", kind="problem", title="草稿问题", body="", salon=salon.id,
              scan="先记下", save_draft="保存草稿")
    post = db.session.scalar(db.select(Post).filter_by(title="草稿问题"))
    assert post.problem_draft["scan"] == "先记下"
    assert db.session.scalar(db.select(db.func.count(Problem.id))) == 0
    assert "先记下" in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    post_form(client, f"/posts/{post.id}/edit", kind="problem", title="草稿问题", body="正文",
              salon=salon.id, scan="先记下", submit_post="提交")
    assert db.session.scalar(db.select(Problem).filter_by(post_id=post.id)).scan == "先记下"


# --- editing rules ---------------------------------------------------------------------------

def test_only_the_author_edits(client, auth, salon):
    post = make_post(title="原标题")
    for username in ("officer2", "organizer", "leader", "admin"):
        auth.login(username)
        assert client.get(f"/posts/{post.id}/edit").status_code == 403
        token = csrf_token(client, f"/posts/{post.id}")
        response = client.post(f"/posts/{post.id}/edit", data={
            "kind": "experience", "title": "被改了", "body": "x", "salon": salon.id,
            "submit_post": "提交", "csrf_token": token})
        assert response.status_code == 403
        auth.logout()
    assert db.session.get(Post, post.id).title == "原标题"


def test_author_edits_until_the_salon_is_published(client, auth, salon):
    post = make_post(title="原标题")
    auth.login()
    response = post_form(client, f"/posts/{post.id}/edit", title="新标题", body="新正文",
                         salon=salon.id, submit_post="保存修改")
    assert response.status_code == 302 and db.session.get(Post, post.id).title == "新标题"
    salon.status = "published"
    db.session.commit()
    response = client.get(f"/posts/{post.id}/edit")
    assert response.status_code == 403 and "已出刊" in response.get_data(as_text=True)
    assert "修改稿件" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_submitted_post_cannot_change_kind(client, auth, salon):
    post = make_post()
    auth.login()
    response = post_form(client, f"/posts/{post.id}/edit", kind="problem", title="t", body="b",
                         salon=salon.id, submit_post="保存修改")
    assert "不能更改类型" in response.get_data(as_text=True)
    assert db.session.get(Post, post.id).kind == "experience"


# --- access matrix ---------------------------------------------------------------------------

PAGES = ["/posts/", "/posts/?drafts=1", "/posts/showcase", "/posts/{id}", "/posts/new",
         "/posts/{id}/edit", "/posts/images", "/posts/import"]
EXPECTED = {  # role → status per page, in PAGES order
    None: [302] * 8,
    "officer": [200, 200, 200, 200, 200, 200, 200, 200],
    "officer2": [200, 200, 200, 200, 200, 403, 200, 200],
    "organizer": [200, 200, 200, 200, 200, 403, 200, 200],
    "leader": [200, 200, 200, 200, 200, 403, 200, 200],
    "admin": [200, 200, 200, 200, 403, 403, 403, 403],
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_access_rules_for_every_page_and_role(client, auth, salon, username):
    post = make_post()
    if username:
        auth.login(username)
    for page, expected in zip(PAGES, EXPECTED[username], strict=True):
        response = client.get(page.format(id=post.id))
        assert response.status_code == expected, (page, username)
        if expected == 302:
            assert "/login" in response.headers["Location"]


POST_URLS = ["/posts/{id}/comments", "/posts/{id}/flags/exemplary", "/posts/new",
             "/posts/{id}/edit", "/posts/images", "/posts/import"]


@pytest.mark.parametrize("url", POST_URLS)
def test_anonymous_posts_are_sent_to_login(client, salon, url):
    post = make_post()
    response = client.post(url.format(id=post.id), data={})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_a_post_written_on_the_site_is_found_by_search(client, auth, salon):
    auth.login()
    post_form(client, "/posts/new", title="电动车防盗刻码经验", body="集中刻码登记",
              salon=salon.id, submit_post="提交")
    post = db.session.scalar(db.select(Post).filter_by(title="电动车防盗刻码经验"))
    answer = client.get("/api/search?q=刻码").get_json()
    assert post.id in [r["id"] for r in answer["results"]]
    auth.logout()
    auth.login("officer2")
    post_form(client, "/posts/new", title="草稿里的刻码", body="x", salon=salon.id,
              save_draft="保存草稿")
    auth.logout()
    auth.login("officer")
    titles = [r["title"] for r in client.get("/api/search?q=刻码").get_json()["results"]]
    assert "草稿里的刻码" not in titles


def test_sara_fields_follow_the_problem_until_it_is_accepted(client, auth, salon):
    post = make_post(kind="problem", problem={"scan": "原扫描", "source": "officer"})
    auth.login()
    post_form(client, f"/posts/{post.id}/edit", kind="problem", title="t", body="b",
              salon=salon.id, scan="新扫描", submit_post="保存修改")
    problem = db.session.scalar(db.select(Problem).filter_by(post_id=post.id))
    assert problem.scan == "新扫描"
    problem.state = "accepted"
    db.session.commit()
    assert "不能再修改" in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    post_form(client, f"/posts/{post.id}/edit", kind="problem", title="t2", body="b",
              salon=salon.id, scan="再改", submit_post="保存修改")
    db.session.refresh(problem)
    assert problem.scan == "新扫描" and db.session.get(Post, post.id).title == "t2"
