"""考核 from the database: a quarter computed and compared with figures worked out by hand;
the command line and the API agree; who may see what; bad input writes nothing."""
import json

import pytest

from salon.accounts.models import User
from salon.assessment.models import Figure, Indicator
from salon.assessment.report import period_of, report_content, subject_id
from salon.assessment.scoring import parse_period
from salon.assessment.services import as_json, assess, trend
from salon.extensions import db

from .assessment_data import build_quarter
from .conftest import csrf_token


@pytest.fixture
def quarter(app):
    return build_quarter()


def test_a_quarter_by_hand(quarter):
    """派出所: 城关 (with 城东警务室 rolled up), 曹甸 (complexity 1.5), 夏集 (熟识率 缺报).

    熟识率 (mean by residents): 城关 (80×20000 + 60×5000) ÷ 25000 = 76; 曹甸 90; 夏集 缺报
      → scores 0, 100, —
    发案率 (sum, per 10k, ÷ complexity): 城关 12 ÷ 25000 × 1e4 = 4.8; 曹甸 12 ÷ 1e4 × 1e4 ÷ 1.5
      = 8.0; 夏集 4 ÷ 8000 × 1e4 = 5.0 → scores 100, 0, (8 − 5) ÷ 3.2 × 100 = 93.75
    人均稿件 (sum, per officer): 城关 (2 + 1) ÷ (2 + 1) = 1.0; 曹甸 2 ÷ 4 = 0.5; 夏集 0 ÷ 1 = 0
      → 100, 50, 0
    按期办结率: 城关 1/1 = 100 %; 曹甸 1/2 = 50 %; 夏集 无数据 → 100, 0, —
    totals (weights 10, 20, 5, 5): 城关 (0 + 2000 + 500 + 500) ÷ 40 = 75; 曹甸 (1000 + 0 + 250
      + 0) ÷ 40 = 31.25; 夏集 (1875 + 0) ÷ 25 = 75 → ranks 1, 3, 1 (a tie); 曹甸 last.
    """
    a = assess("2026Q4")
    got = {r.unit.name: r for r in a.results}
    g, c, x, e = (got[n] for n in ("城关派出所", "曹甸派出所", "夏集派出所", "城东警务室"))
    assert g.cells["shuxi"].rolled == 76 and g.cells["shuxi"].score == 0
    assert c.cells["shuxi"].score == 100
    assert x.cells["shuxi"].missing and x.cells["shuxi"].score is None
    assert g.cells["faan"].adjusted == pytest.approx(4.8)
    assert c.cells["faan"].adjusted == pytest.approx(8.0)
    assert x.cells["faan"].adjusted == pytest.approx(5.0)
    assert x.cells["faan"].score == pytest.approx(93.75)
    assert [r.cells["posts"].raw for r in (g, c, x, e)] == [2, 2, 0, 1]
    assert [r.cells["posts"].normalised for r in (g, c, x)] == pytest.approx([1.0, 0.5, 0])
    assert [r.cells["ontime"].raw for r in (g, c, x)] == [100, 50, None]
    assert not x.cells["ontime"].missing  # 无数据 is not 缺报
    assert (g.total, c.total, x.total) == (75.0, 31.25, 75.0)
    assert (g.rank, c.rank, x.rank) == (1, 3, 1)
    assert (g.last_place, c.last_place, x.last_place) == (False, True, False)
    assert x.missing == ["shuxi"] and g.missing == []
    # 城东警务室 is ranked among 警务室 (alone: 100 on everything it has)
    assert e.unit.group == "警务室" and e.total == 100 and e.rank == 1 and not e.last_place
    assert [r.unit.name for r in a.results] == [
        "城关派出所", "夏集派出所", "曹甸派出所", "城东警务室"]
    # 2026Q3 had no figures: not assessed, so no change to show (not a change from zero)
    assert g.previous_total is None and g.change is None


def test_leaders_paired_scores(quarter):
    leader = db.session.scalar(db.select(User).filter_by(username="leader"))
    quarter["城关派出所"].contact_leaders = [leader]
    quarter["曹甸派出所"].contact_leaders = [leader]
    db.session.commit()
    (who, names, score), = assess("2026Q4").leaders
    assert who == leader and sorted(names) == ["城关派出所", "曹甸派出所"]
    assert score == 53.12  # (75 + 31.25) ÷ 2 = 53.125


