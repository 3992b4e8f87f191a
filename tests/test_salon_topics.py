"""选题建议: topics proposed from the last months' problems and experiences, with evidence."""
import json
import re
from datetime import date, datetime

import pytest

from salon.demo_data import DEMO_PASSWORD
from salon.extensions import db
from salon.posts.models import Post, Tag
from salon.problems.models import CoSign
from salon.salons import topics
from salon.salons.models import Salon, SalonTopicProblem
from salon.timeutil import frozen

from .conftest import app_settings, app_with_schema, csrf_token
from .problem_data import make_problem, user

TODAY = date(2026, 12, 2)


@pytest.fixture
def demo_app(tmp_path):
    """The demo bureau, as `make run` shows it."""
    with app_with_schema(app_settings(tmp_path), seed=False) as app:
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        yield app


def sign_in(client, username: str) -> None:
    token = csrf_token(client)
    answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def tag(post: Post, *names: str) -> None:
    for name in names:
        found = db.session.scalar(db.select(Tag).filter_by(name=name)) or Tag(name=name)
        post.tags.append(found)


def cosign(problem, *usernames: str) -> None:
    db.session.add_all(CoSign(problem=problem, user=user(name)) for name in usernames)


# --- on the demo bureau ---------------------------------------------------------------

def test_demo_suggestions_put_the_camera_problems_first_with_their_evidence(demo_app):
    with frozen(datetime(2026, 12, 2, 9, 0)):
        found = topics.suggest_topics()
    first = found[0]
    assert first.topic == "监控探头"
    titles = [p.post.title for p in first.problems]
    assert any("清晰度" in t for t in titles) and any("布局" in t for t in titles)
    assert len({p.post.unit_id for p in first.problems}) >= 2  # raised by several units
    assert any(p.cosigns for p in first.problems)  # and co-signed
    assert first.experiences and first.months
    assert len(found) == len({s.topic for s in found}) >= 3  # distinct themes, ranked
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_a_relapse_weighs_the_camera_theme_further(demo_app):
    """The demo's second camera problem is 报结; approved, confirmed, then found 反弹 at
    回头看 (steps through the work order), its theme weighs more and stays first."""
    from datetime import timedelta

    from salon.problems.inputs import Figure, StepInput
    from salon.problems.models import Problem
    from salon.problems.services import take_step

    def camera() -> topics.TopicSuggestion:
        with frozen(datetime(2026, 12, 2, 9, 0)):
            return topics.suggest_topics()[0]

    before = camera()
    problem = next(p for p in before.problems if p.state == "reported")
    take_step(problem, user("lingdao"), "approve", StepInput())
    take_step(problem, problem.post.author, "confirm",
              StepInput(satisfaction="satisfied", solved="solved"))
    take_step(problem, user("zuzhi"), "review", StepInput(
        verdict="relapsed", note="盲区复现", deadline=date.today() + timedelta(days=20),
        figures=[Figure("盲区路口", 2, "个")]))
    db.session.commit()
    assert db.session.get(Problem, problem.id).state == "in_progress"
    after = camera()
    assert after.topic == "监控探头" and after.score > before.score
    client = demo_app.test_client()
    sign_in(client, "zuzhi")
    with frozen(datetime(2026, 12, 2, 9, 0)):
        page = client.get("/salons/new").get_data(as_text=True)
    assert "回头看反弹 1 次" in page  # the evidence names the relapse as such


def test_json_agrees_with_the_page(demo_app):
    with frozen(datetime(2026, 12, 2, 9, 0)):
        result = demo_app.test_cli_runner().invoke(args=["salons", "suggest-topics", "--json"])
        assert result.exit_code == 0, result.output
        printed = json.loads(result.output)
        client = demo_app.test_client()
        sign_in(client, "zuzhi")
        page = client.get("/salons/new").get_data(as_text=True)
    assert printed[0]["topic"] == "监控探头" and printed[0]["problems"] and printed[0]["units"]
    assert set(printed[0]) == {"topic", "score", "terms", "problems", "units"}
    shown = re.findall(r'<h3 class="h6 mb-1">\d+\. ([^<]+)</h3>', page)
    assert shown == [s["topic"] for s in printed]
    for suggestion in printed:
        for problem_id in suggestion["problems"]:
            assert f'href="/problems/{problem_id}"' in page


