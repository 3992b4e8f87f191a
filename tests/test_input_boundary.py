"""Clean input at the boundary: text, numbers, integers, dates and JSON; dirty rows still show."""
import pytest
from lxml import html

from salon.accounts.models import Unit
from salon.bulletin import jobs
from salon.extensions import db
from salon.posts.models import Post
from salon.textnorm import clean, normalise
from tests import bulletin_data as d

from .conftest import csrf_token
from .post_factories import make_salon
from .problem_data import make_problem, walk
from .test_posts_api import bearer

CONTROLS = "\x00\x01\x0b\x1b\x7f\x85"


def test_clean_keeps_tab_and_newline_and_composes():
    assert clean("a\x00b\tc\r\nd\x0be\u0065\u0301") == "ab\tc\nd\neé"
    with pytest.raises(Exception, match="孤立的代理码点"):
        clean("x\ud800y")
    assert normalise("ＡＢ１\x01") == "AB1"


def test_form_text_is_cleaned_once_for_every_field(app, client, auth):
    salon = make_salon()
    auth.login()
    response = client.post("/posts/new", data={
        "csrf_token": csrf_token(client, "/posts/new"), "kind": "experience",
        "salon": salon.id, "title": f"标题{CONTROLS}", "body": "正文\r\n第二行\x0c完",
        "tags": "调解\x00", "submit_post": "提交"})
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.title == "标题" and post.body == "正文\n第二行\n完"
    assert [t.name for t in post.tags] == ["调解"]


@pytest.mark.parametrize("body, message", [
    ('{"kind": "experience", "title": "x\\ud800", "body": "b", "salon": "2026-11"}', "代理码点"),
    ('{"kind": "experience", "title": "x", "body": "b", "salon": "2026-11", "n": NaN}', "NaN"),
    ('{"kind": "experience", "title": "x", "body": "b", "salon": "2026-11", "n": Infinity}',
     "Infinity"),
    ('{"kind": "experience", "title": "x", "body": "b", "salon": "2026-11", "n": 1e999}', "范围"),
    ('{"n": ' + "1" * 5000 + "}", "范围"),
    ("[" * 100_000 + "]" * 100_000, "嵌套过深"),
    ("[ " * 100_000 + "]" * 100_000, "嵌套过深"),
    ('{"a": ' * 50 + "1" + "}" * 50, "嵌套过深"),
])
def test_malformed_json_is_a_chinese_400(app, client, body, message):
    make_salon()
    response = client.post("/api/posts", data=body, content_type="application/json",
                           headers=bearer("officer"))
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert message in response.get_json()["error"]


def test_json_strings_are_cleaned(app, client):
    make_salon()
    response = client.post("/api/posts", headers=bearer("officer"), json={
        "kind": "experience", "title": "标题\x01\x1b", "body": "正文\x00", "salon": "2026-11"})
    assert response.status_code == 201
    post = db.session.get(Post, response.get_json()["id"])
    assert (post.title, post.body) == ("标题", "正文")


@pytest.mark.parametrize("url, status", [
    ("/posts/99999999999999999999999", 404),
    ("/posts/²", 404),
    ("/api/posts/99999999999999999999999", 404),
    ("/api/problems/99999999999999999999", 404),
    ("/posts/?unit=99999999999999999999999&author=²", 200),
    ("/posts/?page=99999999999999999999", 200),
    ("/posts/?page=²", 200),
    ("/api/posts?page=²", 400),
    ("/api/posts?limit=99999999999999999999", 400),
    ("/api/problems?unit=99999999999999999999", 200),
    ("/api/problems?unit=²", 200),
    ("/problems/?unit=²&from_unit=99999999999999999999&start=0001-01-01&end=9999-12-31", 200),
    ("/problems/export.csv?unit=99999999999999999999&start=0001-01-01", 200),
    ("/search/?q=x&start=0001-01-01&end=9999-12-31&page=99999999999999999999", 200),
    ("/admin/users?unit=99999999999999999999", 403),
])
def test_huge_and_foreign_numbers_are_404_or_400_never_500(app, client, auth, url, status):
    make_salon()
    auth.login("leader")
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    if url.startswith("/api/") and status != 200:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.get_json()["error"])