def test_cli_json_and_api_agree(app, quarter, runner, client, auth):
    result = runner.invoke(args=["assess", "compute", "2026Q4", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert [(r["unit"], r["score"], r["rank"]) for r in printed] == [
        ("城关派出所", 75.0, 1), ("夏集派出所", 75.0, 1), ("曹甸派出所", 31.25, 3),
        ("城东警务室", 100.0, 1)]
    assert printed[1]["indicators"] == {"shuxi": None, "faan": 4, "posts": 0, "ontime": None}
    assert printed[0]["indicators"] == {"shuxi": 80, "faan": 10, "posts": 2, "ontime": 100}
    auth.login("leader")
    answer = client.get("/api/assessments/2026Q4")
    assert answer.status_code == 200
    assert answer.get_json() == printed
    text = runner.invoke(args=["assess", "compute", "2026Q4"]).output
    assert "曹甸派出所" in text and "末位" in text and "缺报 1 项" in text


@pytest.mark.parametrize("period", ["2026Q5", "2026-13", "下季度"])
def test_bad_period_is_one_clear_line(app, runner, client, auth, period):
    result = runner.invoke(args=["assess", "compute", period, "--json"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: 考核期须为 YYYYQn（如 2026Q4）或 YYYY-MM（如 2026-11）。"]
    auth.login("organizer")
    answer = client.get(f"/api/assessments/{period}")
    assert answer.status_code == 400 and "YYYYQn" in answer.get_json()["error"]


@pytest.mark.parametrize("role, status", [
    ("officer", 403), ("admin", 403), ("organizer", 200), ("leader", 200)])
def test_api_roles(app, quarter, client, auth, role, status):
    auth.login(role)
    assert client.get("/api/assessments/2026Q4").status_code == status


def test_api_needs_sign_in(app, client):
    assert client.get("/api/assessments/2026Q4").status_code == 401


def test_month_period_and_empty_indicator_set(app, runner):
    result = runner.invoke(args=["assess", "compute", "2026-11", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_report_content_fingerprint_follows_weights(quarter):
    content, first = report_content("2026Q4")
    assert content["period"] == "2026Q4" and content["ranking"][0]["unit"] == "城关派出所"
    assert report_content("2026Q4")[1] == first  # stable
    db.session.scalar(db.select(Indicator).filter_by(code="faan")).weight = 30
    db.session.commit()
    assert report_content("2026Q4")[1] != first


# --- entering figures -----------------------------------------------------------------------

def _enter(client, **fields):
    data = {"csrf_token": csrf_token(client, "/assessment/2026Q4/figures"), **fields}
    return client.post("/assessment/2026Q4/figures", data=data)


def _ids(quarter):
    shuxi = db.session.scalar(db.select(Indicator.id).filter_by(code="shuxi"))
    return str(quarter["夏集派出所"].id), str(shuxi)


def test_organizer_enters_a_missing_figure(quarter, client, auth):
    unit_id, shuxi = _ids(quarter)
    auth.login("organizer")
    page = client.get("/assessment/2026Q4/figures").get_data(as_text=True)
    assert "缺报" in page
    response = _enter(client, unit_id=unit_id, indicator_id=shuxi, value="70",
                      evidence="入户调查表 50 份")
    assert response.status_code == 302
    x = assess("2026Q4").result_of(quarter["夏集派出所"].id)
    assert x.missing == [] and x.cells["shuxi"].raw == 70
    # a correction replaces the figure (one per unit, period and indicator)
    _enter(client, unit_id=unit_id, indicator_id=shuxi, value="72", evidence="复核")
    assert db.session.scalar(db.select(db.func.count(Figure.id)).filter_by(
        unit_id=quarter["夏集派出所"].id, indicator_id=int(shuxi))) == 1


@pytest.mark.parametrize("fields, message", [
    ({"value": "120"}, "“熟识率”的数值须在 0–100% 之间。"),
    ({"value": "-1"}, "“熟识率”的数值须在 0–100% 之间。"),
    ({"value": "很高"}, "“熟识率”的数值须为数字。"),
    ({"value": "nan"}, "“熟识率”的数值须为数字。"),
    ({"unit_id": "99999"}, "单位不存在，请从列表中选择。"),
    ({"indicator_id": "99999"}, "指标不存在或已停用，请从列表中选择。"),
    ({"evidence": ""}, "请填写数据依据"),
])
def test_bad_figures_are_refused_by_field(quarter, client, auth, fields, message):
    unit_id, shuxi = _ids(quarter)
    auth.login("organizer")
    before = db.session.scalar(db.select(db.func.count(Figure.id)))
    response = _enter(client, **{"unit_id": unit_id, "indicator_id": shuxi, "value": "70",
                                 "evidence": "调查表", **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Figure.id))) == before


def test_wrong_period_and_computed_indicator(quarter, client, auth):
    from salon.assessment.services import enter_figure
    from salon.errors import InvalidInput

    unit_id, shuxi = _ids(quarter)
    auth.login("organizer")
    assert client.get("/assessment/2026Q5/figures").status_code == 400
    organizer = db.session.scalar(db.select(User).filter_by(username="organizer"))
    with pytest.raises(InvalidInput, match="考核期 2099Q1 尚未开始") as error:
        enter_figure(organizer, unit_id, "2099Q1", shuxi, 50, "表")
    assert error.value.field == "period"
    with pytest.raises(InvalidInput, match="由平台自动计算"):
        enter_figure(organizer, unit_id, "2026Q4", "posts", 5, "表")
    with pytest.raises(InvalidInput, match="不参加考核"):
        enter_figure(organizer, "治安大队", "2026Q4", "shuxi", 50, "表")
    db.session.rollback()


def test_only_organizers_enter_figures(quarter, client, auth):
    unit_id, shuxi = _ids(quarter)
    auth.login("leader")
    assert client.get("/assessment/2026Q4/figures").status_code == 403


# --- pages ----------------------------------------------------------------------------------

def test_officer_sees_own_unit_indicators_not_others(quarter, client, auth):
    auth.login("officer")  # 城关派出所
    own = client.get(f"/assessment/2026Q4/units/{quarter['城关派出所'].id}")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert "75.00" in text and "第 1 名" in text and "熟识率" in text and "含城东警务室" in text
    assert "熟识住户 ÷ 抽查住户" in text  # the formula
    assert client.get(f"/assessment/2026Q4/units/{quarter['曹甸派出所'].id}").status_code == 403
    assert client.get("/assessment/2026Q4").status_code == 403
    assert client.get("/assessment/").status_code == 302


def test_ranking_page_shows_ties_missing_and_last_place(quarter, client, auth):
    auth.login("leader")
    text = client.get("/assessment/2026Q4").get_data(as_text=True)
    assert "派出所排名" in text and "警务室排名" in text
    assert "缺报 1 项" in text and "末位" in text and "31.25" in text


def test_ranking_queries_do_not_grow_with_units(quarter, client, auth, count_queries):
    auth.login("leader")
    client.get("/assessment/2026Q4")
    with count_queries() as few:
        client.get("/assessment/2026Q4")
    from salon.accounts.services import create_user

    for n in range(6):
        create_user(f"more{n}", f"民警{n}", f"新{n}派出所", "officer")
    db.session.commit()
    with count_queries() as many:
        client.get("/assessment/2026Q4")
    assert len(many) == len(few)


def test_indicator_form_errors_in_chinese(app, client, auth):
    auth.login("organizer")
    url = "/assessment/indicators/new"
    data = {"csrf_token": csrf_token(client, url), "code": "Bad Code", "name": "见警率",
            "source": "entered", "metric": "", "direction": "higher", "weight": "5",
            "normalisation": "none", "rollup": "none", "value_unit": "%", "min_value": "0",
            "max_value": "100", "active": "y"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "代码须为 2–30 位小写字母" in response.get_data(as_text=True)
    response = client.post(url, data={**data, "code": "jianjing", "weight": "很多"})
    assert response.status_code == 400 and "权重须为数字" in response.get_data(as_text=True)
    response = client.post(url, data={**data, "code": "jianjing", "min_value": "100",
                                      "max_value": "0"})
    assert "下限不能大于上限" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Indicator.id))) == 0
    response = client.post(url, data={**data, "code": "jianjing"})
    assert response.status_code == 302
    saved = db.session.scalar(db.select(Indicator))
    assert (saved.code, saved.weight, saved.max_value) == ("jianjing", 5, 100)
    auth.logout()
    auth.login("officer")
    assert client.get(url).status_code == 403


def test_as_json_keeps_the_contract_keys(quarter):
    row = as_json(assess("2026Q4"))[0]
    assert {"unit", "score", "rank", "indicators"} <= set(row)


def test_change_against_a_reported_previous_quarter(quarter):
    """2026Q3 with one figure (城关 熟识率 80): 熟识率 城关 alone → 100, others 缺报; posts per
    officer 城关 1 ÷ 3 (g2's post of 30 September), others 0 → 100, 0, 0; 按期办结率 无数据.
    Totals: 城关 (10×100 + 5×100) ÷ 15 = 100; 曹甸 and 夏集 0 ÷ 5 = 0 (tied 2nd)."""
    organizer = db.session.scalar(db.select(User).filter_by(username="organizer"))
    shuxi = db.session.scalar(db.select(Indicator).filter_by(code="shuxi"))
    db.session.add(Figure(unit=quarter["城关派出所"], period="2026Q3", indicator=shuxi, value=80,
                          evidence="表", entered_by=organizer))
    db.session.commit()
    got = {r.unit.name: r for r in assess("2026Q4").results}
    g, c, x = got["城关派出所"], got["曹甸派出所"], got["夏集派出所"]
    assert (g.previous_total, g.previous_rank, g.change, g.rank_change) == (100, 1, -25.0, 0)
    assert (c.previous_total, c.previous_rank, c.change, c.rank_change) == (0, 2, 31.25, -1)
    assert (x.previous_total, x.previous_rank, x.change, x.rank_change) == (0, 2, 75.0, 1)
    labels, series = trend([g.unit.id, c.unit.id], parse_period("2026Q4"), 3)
    assert labels == ["2026Q2", "2026Q3", "2026Q4"]
    assert series == {g.unit.id: [None, 100.0, 75.0], c.unit.id: [None, 0.0, 31.25]}


def test_dashboard_shows_each_groups_trend(quarter, client, auth):
    auth.login("leader")
    html = client.get("/dashboard/").get_data(as_text=True)
    section = html.split('class="mt-4 assessment-trend"', 1)[1].split("</section>")[0]
    assert "考核走势" in section and "2026年第四季度排名" in section
    assert "派出所考核总分走势" in section and "警务室考核总分走势" in section
    assert "曹甸派出所" in section and "<script" not in section


# --- brands and profiles --------------------------------------------------------------------

def test_unit_head_writes_the_brand_in_markdown(quarter, client, auth):
    from salon.assessment.models import Brand

    head = db.session.scalar(db.select(User).filter_by(username="officer"))
    head.unit_head = True
    db.session.commit()
    unit_id = quarter["城关派出所"].id
    url = f"/units/{unit_id}/brand"
    auth.login("officer")
    data = {"csrf_token": csrf_token(client, url), "name": "", "slogan": "一格一警",
            "method": "**网格**"}
    response = client.post(url, data=data)
    assert response.status_code == 400 and "请填写品牌名称" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Brand.id))) == 0
    response = client.post(url, data={**data, "name": "智慧社区网格化管理",
                                      "method": "**网格**<script>alert(1)</script>"})
    assert response.status_code == 302
    brand = db.session.scalar(db.select(Brand))
    assert "<strong>网格</strong>" in brand.method_html and "<script" not in brand.method_html
    page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "智慧社区网格化管理" in page and "<strong>网格</strong>" in page
    assert "一格一警" in client.get("/brands").get_data(as_text=True)
    # another unit's brand is not theirs to write
    assert client.get(f"/units/{quarter['曹甸派出所'].id}/brand").status_code == 403