def test_adopting_a_suggestion_links_its_problems_to_the_new_salon(demo_app):
    client = demo_app.test_client()
    sign_in(client, "zuzhi")
    with frozen(datetime(2026, 12, 2, 9, 0)):
        page = client.get("/salons/new?adopt=1").get_data(as_text=True)
        expected = [p.id for p in topics.suggest_topics()[0].problems]
    assert 'value="监控探头"' in page
    carried = re.search(r'name="topic_problems"[^>]*value="([^"]*)"', page).group(1)
    assert [int(x) for x in carried.split(",")] == expected
    answer = client.post("/salons/new", data={
        "csrf_token": csrf_token(client, "/salons/new"), "month": "2027-01",
        "topic": "监控探头：看得清、装得准", "topic_problems": carried + ",999999,abc"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    salon = db.session.scalar(db.select(Salon).filter_by(month="2027-01"))
    linked = db.session.scalars(db.select(SalonTopicProblem.problem_id)
                                .filter_by(salon_id=salon.id)).all()
    assert sorted(linked) == sorted(expected)  # unknown ids are ignored, not linked
    detail = client.get("/salons/2027-01").get_data(as_text=True)
    assert "选题来源" in detail and f'href="/problems/{expected[0]}"' in detail


def test_a_theme_already_taken_by_a_salon_weighs_less(demo_app):
    with frozen(datetime(2026, 12, 2, 9, 0)):
        before = topics.suggest_topics()[0]
        salon = db.session.scalar(db.select(Salon).order_by(Salon.number.desc()))
        topics.link_problems(salon.id, [p.id for p in before.problems])
        db.session.commit()
        after = {s.topic: s.score for s in topics.suggest_topics()}
    assert after.get(before.topic, 0) < before.score


def test_dashboard_shows_how_themes_rise_and_fall(demo_app):
    client = demo_app.test_client()
    sign_in(client, "lingdao")
    with frozen(datetime(2026, 12, 2, 9, 0)):
        page = client.get("/dashboard/").get_data(as_text=True)
    trend = page.split('id="trend-title"')[1].split("</section>")[0]
    assert "热点趋势" in page and "监控探头" in trend and "2026年7月—2026年12月" in trend
    # month by month: each theme's row counts its posts of each month, as the page's
    # suggestions do (the camera theme: raised in November, still written about in December)
    with frozen(datetime(2026, 12, 2, 9, 0)):
        found = topics.suggest_topics()
    months = [f"2026-{m:02d}" for m in range(7, 13)]
    for suggestion in found:
        written = [p.created_at.strftime("%Y-%m") for p in suggestion.posts]
        assert cells_of(trend, suggestion.topic) == [written.count(m) for m in months]
    camera = dict(zip(months, cells_of(trend, "监控探头"), strict=True))
    assert camera["2026-11"] > 0 and camera["2026-12"] > 0 and camera["2026-07"] == 0


def cells_of(trend: str, topic: str) -> list[int]:
    row = trend.split(f'<th scope="row" class="text-nowrap">{topic}</th>')[1].split("</tr>")[0]
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", row)]


def test_officers_do_not_see_the_suggestions(demo_app):
    client = demo_app.test_client()
    sign_in(client, "minjing1")
    assert client.get("/salons/new").status_code == 403


# --- the rules, on small data ---------------------------------------------------------

def test_an_empty_platform_says_so_instead_of_inventing_topics(app, client, auth, runner):
    assert topics.suggest_topics() == []
    result = runner.invoke(args=["salons", "suggest-topics"])
    assert result.exit_code == 0 and "没有足够的问题和经验" in result.output
    assert json.loads(runner.invoke(args=["salons", "suggest-topics", "--json"]).output) == []
    auth.login("organizer")
    assert "没有足够的问题和经验可归纳选题" in client.get("/salons/new").get_data(as_text=True)
    assert "近期稿件不足，暂无可归纳的主题" in client.get("/dashboard/").get_data(as_text=True)


def test_weight_follows_co_signs_overdue_and_the_public(app):
    quiet = [make_problem("夜市摊点占道", at=datetime(2026, 11, 5, 9, 0)),
             make_problem("夜市噪音扰民", at=datetime(2026, 11, 6, 9, 0))]
    pressing = [make_problem("电动车被盗频发", at=datetime(2026, 11, 5, 9, 0), source="public"),
                make_problem("电动车充电起火隐患", reporter="officer2",
                             at=datetime(2026, 11, 6, 9, 0))]
    for problem in quiet:
        tag(problem.post, "夜市")
    for problem in pressing:
        tag(problem.post, "电动车")
    cosign(pressing[1], "organizer", "leader")
    db.session.commit()
    with frozen(datetime(2026, 12, 2, 9, 0)):
        found = topics.suggest_topics()
    assert [s.topic for s in found[:2]] == ["电动车", "夜市"]
    assert found[0].units == ["城关派出所", "曹甸派出所"]


def test_the_window_and_declined_problems(app):
    old = [make_problem("旧问题甲", at=datetime(2026, 3, 1, 9, 0), month=None),
           make_problem("旧问题乙", at=datetime(2026, 3, 2, 9, 0), month=None)]
    declined = [make_problem("不予受理甲", at=datetime(2026, 11, 1, 9, 0)),
                make_problem("不予受理乙", at=datetime(2026, 11, 2, 9, 0))]
    for problem in old:
        tag(problem.post, "旧主题")
    for problem in declined:
        tag(problem.post, "被拒主题")
        problem.state = "declined"
    db.session.commit()
    with frozen(datetime(2026, 12, 2, 9, 0)):
        assert topics.suggest_topics() == []  # out of the 6 months; nothing but declined
        assert [s.topic for s in topics.suggest_topics(months=10)] == ["旧主题"]
        printed = json.loads(app.test_cli_runner().invoke(
            args=["salons", "suggest-topics", "--months", "10", "--json"]).output)
    assert [(s["topic"], sorted(s["problems"])) for s in printed] == [
        ("旧主题", sorted(p.id for p in old))]


@pytest.mark.parametrize("argument", ["0", "37", "abc", "²", "99999999999999999999"])
def test_bad_months_is_one_chinese_line(runner, argument):
    result = runner.invoke(args=["salons", "suggest-topics", "--months", argument])
    assert result.exit_code != 0
    assert "--months 应为 1 到 36 之间的整数" in result.output
    assert "Traceback" not in result.output


def test_window_start_counts_back_whole_months():
    assert topics.window_start(6, TODAY) == datetime(2026, 7, 1)
    assert topics.window_start(12, date(2026, 1, 15)) == datetime(2025, 2, 1)
    assert topics.window_start(1, TODAY) == datetime(2026, 12, 1)


def test_the_source_tag_is_not_a_theme(app):
    """A suggestion's problem carries the tag 群众建议 and a title "群众建议：…"; that is where
    it came from, not what it is about, so two unrelated ones make no "群众建议" topic."""
    for title, at in (("群众建议：老小区夜间入室盗窃高发", datetime(2026, 11, 5, 9, 0)),
                      ("群众建议：偏远乡镇赶场天见警率低", datetime(2026, 11, 6, 9, 0)),
                      ("群众建议：学校门口放学时段车多人多", datetime(2026, 11, 7, 9, 0))):
        tag(make_problem(title, at=at, source="public").post, "群众建议")
    db.session.commit()
    with frozen(datetime(2026, 12, 2, 9, 0)):
        found = topics.suggest_topics()
    assert all("群众建议" not in s.terms for s in found), [s.terms for s in found]


def test_suggestions_merged_into_a_problem_weigh_its_theme_and_show(app, client, auth):
    """群众建议 behind a problem: each one merged into it (合并到已有问题) adds weight, and the
    evidence says how many."""
    from salon.suggestions.services import merge

    from .suggestion_data import public_suggestion

    parking = [make_problem("夜市摊点占道", at=datetime(2026, 11, 5, 9, 0)),
               make_problem("夜市噪音扰民", at=datetime(2026, 11, 6, 9, 0))]
    bikes = [make_problem("电动车被盗频发", at=datetime(2026, 11, 5, 9, 0)),
             make_problem("电动车充电起火隐患", at=datetime(2026, 11, 6, 9, 0))]
    for problem in parking:
        tag(problem.post, "夜市")
    for problem in bikes:
        tag(problem.post, "电动车")
    db.session.commit()
    with frozen(datetime(2026, 12, 2, 9, 0)):
        before = {s.topic: s.score for s in topics.suggest_topics()}
        for text in ("夜市太吵了，晚上睡不着", "夜市摊位占了人行道"):
            merge(public_suggestion(text=text), user("organizer"), parking[0].id)
        db.session.commit()
        after = {s.topic: s for s in topics.suggest_topics()}
        auth.login("organizer")
        page = client.get("/salons/new").get_data(as_text=True)
    assert after["夜市"].score > before["夜市"] and after["电动车"].score == before["电动车"]
    assert after["夜市"].backing == {parking[0].id: 2}
    assert "群众建议 2 条" in page


def test_overdue_and_long_open_problems_weigh_more(app):
    on = date(2026, 12, 2)
    with frozen(datetime(2026, 12, 2, 9, 0)):
        fresh = make_problem("新近提出的问题", at=datetime(2026, 12, 1, 9, 0))
        old = make_problem("四个月未解决的问题", at=datetime(2026, 8, 2, 9, 0), month=None)
        late = make_problem("逾期未报结的问题", at=datetime(2026, 12, 1, 9, 0))
        late.state, late.deadline = "in_progress", date(2026, 11, 30)
        done = make_problem("已办结的老问题", at=datetime(2026, 8, 2, 9, 0), month=None)
        done.state = "resolved"
        db.session.commit()
        weight = {p.post.title: topics.problem_weight(p, on, set()) for p in
                  (fresh, old, late, done)}
    assert weight["四个月未解决的问题"] > weight["新近提出的问题"]  # how long it stays open
    assert weight["逾期未报结的问题"] > weight["新近提出的问题"]  # overdue
    assert weight["已办结的老问题"] < weight["四个月未解决的问题"]  # closed: the clock stops


def test_the_edit_form_shows_the_suggestions_and_adopts_one(demo_app):
    """Editing the next salon (not only creating it) offers the same topics, one click away."""
    client = demo_app.test_client()
    sign_in(client, "zuzhi")
    salon = db.session.scalar(db.select(Salon).filter(Salon.status.in_(("planning", "open")))
                              .order_by(Salon.number.desc()))
    with frozen(datetime(2026, 12, 2, 9, 0)):
        expected = topics.suggest_topics()
        page = client.get(f"/salons/{salon.month}/edit").get_data(as_text=True)
        adopted = client.get(f"/salons/{salon.month}/edit?adopt=1").get_data(as_text=True)
    shown = re.findall(r'<h3 class="h6 mb-1">\d+\. ([^<]+)</h3>', page)
    assert shown == [s.topic for s in expected] and shown[0] == "监控探头"
    assert 'href="?adopt=1"' in page
    assert 'value="监控探头"' in adopted
    carried = re.search(r'name="topic_problems"[^>]*value="([^"]*)"', adopted).group(1)
    form = {"csrf_token": csrf_token(client, f"/salons/{salon.month}/edit"),
            "month": salon.month, "topic": "监控探头：看得清、装得准",
            "description": salon.description, "place": salon.place,
            "starts_at": salon.starts_at.strftime("%Y-%m-%dT%H:%M") if salon.starts_at else "",
            "topic_problems": carried}
    with frozen(datetime(2026, 12, 2, 9, 0)):
        answer = client.post(f"/salons/{salon.month}/edit", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    linked = db.session.scalars(db.select(SalonTopicProblem.problem_id)
                                .filter_by(salon_id=salon.id)).all()
    assert sorted(linked) == sorted(p.id for p in expected[0].problems)


def test_the_page_shows_each_suggestions_units_and_months(demo_app):
    client = demo_app.test_client()
    sign_in(client, "zuzhi")
    with frozen(datetime(2026, 12, 2, 9, 0)):
        first = topics.suggest_topics()[0]
        page = client.get("/salons/new").get_data(as_text=True)
    card = page.split("1. 监控探头")[1].split("</li>\n{% endfor %}")[0].split('<li class="card')[0]
    assert f"涉及单位：{'、'.join(first.units)}" in card
    assert first.months == ["2026-11", "2026-12"] and "2026年11月、2026年12月" in card
    assert len(first.units) >= 2
    # the form speaks the organizer's language (no "Markdown", no "YYYY-MM"), and on a phone,
    # where the suggestions stand below the form, a link leads down to them
    form = page.split('<form method="post" novalidate>')[1].split("</form>")[0]
    assert "Markdown" not in form and "YYYY" not in form
    assert 'href="#suggestions-title">查看选题建议（5 条）' in form
    for problem in first.problems:
        assert problem.post.title in card


def test_the_suggestions_page_queries_do_not_grow_with_the_problems(app, client, auth,
                                                                     count_queries):
    """The evidence (co-signs, 回头看, 群众建议, units) is loaded per page, not per problem."""
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            problem = make_problem(f"电动车被盗问题{n}", at=datetime(2026, 11, 1 + n, 9, 0),
                                   reporter=("officer", "officer2")[n % 2])
            tag(problem.post, "电动车")
            cosign(problem, "leader")
        db.session.commit()

    auth.login("organizer")
    add(2, 0)
    with frozen(datetime(2026, 12, 2, 9, 0)):
        client.get("/salons/new")  # warm: the index, caches
        db.session.expunge_all()  # a request starts with nothing loaded, as in production
        with count_queries() as few:
            assert "电动车被盗问题1" in client.get("/salons/new").get_data(as_text=True)
        add(8, 2)
        client.get("/salons/new")
        db.session.expunge_all()
        with count_queries() as many:
            assert "电动车被盗问题9" in client.get("/salons/new").get_data(as_text=True)
    assert len(many) <= len(few) + 2, (len(few), len(many))


def test_untagged_posts_group_by_the_index_s_telling_words(app):
    """No tags at all: the theme comes from the words the search index finds telling in the
    posts (its analyzer and document frequencies), shared by three of them."""
    fraud = [make_problem(title, at=datetime(2026, 11, 3 + n, 9, 0),
                          reporter=("officer", "officer2")[n % 2])
             for n, title in enumerate(("冒充客服电信诈骗案件上升", "老人接到电信诈骗电话",
                                        "电信诈骗宣传进村入户不够"))]
    for n, title in enumerate(("村口路灯损坏", "学校门口交通拥堵", "夜市噪音扰民",
                               "户籍窗口中午不开", "河道垂钓溺水隐患")):
        make_problem(title, at=datetime(2026, 11, 10 + n, 9, 0))
    with frozen(datetime(2026, 12, 2, 9, 0)):
        found = topics.suggest_topics()
    theme = next(s for s in found if any("诈骗" in t for t in s.terms))
    assert sorted(p.id for p in theme.problems) == sorted(p.id for p in fraud)
    assert theme.units == ["城关派出所", "曹甸派出所"]


def test_telling_words_stop_weighing_once_no_term_can_enter(app):
    """The words are those of weighing every term by tf·idf, found with fewer lookups: a
    term seen once cannot beat eight that weigh more than any single occurrence could."""
    from salon.search import services, sync

    for n, title in enumerate(("电信诈骗冒充客服", "村口路灯损坏", "学校门口交通拥堵",
                               "夜市噪音扰民", "户籍窗口中午不开")):
        make_problem(title, at=datetime(2026, 11, 3 + n, 9, 0))
    text = ("反诈宣传 反诈宣传 反诈宣传 电信诈骗 电信诈骗 冒充客服 冒充客服 退款诈骗 退款诈骗 "
            "刷单返利 刷单返利 老年群体 老年群体 银行柜台 银行柜台 止付冻结 止付冻结 "
            "今天上午在村委会开会讨论了很多其他的事情")
    services.ensure_fresh()
    view = sync.search_index().view()
    weighed = []
    idf = view._idf
    view._idf = lambda term: weighed.append(term) or idf(term)
    found = view.telling_words(text, 8)
    tokens = [t.text for t in view.searcher.schema["body"].analyzer(text)]
    counts = {t: tokens.count(t) for t in tokens}
    every = sorted(((n * idf(t), t) for t, n in counts.items()), reverse=True)[:8]
    assert found == [t for _w, t in every]
    assert len(weighed) <= len(counts) - 10, (len(weighed), len(counts))  # 17 of 30 here


def test_each_term_s_document_frequency_is_read_once_per_index_version(app):
    """Posts share most of their words: a term's idf is read from the segments once, not
    again for every post (the 128-entry memo it used to share forgot it at once)."""
    from salon.search import sync

    for n, title in enumerate(("电信诈骗冒充客服", "村口路灯损坏", "学校门口交通拥堵")):
        make_problem(title, at=datetime(2026, 11, 3 + n, 9, 0))
    view = sync.search_index().view()
    read = []
    searcher = view.searcher
    original = searcher.doc_frequency

    class Counting:  # the searcher's own attributes are read-only; wrap it
        def __getattr__(self, name):
            return getattr(searcher, name)

        def doc_frequency(self, field, term):
            read.append(term)
            return original(field, term)

    view.searcher = Counting()
    # ~300 distinct words a long post, most of them shared with the other posts
    words = [f"词{n}" for n in range(300)]
    for _post in range(3):
        for word in words:
            view._idf(word)
    assert len(read) == len(set(read)) == 300, (len(read), len(set(read)))  # once each
