"""Salons: list, page, organizer editing, status steps, home, query counts, CLI."""
from datetime import datetime

import pytest

from salon.extensions import db
from salon.salons import services
from salon.salons.models import Salon, SignUp
from salon.timeutil import frozen

from .salon_factories import make_post, make_salon, post_form, reload, user

# --- who may see what ------------------------------------------------------------------

READ_PAGES = ["/", "/salons/", "/salons/2026-11"]
ORGANIZER_PAGES = ["/salons/new", "/salons/2026-11/edit", "/salons/2026-11/agenda"]


@pytest.mark.parametrize("url", READ_PAGES + ORGANIZER_PAGES)
def test_anonymous_is_sent_to_login(app, client, url):
    make_salon()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["officer", "organizer", "leader", "admin"])
@pytest.mark.parametrize("url", READ_PAGES)
def test_every_role_reads_salons(app, client, auth, role, url):
    make_salon(status="open")
    auth.login(role)
    response = client.get(url)
    assert response.status_code == 200
    assert "如何提升防范水平" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("officer", 403), ("leader", 403), ("admin", 403),
                                          ("organizer", 200)])
@pytest.mark.parametrize("url", ORGANIZER_PAGES)
def test_only_organizers_edit(app, client, auth, role, status, url):
    make_salon()
    auth.login(role)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("role", ["officer", "leader", "admin"])
@pytest.mark.parametrize("action, data", [("status", {"to": "open"}),
                                          ("attendance", {"attended": "1"}),
                                          ("agenda", {"agenda": "题目"})])
def test_organizer_posts_are_refused_to_others(app, client, auth, role, action, data):
    make_salon()
    auth.login(role)
    response = post_form(client, f"/salons/2026-11/{action}", data, page="/salons/2026-11")
    assert response.status_code == 403
    assert reload(db.session.scalar(db.select(Salon))).status == "planning"


def test_unknown_month_is_404_in_chinese(app, client, auth):
    auth.login()
    response = client.get("/salons/2030-01")
    assert response.status_code == 404 and "没有 2030-01 的沙龙" in response.get_data(as_text=True)


# --- list and page ---------------------------------------------------------------------

def test_list_shows_counts(app, client, auth):
    first = make_salon("2026-09", "二代证攻坚", status="published")
    make_salon("2026-10", "社区警务室", status="open")
    make_post(first, "曹甸所的五条做法", kind="experience")
    make_post(first, "照相设备老化")
    make_post(first, "草稿不算", status="draft")
    db.session.add(SignUp(salon=first, user=user("officer")))
    db.session.commit()
    auth.login()
    html = client.get("/salons/").get_data(as_text=True)
    assert "第1期" in html and "第2期" in html and "二代证攻坚" in html and "已出刊" in html
    assert "经验 1 · 问题 1" in html and "经验 0 · 问题 0" in html
    assert html.index("社区警务室") < html.index("二代证攻坚")  # newest first


def test_detail_groups_posts_by_kind_and_renders_markdown(app, client, auth):
    salon = make_salon(status="open", place="县局三楼会议室",
                       description="## 征稿启事\n\n- 巡逻防控\n\n<script>x()</script>")
    make_post(salon, "夜巡队的做法", kind="experience")
    make_post(salon, "探头布局不合理")
    make_post(salon, "没写完的草稿", status="draft")
    auth.login()
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "<h2>征稿启事</h2>" in html and "<li>巡逻防控</li>" in html and "<script>x()" not in html
    assert "县局三楼会议室" in html
    assert html.index('id="posts-experience"') < html.index("夜巡队的做法") \
        < html.index('id="posts-problem"') < html.index("探头布局不合理")
    assert "没写完的草稿" not in html


def test_detail_shows_problem_state_and_tags(app, client, auth):
    from salon.posts.models import Tag
    from salon.problems.services import open_problem

    salon = make_salon(status="open")
    post = make_post(salon, "探头布局不合理")
    post.tags = [Tag(name="监控探头")]
    open_problem(post, user("officer"), source="officer")
    db.session.commit()
    auth.login()
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "state-raised" in html and "已提出" in html and "监控探头" in html


def test_detail_links_posts(app, client, auth):
    salon = make_salon(status="open")
    post = make_post(salon, "夜巡队的做法", kind="experience")
    auth.login()
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert f'href="/posts/{post.id}"' in html


def test_bulletin_panel_hook_is_optional(app, client, auth):
    make_salon()
    auth.login()
    assert client.get("/salons/2026-11").status_code == 200


# --- create and edit -------------------------------------------------------------------