@pytest.mark.parametrize("fields, message", [
    ({"complexity": "3"}, "治安复杂程度系数须在 0.5–2.0 之间。"),
    ({"complexity": "高"}, "治安复杂程度系数须为数字。"),
    ({"population": "很多"}, "辖区人口须为整数。"),
    ({"population": "-5"}, "辖区人口须在 0–10000000 之间。"),
])
def test_admin_profile_errors_name_the_field(quarter, client, auth, fields, message):
    unit = quarter["曹甸派出所"]
    url = f"/units/{unit.id}/profile"
    auth.login("admin")
    data = {"csrf_token": csrf_token(client, url), "population": "12000", "complexity": "1.2",
            "parent_id": "", **fields}
    response = client.post(url, data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.refresh(unit)
    assert (unit.population, unit.complexity) == (10000, 1.5)


def test_admin_sets_profile_parent_and_contact_leaders(quarter, client, auth):
    post, station = quarter["城东警务室"], quarter["曹甸派出所"]
    leader = db.session.scalar(db.select(User).filter_by(username="leader"))
    auth.login("admin")
    url = f"/units/{post.id}/profile"
    data = {"csrf_token": csrf_token(client, url), "population": "6000", "complexity": "0.8",
            "parent_id": str(station.id), "leader_ids": [str(leader.id)]}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(post)
    assert (post.population, post.complexity, post.parent_id) == (6000, 0.8, station.id)
    assert post.contact_leaders == [leader]
    # a 派出所 belongs to no one
    url = f"/units/{station.id}/profile"
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url),
                                      "parent_id": str(quarter["城关派出所"].id)})
    assert "只有警务室可以隶属于派出所" in response.get_data(as_text=True)