def test_admin_unit_filter_with_huge_id(app, client, auth):
    auth.login("admin")
    assert client.get("/admin/users?unit=99999999999999999999").status_code == 200
    assert client.get("/admin/users?unit=²&page=²").status_code == 200


@pytest.mark.parametrize("payload, message", [
    ({"deadline": "0001-01-01"}, "1900"),
    ({"deadline": "9999-12-31"}, "2100"),
])
def test_api_dates_out_of_range_are_400(app, client, payload, message):
    problem = make_problem()
    response = client.post(f"/api/problems/{problem.id}/events", headers=bearer("leader"),
                           json={"action": "assign", "unit": "城关派出所", **payload})
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_form_figures_must_be_finite_and_dates_sane(app, client, auth):
    problem = walk(make_problem(), "in_progress")
    auth.login("leader")
    for value in ("Infinity", "nan", "-inf", "1e999"):
        response = client.post(f"/problems/{problem.id}/act", data={
            "csrf_token": csrf_token(client, "/problems/todo"), "action": "resolve",
            "outcome": "已整改", "figures-0-label": "新增探头", "figures-0-value": value})
        assert response.status_code in (302, 400), value
        db.session.expire_all()
        assert problem.state == "in_progress", value


def test_rows_with_control_characters_do_not_break_exports_pages_or_builds(app, client, auth):
    """Rows stored before the boundary cleaned input: every output sanitises them."""
    held = d.salon(1, "2026-10", status="held", topic="主题\x0b\x01")
    post = d.post(held, "标题\x0b\x01\x1b", in_bulletin=True)  # PostgreSQL refuses NUL
    post.kind = "problem"
    problem = d.problem(post, "resolved", unit_name="派出所\x0b\x1b", outcome="结果")
    d.figure(problem, "指标\x01", 3, "个\x0b")
    db.session.execute(db.update(Unit).values(name=Unit.name + "\x0b"))
    db.session.commit()
    auth.login("leader")
    for url in ("/problems/export.xlsx", "/problems/export.csv", "/dashboard/",
                "/bulletins/2026-10", "/problems/", "/posts/", f"/posts/{post.id}",
                "/api/problems", f"/api/posts/{post.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
    auth.login("organizer")
    response = client.post("/bulletins/2026-10/build", data={
        "csrf_token": csrf_token(client, "/bulletins/2026-10")},
        headers={"Accept": "application/json"})
    assert response.status_code == 202
    assert jobs.run_pending(in_subprocess=False) == 1
    state = client.get("/bulletins/2026-10/status").get_json()
    assert state["status"] == "done", state


def test_an_outcome_over_budget_is_a_field_error_and_keeps_what_was_typed(app, client, auth):
    """Too long or too complex a 办理结果: the page again, the message beside the field, in
    Chinese (WTForms' default was English), the text and figures still filled in."""
    problem = walk(make_problem(), "in_progress")
    app.config["MARKDOWN_CPU_SECONDS"] = 0.1  # the brackets are over it on any machine
    auth.login("officer2")  # a member of the responsible unit, which has no head
    for outcome, message in (("[" * 6000, "办理结果不超过 5000 字。"),
                             ("[" * 4900 + "a](" * 30, "办理结果")):
        response = client.post(f"/problems/{problem.id}/act", data={
            "csrf_token": csrf_token(client, "/problems/todo"), "action": "report",
            "outcome": outcome, "figures-0-label": "新增探头", "figures-0-value": "16"})
        assert response.status_code == 400
        page = html.fromstring(response.get_data(as_text=True))
        form = page.xpath("//details[contains(@class, 'action-report')]//form")[0]
        field = form.xpath(".//textarea[@name='outcome']")[0]
        assert "is-invalid" in field.get("class") and field.text == outcome
        feedback = form.xpath(".//*[contains(@class, 'invalid-feedback')]")[0].text_content()
        assert message in feedback, feedback
        assert form.xpath(".//input[@name='figures-0-value']")[0].get("value") == "16"
        assert "Field cannot" not in response.get_data(as_text=True)
        db.session.expire_all()
        assert problem.state == "in_progress"