def test_organizer_creates_salon(app, client, auth):
    auth.login("organizer")
    with frozen(datetime(2026, 12, 1, 9, 0)):
        response = post_form(client, "/salons/new", {
            "month": "2026-12", "topic": "社区警务室常态化", "description": "征稿",
            "starts_at": "2026-12-20T14:30", "place": "会议室"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/salons/2026-12")
    salon = db.session.scalar(db.select(Salon))
    assert (salon.number, salon.status, salon.starts_at.hour) == (1, "planning", 14)


@pytest.mark.parametrize("data, message", [
    ({"month": "2026-13", "topic": "主题"}, "月份格式不正确"),
    ({"month": "202611", "topic": "主题"}, "月份格式不正确"),
    ({"month": "", "topic": "主题"}, "请填写月份"),
    ({"month": "2026-12", "topic": ""}, "请填写沙龙主题"),
    ({"month": "2026-12", "topic": "主" * 201}, "主题不能超过 200 个字"),
    ({"month": "2026-12", "topic": "主题", "starts_at": "下周五"}, "时间格式不正确"),
    ({"month": "2026-11", "topic": "主题"}, "2026-11 已有沙龙（第1期"),
])
def test_create_form_errors_are_chinese(app, client, auth, data, message):
    make_salon()
    auth.login("organizer")
    response = post_form(client, "/salons/new", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 1


def test_edit_keeps_number_and_refuses_taken_month(app, client, auth):
    make_salon("2026-10", "第一期")
    second = make_salon("2026-11", "第二期")
    auth.login("organizer")
    response = post_form(client, "/salons/2026-11/edit", {"month": "2026-10", "topic": "改"})
    assert "2026-10 已有沙龙" in response.get_data(as_text=True)
    assert reload(second).topic == "第二期"
    response = post_form(client, "/salons/2026-11/edit",
                         {"month": "2026-12", "topic": "改过的主题"})
    assert response.status_code == 302
    second = reload(second)
    assert (second.month, second.topic, second.number) == ("2026-12", "改过的主题", 2)


def test_issue_numbers_follow_in_order_and_are_never_reused(app):
    first = make_salon("2026-10")
    second = make_salon("2026-11")
    services.update_salon(first, "2026-01", "改期")
    db.session.commit()
    third = make_salon("2026-12")
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert services.next_issue_number() == 4


def test_published_salon_cannot_be_edited(app, client, auth):
    salon = make_salon(status="published")
    with pytest.raises(services.SalonError, match="已出刊"):
        services.update_salon(salon, "2026-11", "新主题")
    auth.login("organizer")
    for page in ("edit", "agenda"):
        response = client.get(f"/salons/2026-11/{page}")
        assert response.status_code == 302
        assert "不能再修改" in client.get(response.headers["Location"]).get_data(as_text=True)
    post_form(client, "/salons/2026-11/agenda", {"agenda": "新议程"}, page="/salons/2026-11")
    assert reload(salon).agenda == []


# --- status ----------------------------------------------------------------------------

def test_organizer_moves_status_forward_one_step(app, client, auth):
    salon = make_salon()
    auth.login("organizer")
    post_form(client, "/salons/2026-11/status", {"to": "held"})
    assert reload(salon).status == "planning"
    assert "只能进入下一步" in client.get("/salons/2026-11").get_data(as_text=True)
    post_form(client, "/salons/2026-11/status", {"to": "open"})
    assert reload(salon).status == "open"
    post_form(client, "/salons/2026-11/status", {"to": "held"})
    assert reload(salon).status == "held"
    response = post_form(client, "/salons/2026-11/status", {"to": "published"})
    assert reload(salon).status == "held"
    assert "专刊发布时自动设置" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_advance_status_rules(app):
    salon = make_salon(status="held")
    with pytest.raises(services.SalonError, match="只能进入下一步"):
        services.advance_status(salon, "open")
    with pytest.raises(services.SalonError, match="未知状态"):
        services.advance_status(salon, "closed")
    services.advance_status(salon, "published")  # what the bulletin feature calls
    with pytest.raises(services.SalonError, match="最终状态"):
        services.advance_status(salon, "published")


# --- home ------------------------------------------------------------------------------

def test_home_shows_current_salon_and_newest_posts(app, client, auth):
    old = make_salon("2026-10", "二代证攻坚", status="published")
    make_salon("2026-11", "社区警务室常态化", status="open", description="请于 20 日前投稿。")
    post = make_post(old, "曹甸所的五条做法", kind="experience")
    post.exemplary = True
    db.session.commit()
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert "本期主题：社区警务室常态化" in html and "征稿启事" in html
    assert "请于 20 日前投稿" in html and 'href="/posts/new?kind=problem"' in html
    assert "曹甸所的五条做法" in html and "一所一品牌" in html and "城关派出所" in html
    assert f'href="/posts/{post.id}"' in html


def test_admin_home_offers_no_writing(app, client, auth):
    make_salon(status="open")
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "本期主题" in html and "/posts/new" not in html


# --- query counts ----------------------------------------------------------------------

def fill(count: int, start: int = 0) -> None:
    """`count` salons, each with two posts and a sign-up."""
    for n in range(start, start + count):
        salon = make_salon(f"{2000 + n // 12}-{n % 12 + 1:02d}", f"主题{n}", status="open")
        make_post(salon, f"经验{n}", kind="experience")
        make_post(salon, f"问题{n}")
        services.sign_up(salon, user("officer2"))
    db.session.commit()


def queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm up
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/salons/", "/"])
def test_list_pages_run_constant_queries(app, client, auth, count_queries, url):
    auth.login()
    fill(3)
    few = queries_for(client, count_queries, url)
    fill(27, start=3)
    assert queries_for(client, count_queries, url) == few


def test_salon_page_runs_constant_queries(app, client, auth, count_queries):
    salon = make_salon(status="open")
    auth.login()
    for n in range(3):
        make_post(salon, f"稿件{n}", kind="experience", author="officer2")
    make_post(salon, "一个问题", author="officer2")
    services.sign_up(salon, user("officer"))
    db.session.commit()
    few = queries_for(client, count_queries, "/salons/2026-11")
    for n in range(30):
        make_post(salon, f"更多{n}", author="officer" if n % 2 else "leader")
    services.sign_up(salon, user("officer2"))
    services.sign_up(salon, user("leader"))
    db.session.commit()
    assert queries_for(client, count_queries, "/salons/2026-11") == few


def test_salon_page_shows_one_page_of_each_kind_with_the_total(app, client, auth):
    """A salon with thousands of posts must not list them all in one page."""
    app.config["POSTS_PER_PAGE"] = 5
    salon = make_salon(status="open")
    for n in range(12):
        make_post(salon, f"经验{n:02d}", kind="experience", author="officer2")
    for n in range(3):
        make_post(salon, f"问题{n:02d}", author="officer2")
    auth.login()
    html = client.get("/salons/2026-11").get_data(as_text=True)
    assert "经验11" in html and "经验06" not in html and "共 12 条，第 1/3 页" in html
    assert all(f"问题{n:02d}" in html for n in range(3))
    html = client.get("/salons/2026-11?kind=experience&page=3").get_data(as_text=True)
    assert "经验01" in html and "经验11" not in html and "问题02" in html


# --- command line ----------------------------------------------------------------------

def test_cli_creates_salons_with_next_number(app, runner):
    with frozen(datetime(2026, 11, 2, 9, 0)):  # the meeting may not lie in the past
        result = runner.invoke(args=["salons", "create", "--month", "2026-11",
                                     "--topic", "如何提升防范水平", "--starts-at",
                                     "2026-11-20 14:30", "--place", "三楼会议室"])
    assert result.exit_code == 0, result.output
    assert "第1期" in result.output
    result = runner.invoke(args=["salons", "create", "--month", "2026-12", "--topic", "警务室"])
    assert result.exit_code == 0 and "第2期" in result.output
    salon = db.session.scalar(db.select(Salon).filter_by(month="2026-11"))
    assert (salon.number, salon.place, salon.starts_at.hour) == (1, "三楼会议室", 14)


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-11", "--topic", "重复"], "已有沙龙"),
    (["--month", "11-2026", "--topic", "主题"], "月份格式不正确"),
    (["--month", "2026-12", "--topic", "  "], "请填写沙龙主题"),
    (["--month", "2026-12", "--topic", "主题", "--starts-at", "明天"], "时间格式不正确"),
])
def test_cli_errors_are_one_line(app, runner, args, message):
    make_salon()
    result = runner.invoke(args=["salons", "create", *args])
    assert result.exit_code != 0
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 1


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-12"], "缺少 --topic（主题）"),
    (["--topic", "主题"], "缺少 --month（月份）"),
])
def test_cli_missing_option_is_one_chinese_line(app, runner, args, message):
    result = runner.invoke(args=["salons", "create", *args])
    assert result.exit_code != 0
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Usage" not in result.output and "Missing option" not in result.output
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 0


def test_create_form_suggests_the_next_free_month(app, client, auth):
    from datetime import datetime

    from salon.timeutil import frozen

    auth.login("organizer")
    with frozen(datetime(2026, 11, 5, 9, 0)):
        assert 'value="2026-11"' in client.get("/salons/new").get_data(as_text=True)
        make_salon("2026-11")
        make_salon("2026-12")
        assert 'value="2027-01"' in client.get("/salons/new").get_data(as_text=True)
