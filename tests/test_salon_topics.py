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
