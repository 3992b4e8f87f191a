"""看板: figures against a hand-built data set, links to the lists behind them, SVG charts."""
import re
from datetime import date, datetime

import pytest

from salon.accounts.services import create_user
from salon.dashboard import charts
from salon.dashboard.services import build_dashboard
from salon.extensions import db
from salon.posts.models import Post
from salon.problems.queries import ProblemFilters
from salon.salons.models import SignUp
from salon.timeutil import frozen

from .problem_data import make_problem, salon, step, unit, user, walk

TODAY = datetime(2026, 12, 10, 9, 0)
FIG = [("新增探头", 16, "组")]


def day(d: int, month: int = 11) -> datetime:
    return datetime(2026, month, d, 9, 0)


@pytest.fixture
def data(app):
    """Six problems whose figures are worked out by hand in the tests below."""
    p1 = walk(make_problem("P1 按期办结", at=day(2)), "confirmed", deadline=date(2026, 12, 1),
              times={"accepted": day(3), "assigned": day(3), "in_progress": day(4),
                     "resolved": day(12), "confirmed": day(13)})  # 10 days, on time, 满意
    p2 = walk(make_problem("P2 逾期办结", reporter="officer2", at=day(2)), "resolved",
              deadline=date(2026, 11, 5),
              times={"accepted": day(3), "assigned": day(3), "in_progress": day(4),
                     "resolved": day(6)})  # 4 days, late
    p3 = walk(make_problem("P3 已超期", month="2026-12", at=day(1, 12)), "assigned",
              deadline=date(2026, 12, 5), unit_name="城关派出所",
              times={"accepted": day(1, 12), "assigned": day(1, 12)})  # overdue 5 days
    p4 = make_problem("P4 新提出", reporter="officer2", month="2026-12", at=day(2, 12))
    p5 = walk(make_problem("P5 重新办理", at=day(3)), "resolved", deadline=date(2026, 12, 1),
              times={"accepted": day(3), "assigned": day(3), "in_progress": day(4),
                     "resolved": day(5)})
    step(p5, "officer", "dispute", at=day(6), solved="partly", note="仍有盲区")
    step(p5, "officer2", "report", at=day(9), outcome="补装", figures=FIG)  # on time
    step(p5, "leader", "approve", at=day(9))  # 6 days
    step(p5, "officer", "confirm", at=day(10), satisfaction="basically", solved="partly")
    p6 = make_problem("P6 不予采纳", at=day(10))
    step(p6, "organizer", "decline", at=day(11), note="不属公安职责")

    create_user("officer3", "李三", "城关派出所", "officer")
    author = user("officer")
    db.session.add(Post(kind="experience", title="经验", body="x", author=author,
                        unit=author.unit, status="submitted", created_at=day(5),
                        salon=salon("2026-11")))
    november = salon("2026-11")
    people = {name: user(name) for name in ("officer", "officer2", "officer3")}
    for name, attended in (("officer", True), ("officer3", False), ("officer2", True)):
        db.session.add(SignUp(salon_id=november.id, user_id=people[name].id, attended=attended))
    db.session.commit()
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6}


def test_figures_match_the_hand_count(data):
    with frozen(TODAY):
        board = build_dashboard(ProblemFilters())
    assert board.total == 6
    assert board.by_state == {"confirmed": 2, "resolved": 1, "assigned": 1, "raised": 1,
                              "declined": 1}
    assert board.median_days == 6.0 and board.resolved_count == 3
    assert (board.on_time, board.late, board.on_time_rate) == (2, 2, 50.0)
    assert (board.reopen_total, board.reopened_problems) == (1, 1)
    # Every answer a reporter gave counts, also P5's 不满意 that reopened it (kept as history):
    # a dispute never makes the satisfaction rate look better than it was.
    assert board.satisfaction == {"satisfied": 1, "basically": 1, "unsatisfied": 1}
    assert board.satisfied_rate == 66.7
    assert board.solved == {"solved": 1, "partly": 2} and board.solved_rate == 33.3
    assert (board.sign_days, board.report_days, board.approve_days) == (1.0, 5.0, 0.0)
    assert board.reopen_rate == 33.3 and board.relapse_rate is None
    assert [p.post.title for p in board.overdue] == ["P3 已超期"]
    units = {(r.unit.name if r.unit else None): (r.total, r.open, r.done, r.overdue)
             for r in board.by_unit}
    assert units == {"曹甸派出所": (3, 0, 3, 0), "城关派出所": (1, 1, 0, 1), None: (2, 0, 0, 0)}
    assert [(m, c) for m, _, c in board.by_salon] == [("2026-11", 4), ("2026-12", 2)]
    rows = {p.unit.name: p for p in board.participation}
    chengguan = rows["城关派出所"]
    assert (chengguan.officers, chengguan.posts, chengguan.problems) == (2, 5, 4)
    assert (chengguan.signups, chengguan.attended) == (2, 1)
    assert chengguan.per_officer(chengguan.posts) == 2.5
    assert chengguan.per_officer(chengguan.attended) == 0.5
    caodian = rows["曹甸派出所"]
    assert (caodian.officers, caodian.posts, caodian.problems, caodian.attended) == (1, 2, 2, 1)
    assert "科技信息化科" not in rows  # only the admin works there: no officers, no posts