@pytest.mark.parametrize("code, number", [("2026Q4", 20264), ("2026-11", 202611),
                                          ("2027Q1", 20271), ("2026-01", 202601)])
def test_report_subject_ids_round_trip(code, number):
    assert subject_id(parse_period(code)) == number
    assert period_of(number).code == code


@pytest.mark.parametrize("period", ["2000Q1", "2099Q4", "2000-01"])
def test_edge_periods_render(quarter, client, auth, period):
    auth.login("leader")
    assert client.get(f"/assessment/{period}").status_code == 200


def test_platform_measures_by_hand(quarter):
    """Each computed measure of 2026Q4 from rows made here (and the quarter's posts)."""
    from datetime import date, datetime

    from salon.assessment.metrics import measure
    from salon.lectures.models import Lecture
    from salon.posts.models import Post
    from salon.problems.models import Problem, ProblemResult
    from salon.salons.models import Salon, SignUp
    from salon.suggestions.models import Suggestion

    g, c = quarter["城关派出所"], quarter["曹甸派出所"]
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    organizer = users["organizer"]
    # 城关: one of its posts is a problem report, one is 典型经验
    posts = db.session.scalars(db.select(Post).where(Post.unit_id == g.id,
                                                     Post.status == "submitted")).all()
    november = [p for p in posts if p.created_at.month == 11]
    november[0].kind, november[1].exemplary = "problem", True
    # sign-ups: November's salon (2 of 城关, one attended), September's is outside
    for month, number in (("2026-11", 1), ("2026-09", 2)):
        salon = Salon(number=number, month=month, topic="主题", status="held")
        db.session.add(salon)
        for name, came in (("officer", True), ("g2", None)):
            db.session.add(SignUp(salon=salon, user=users[name], attended=came))
    # 曹甸's two resolved problems: one reopened once; verdicts 满意 + citizen 不满意, 基本满意
    resolved = db.session.scalars(db.select(Problem).where(
        Problem.responsible_unit_id == c.id).order_by(Problem.id)).all()
    resolved[0].reopen_count, resolved[0].satisfaction = 1, "satisfied"
    resolved[0].revisit_satisfaction = "unsatisfied"
    resolved[1].satisfaction = "basically"
    # the reporter's 不满意 on 曹甸's first result reopened it: history, still counted
    db.session.add(ProblemResult(problem=resolved[0], round=1, resolved_at=datetime(2026, 10, 5),
                                 satisfaction="unsatisfied", ended="disputed"))
    # two lectures of 曹甸 in the quarter, one in September
    for held in (date(2026, 10, 9), date(2026, 12, 1), date(2026, 9, 30)):
        db.session.add(Lecture(kind="forum", held_on=held, unit=c, title="讲", speaker_name="某",
                               created_by=organizer))
    # suggestions for 城关: adopted and merged in the quarter count, declined does not
    for code, status, at in (("A" * 16, "adopted", datetime(2026, 10, 2)),
                             ("B" * 16, "merged", datetime(2026, 12, 2)),
                             ("C" * 16, "declined", datetime(2026, 11, 2)),
                             ("D" * 16, "adopted", datetime(2026, 9, 2))):
        db.session.add(Suggestion(code=code, channel="online", text="建议", unit=g,
                                  status=status, received_on=at.date(), triaged_at=at))
    db.session.commit()
    got = measure(parse_period("2026Q4"))
    assert got["posts"][g.id] == 2 and got["problems_raised"][g.id] == 1
    assert got["exemplary"] == {g.id: 1}
    assert got["signups"] == {g.id: 2} and got["attendance"] == {g.id: 1}
    assert got["reopen_rate"] == {c.id: 50.0, g.id: 0.0}  # 曹甸 1 of 2 reopened, 城关 0 of 1
    assert got["satisfaction_rate"] == {c.id: 50.0}  # 2 of 4 verdicts pleased
    assert got["on_time_rate"] == {c.id: 50.0, g.id: 100.0}
    assert got["lectures"] == {c.id: 2}
    assert got["suggestions_taken"] == {g.id: 2}


