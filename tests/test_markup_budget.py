"""Markdown is rendered once, when written, inside a budget; pages only show the stored HTML."""
import time

import markdown
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from salon import create_app, markup
from salon.extensions import db
from salon.posts.models import Post
from salon.salons.models import Salon

from .conftest import csrf_token, database_url
from .post_factories import make_post, make_salon
from .test_posts_api import bearer

PATHOLOGICAL = {
    "brackets": "[" * 40_000,
    "link openers": "[a](" * 10_000,
    "abbreviations": "".join(f"*[A{i}]: x\n" for i in range(3_000)) + "A1",
    "nested quotes": ">" * 30_000 + " x",
    "definition lists": "a\n: b\n" * 8_000,
    "autolink openers": "<http://" * 6_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_text_is_refused_quickly(app, name):
    started = time.process_time()  # CPU time: a busy machine stretches the wall clock
    with pytest.raises(markup.TooComplex, match="结构过于复杂"):
        markup.render(PATHOLOGICAL[name])
    assert time.process_time() - started < 1.5  # the budget is 0.5 CPU s


def test_a_long_ordinary_post_fits():
    body = "\n\n".join(f"## 第{i}部分\n\n" + "社区民警走访辖区群众，**排查**矛盾纠纷。" * 20
                       + "\n\n- 一\n- 二\n\n| 项目 | 数量 |\n|---|---|\n| 走访 | 12 |"
                       for i in range(60))
    rendered = markup.render(body[:markup.MAX_CHARS])
    assert "<h2>" in rendered.html and "<table>" in rendered.html
    assert "排查" in rendered.text and "<" not in rendered.text


def test_form_refuses_and_keeps_the_text(app, client, auth):
    make_salon()
    auth.login()
    salon = db.session.scalar(db.select(Salon))
    body = "[" * 40_000
    response = client.post("/posts/new", data={
        "csrf_token": csrf_token(client, "/posts/new"), "kind": "experience",
        "salon": salon.id, "title": "括号", "body": body, "submit_post": "提交"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "正文结构过于复杂" in page
    assert body[:1000] in page  # the writer's text is still in the form
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_api_refuses_with_json_400(app, client):
    make_salon()
    response = client.post("/api/posts", headers=bearer("officer"), json={
        "kind": "experience", "title": "括号", "body": "[a](" * 10_000, "salon": "2026-11"})
    assert response.status_code == 400
    assert "结构过于复杂" in response.get_json()["error"]


def test_salon_description_over_budget_is_refused_on_its_field(app, client, auth):
    auth.login("organizer")
    response = client.post("/salons/new", data={
        "csrf_token": csrf_token(client, "/salons/new"), "month": "2026-12",
        "topic": "主题", "description": "[" * 40_000})
    assert response.status_code == 200
    assert "说明与征稿启事结构过于复杂" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 0


def test_reading_never_parses_markdown(app, client, auth, monkeypatch):
    salon = make_salon()
    salon.description = "## 征稿\n\n请写**经验**。"
    post = make_post(body="## 做法\n\n**一是**走访。\n\n- 甲\n- 乙")
    db.session.commit()
    assert "<strong>一是</strong>" in post.body_html and post.body_text.startswith("做法")

    def refuse(*_args, **_kwargs):
        raise AssertionError("a page parsed Markdown")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)
    auth.login()
    for url in ("/", "/posts/", f"/posts/{post.id}", "/salons/2026-11", "/search/?q=走访",
                f"/api/posts/{post.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "<strong>一是</strong>" in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert client.get(f"/api/posts/{post.id}").get_json()["html"] == post.body_html


def test_every_assignment_keeps_the_html(app):
    """The model's listener: no writing path can leave the stored HTML behind its source."""
    make_salon()
    post = make_post(body="旧")
    post.body = "*新*"
    assert post.body_html == "<p><em>新</em></p>" and post.body_text == "新"
    with pytest.raises(markup.TooComplex):
        post.body = "[" * 40_000
    db.session.rollback()


def test_migration_renders_existing_rows(tmp_path):
    url = database_url(tmp_path)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="i17_02")  # the revision before i11a_01
        with db.engine.begin() as connection:
            now = "2026-11-01 00:00:00"
            connection.execute(text(
                "INSERT INTO unit (id, name, kind) VALUES (1, '城关派出所', 'station')"))
            connection.execute(text(
                "INSERT INTO \"user\" (id, username, name, unit_id, role, active, created_at) "
                "VALUES (1, 'u', '张三', 1, 'officer', true, :now)"), {"now": now})
            connection.execute(text(
                "INSERT INTO salon (id, number, month, topic, description, place, status, "
                "minutes, created_at) VALUES (1, 1, '2026-11', '主题', '**说明**', '', 'open', "
                "'', :now)"), {"now": now})
            for post_id, body in ((1, "# 标题\n\n正文"), (2, "[" * 40_000)):
                connection.execute(text(
                    "INSERT INTO post (id, kind, title, body, author_id, unit_id, salon_id, "
                    "status, in_bulletin, exemplary, created_at, updated_at) VALUES "
                    "(:id, 'experience', 't', :body, 1, 1, 1, 'submitted', false, false, "
                    ":now, :now)"), {"id": post_id, "body": body, "now": now})
        upgrade()
        with db.engine.connect() as connection:
            posts = connection.execute(text(
                "SELECT body_html, body_text FROM post ORDER BY id")).all()
            salon = connection.execute(text("SELECT description_html FROM salon")).scalar()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    assert posts[0] == ("<h1>标题</h1>\n<p>正文</p>", "标题 正文")
    assert posts[1][0] == f"<p>{'[' * 40_000}</p>\n"  # too complex: kept as plain text
    assert salon == "<p><strong>说明</strong></p>"