def test_period_and_unit_filters(data):
    with frozen(TODAY):
        december = build_dashboard(ProblemFilters(start=date(2026, 12, 1)))
        caodian = build_dashboard(ProblemFilters(unit=unit("曹甸派出所").id))
    assert december.total == 2 and december.by_state == {"assigned": 1, "raised": 1}
    assert december.median_days is None and december.on_time_rate == 0.0
    rows = {p.unit.name: p for p in december.participation}
    assert rows["城关派出所"].posts == 1 and rows["城关派出所"].signups == 0
    assert caodian.total == 3 and caodian.median_days == 6.0 and caodian.overdue == []
    assert [p.unit.name for p in caodian.participation] == ["曹甸派出所"]


def test_only_leaders_and_organizers(app, client, auth, data):
    assert client.get("/dashboard/").status_code == 302
    auth.login("officer")
    assert client.get("/dashboard/").status_code == 403
    auth.logout()
    auth.login("organizer")
    assert client.get("/dashboard/").status_code == 200


def test_every_figure_links_to_the_list_behind_it(app, client, auth, data):
    auth.login("leader")
    with frozen(TODAY):
        html = client.get("/dashboard/").get_data(as_text=True)
        links = {
            "overdue": re.search(r'href="(/problems/\?overdue=1)"', html).group(1),
            "on_time": re.search(r'href="(/problems/\?on_time=1)"', html).group(1),
            "reopened": re.search(r'href="(/problems/\?reopened=1)"', html).group(1),
            "satisfied": re.search(r'href="(/problems/\?satisfaction=satisfied)"', html).group(1),
            "unsatisfied": re.search(
                r'href="(/problems/\?satisfaction=unsatisfied)"', html).group(1),
        }
        expected = {"overdue": {"P3 已超期"}, "on_time": {"P1 按期办结", "P5 重新办理"},
                    "reopened": {"P5 重新办理"}, "satisfied": {"P1 按期办结"},
                    "unsatisfied": {"P5 重新办理"}}
        for name, url in links.items():
            listed = client.get(url).get_data(as_text=True)
            titles = set(re.findall(r">(P\d [^<]+)</a>", listed))
            assert titles == expected[name], (name, url)
        late = client.get("/problems/?on_time=0").get_data(as_text=True)
        assert set(re.findall(r">(P\d [^<]+)</a>", late)) == {"P2 逾期办结", "P3 已超期"}
        assert "/problems/?salon=2026-12" in html and "/problems/?state=raised" in html
        assert f"/problems/?from_unit={unit('城关派出所').id}" in html


def test_dashboard_keeps_the_period_in_its_links(app, client, auth, data):
    auth.login("leader")
    with frozen(TODAY):
        html = client.get("/dashboard/?start=2026-12-01").get_data(as_text=True)
    assert "/problems/?overdue=1&amp;start=2026-12-01" in html
    assert 'value="2026-12-01"' in html


def test_charts_are_offline_svg_without_script(app, client, auth, data):
    auth.login("leader")
    with frozen(TODAY):
        html = client.get("/dashboard/").get_data(as_text=True)
    assert html.count("<svg") == 5
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    urls = set(re.findall(r"(?:https?|file)://[^\s\"')]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert 'xlink:href="/problems/?state=assigned"' in html


def test_one_salons_figures_for_the_bulletin(data):
    with frozen(TODAY):
        board = build_dashboard(ProblemFilters(salon="2026-12"))
    assert board.total == 2 and [p.post.title for p in board.overdue] == ["P3 已超期"]


def test_chart_builders_are_reusable(app):
    svg = charts.problems_by_state_svg({"raised": 3, "resolved": 2})
    assert svg.startswith("<svg") and "已提出" in svg and "<script" not in svg
    assert "<script" not in charts.satisfaction_svg({"satisfied": 2})
    assert "城关派出所" in charts.problems_by_unit_svg([("城关派出所", 2, 1, 1)])


def test_dashboard_runs_a_constant_number_of_queries(app, client, auth, data, count_queries):
    auth.login("leader")
    with frozen(TODAY):
        with count_queries() as few:
            client.get("/dashboard/")
        for i in range(4):
            walk(make_problem(f"更多{i}", reporter="officer2", at=day(20)), "assigned",
                 deadline=date(2026, 12, 1), times={"accepted": day(21), "assigned": day(21)})
        with count_queries() as many:
            html = client.get("/dashboard/").get_data(as_text=True)
    assert "更多3" in html  # overdue now, so listed
    assert len(many) == len(few)


def test_review_results_and_the_relapse_rate(app):
    """回头看: 巩固 and 反弹 counted apart; a relapse reopens, so it also counts as reopened."""
    held = walk(make_problem("回头看巩固", at=day(2)), "confirmed")
    relapsed = walk(make_problem("回头看反弹", at=day(2)), "confirmed")
    with frozen(TODAY):
        step(held, "organizer", "review", at=TODAY, verdict="held", figures=FIG)
        step(relapsed, "organizer", "review", at=TODAY, verdict="relapsed", figures=FIG,
             deadline=date(2026, 12, 30), note="夜间警情回升")
        board = build_dashboard(ProblemFilters())
    assert board.reviews == {"held": 1, "relapsed": 1} and board.relapse_rate == 50.0
    assert board.reopened_problems == 1 and board.reopen_rate == 50.0
    assert board.outcomes and all(t.problems == 1 for t in board.outcomes)  # the relapsed
    # problem's earlier figures are history: only the held one's count as 成效