# --- 签发 of the 考核通报 ---------------------------------------------------------------------

def _step(client, action, comment=""):
    url = "/assessment/2026Q4"
    return client.post(f"/signoff/assessment/20264/{action}", data={
        "csrf_token": csrf_token(client, url), "comment": comment, "next": url})


def test_organizer_submits_leader_signs_and_a_weight_change_voids_it(quarter, client, auth):
    from salon.assessment.report import KIND
    from salon.signoff import is_signed, state_of

    auth.login("organizer")
    page = client.get("/assessment/2026Q4").get_data(as_text=True)
    assert "signoff-panel" in page and "送审" in page
    assert _step(client, "submit").status_code == 302
    auth.logout()
    auth.login("leader")
    assert "signoff-sign" in client.get("/assessment/2026Q4").get_data(as_text=True)
    assert _step(client, "sign", "同意通报。").status_code == 302
    assert state_of(KIND, 20264) == "signed"
    _, fingerprint = report_content("2026Q4")
    assert is_signed(KIND, 20264, fingerprint)
    page = client.get("/assessment/2026Q4").get_data(as_text=True)
    assert "签发人：<strong>测试leader</strong>" in page and "signoff-stale" not in page
    # a weight changed after 签发: the signed 通报 no longer matches the live ranking
    db.session.scalar(db.select(Indicator).filter_by(code="faan")).weight = 30
    db.session.commit()
    assert not is_signed(KIND, 20264, report_content("2026Q4")[1])
    assert "signoff-stale" in client.get("/assessment/2026Q4").get_data(as_text=True)


def test_officers_cannot_submit_the_report(quarter, client, auth):
    auth.login("officer")
    assert _step(client, "submit").status_code == 403


def test_report_xlsx_carries_the_ranking_and_fingerprint(quarter, client, auth):
    import io

    from openpyxl import load_workbook

    auth.login("leader")
    response = client.get("/assessment/2026Q4/report.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book["排名"].iter_rows(values_only=True))
    assert rows[0][0] == "2026年第四季度考核排名"
    assert rows[1][:7] == ("分组", "名次", "单位", "总分", "较上期", "末位", "缺报指标")
    assert rows[2][:7] == ("派出所", 1, "城关派出所", 75, None, None, None)
    assert rows[3][:8] == ("派出所", 1, "夏集派出所", 75, None, None, "熟识率", "缺报")
    assert rows[4][:6] == ("派出所", 3, "曹甸派出所", 31.25, None, "是")
    assert rows[-1][0] == f"内容指纹（SHA-256）：{report_content('2026Q4')[1]}"
    formulas = list(book["指标与口径"].iter_rows(values_only=True))
    assert formulas[2][1:7] == ("发案率", "越低越好", 20, "按辖区人口折算（每万人）", "是",
                                "警务室数值累加到派出所")
    assert formulas[2][7].startswith("发案起数")
    auth.logout()
    auth.login("officer")
    assert client.get("/assessment/2026Q4/report.xlsx").status_code == 403
