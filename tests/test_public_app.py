"""The public suggestion app: nothing but its four routes, limits, and the citizen's view."""
import re
from contextlib import contextmanager

import pytest

from salon.extensions import db, public_limiter
from salon.public import create_app as create_public_app
from salon.suggestions.models import Suggestion
from salon.web import CONTENT_SECURITY_POLICY

from .conftest import app_settings
from .problem_data import salon, walk
from .suggestion_data import public_suggestion, triage

ROUTES = {
    ("/", "public.form", frozenset({"GET", "POST"})),
    ("/query", "public.query", frozenset({"GET", "POST"})),
    ("/api/public/suggestions", "public_api.create_suggestion", frozenset({"POST"})),
    ("/api/public/suggestions/<code>", "public_api.get_suggestion", frozenset({"GET"})),
    ("/static/<path:filename>", "static", frozenset({"GET"})),
}


@contextmanager
def public_app(app, tmp_path, **overrides):
    """The public app on the same database as `app`, its limits on; its connections closed
    after (a pooled connection left to the garbage collector warns in a later test)."""
    settings = app_settings(tmp_path, RATELIMIT_ENABLED=True, **overrides)
    settings["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    site = create_public_app(settings)
    public_limiter.reset()
    try:
        yield site
    finally:
        public_limiter.reset()
        with site.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def public(app, tmp_path):
    salon("2026-11")
    db.session.commit()
    with public_app(app, tmp_path) as site:
        yield site


def token(client, path="/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def submit(client, text="人民路路灯坏了", **fields):
    data = {"csrf_token": token(client), "text": text, "place": "", "unit_id": "",
            "contact": "", "website": "", **fields}
    return client.post("/", data=data)


def test_url_map_holds_only_the_public_routes(public):
    rules = {(r.rule, r.endpoint, frozenset(r.methods - {"HEAD", "OPTIONS"}))
             for r in public.url_map.iter_rules()}
    assert rules == ROUTES


@pytest.mark.parametrize("path", [
    "/login", "/posts/", "/problems/", "/suggestions/", "/suggestions/1", "/dashboard/",
    "/admin/users", "/api/posts", "/api/search?q=a", "/api/problems", "/lectures/",
    "/bulletin/", "/search/?q=a", "/suggestions/posters/1.pdf", "/static/../salon/config.py",
])
def test_nothing_else_of_the_site_is_reachable(public, path):
    assert public.test_client().get(path).status_code == 404


def test_citizen_submits_and_gets_a_code_once(public):
    client = public.test_client()
    response = submit(client, "村口<script>alert(1)</script>路灯坏了", contact="王 13812345678",
                      unit_id="1")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    code = re.search(r'id="code">([0-9A-Z-]+)<', page).group(1)
    assert len(code.replace("-", "")) == 16
    assert "查询码" not in client.get("/").get_data(as_text=True).split("提交成功")[0][-50:]
    assert "提交成功" not in client.get("/").get_data(as_text=True)  # shown once
    suggestion = db.session.scalar(db.select(Suggestion))
    assert suggestion.channel == "online" and suggestion.unit_id == 1
    # the script is kept as text, shown escaped
    view = client.post("/query", data={"csrf_token": token(client, "/query"), "code": code})
    html = view.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "13812345678" not in html


def test_poster_preselects_the_unit(public):
    html = public.test_client().get("/?unit=2").get_data(as_text=True)
    assert re.search(r'<option selected value="2">|<option value="2" selected', html)


@pytest.mark.parametrize("fields, message", [
    ({"text": ""}, "请填写建议内容"),
    ({"text": "长" * 10_000}, "建议内容最多 2000 字"),
    ({"contact": "1" * 200}, "联系方式最多 100 字"),
])
def test_bad_input_is_refused_in_chinese_and_kept(public, fields, message):
    client = public.test_client()
    data = {"text": "夜里有人飙车", "place": "滨河路", **fields}
    response = submit(client, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "滨河路" in html
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 0


def test_honeypot_and_uploads_are_refused(public):
    client = public.test_client()
    assert submit(client, website="http://spam.example").status_code == 400
    import io

    response = client.post("/", data={"csrf_token": token(client), "text": "看附件",
                                      "file": (io.BytesIO(b"x"), "a.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 0


def test_a_request_over_the_size_bound_gets_413_in_chinese(public):
    response = public.test_client().post("/api/public/suggestions",
                                         json={"text": "长" * 200_000})
    assert response.status_code == 413
    assert "过长" in response.get_json()["error"]


def test_flooding_from_one_address_is_rate_limited(public):
    client = public.test_client()
    codes = [client.post("/api/public/suggestions", json={"text": f"第{i}条建议"}).status_code
             for i in range(8)]
    assert codes[:5] == [201] * 5 and set(codes[5:]) == {429}
    other = public.test_client()
    response = other.post("/api/public/suggestions", json={"text": "另一个地址"},
                          environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 201
    assert "频繁" in client.post("/api/public/suggestions", json={"text": "x"}).get_json()["error"]
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 6


def test_global_cap_stops_a_flood_from_many_addresses(app, tmp_path):
    with public_app(app, tmp_path, PUBLIC_LIMIT_GLOBAL="3 per hour") as site:
        client = site.test_client()
        codes = [client.post("/api/public/suggestions", json={"text": "建议"},
                             environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
                 for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_wrong_codes_are_404_then_rate_limited(public):
    client = public.test_client()
    real = public_suggestion()
    answers = [client.get(f"/api/public/suggestions/{'Z' * 15}{i}").status_code
               for i in range(11)]
    assert answers[:10] == [404] * 10 and answers[10] == 429
    # the limit holds even for a right code from that address now
    assert client.get(f"/api/public/suggestions/{real.code}").status_code == 429


def test_api_round_trip_never_shows_the_contact(public):
    client = public.test_client()
    response = client.post("/api/public/suggestions", json={
        "text": "学校门口上下学时段车多", "place": "实验小学", "contact": "李 13900001111"})
    assert response.status_code == 201
    code = response.get_json()["code"]
    body = client.get(f"/api/public/suggestions/{code.lower()}")
    data = body.get_json()
    assert data["status"] == "new" and data["progress"] == "已收到，正在研究"
    assert "contact" not in data and "13900001111" not in body.get_data(as_text=True)


@pytest.mark.parametrize("payload, status", [
    ([], 400), ({"text": 5}, 400), ({"text": "好", "unit": "1"}, 400), ({}, 400),
    ({"text": "好", "website": "x"}, 400),
])
def test_api_refuses_malformed_bodies(public, payload, status):
    response = public.test_client().post("/api/public/suggestions", json=payload)
    assert response.status_code == status and response.get_json()["error"]


def test_same_security_headers_as_the_site(public):
    response = public.test_client().get("/")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.get_data(as_text=True)


def test_citizen_follows_to_the_answer_and_gives_a_verdict(app, public, client, auth):
    site = public.test_client()
    code = site.post("/api/public/suggestions", json={"text": "人民路路灯坏了"}).get_json()["code"]
    suggestion = db.session.scalar(db.select(Suggestion))
    auth.login("organizer")
    triage(client, suggestion.id, action="adopt")
    triage(client, suggestion.id, action="reply", text="已转交城关派出所办理")
    db.session.expire_all()
    walk(db.session.get(Suggestion, suggestion.id).problem, "resolved")
    lookup = site.post("/query", data={"csrf_token": token(site, "/query"), "code": code})
    html = lookup.get_data(as_text=True)
    assert "已办结" in html and "新增探头并调整点位" in html and "已转交城关派出所办理" in html
    assert "新增探头：16组" in html and "调整：27组" in html  # 成效, the measured result
    assert site.get(f"/api/public/suggestions/{code}").get_json()["figures"][0] == {
        "label": "新增探头", "value": 16, "unit": "组"}
    assert "请您评价" in html
    done = site.post("/query", data={"csrf_token": token(site, "/query"), "code": code,
                                     "action": "verdict", "verdict": "satisfied"})
    assert "谢谢您的评价" in done.get_data(as_text=True)
    again = site.post("/query", data={"csrf_token": token(site, "/query"), "code": code,
                                      "action": "verdict", "verdict": "unsatisfied"})
    assert "已评价过" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Suggestion, suggestion.id).verdict == "satisfied"


def test_an_expired_page_keeps_what_was_typed(public):
    client = public.test_client()
    response = client.post("/", data={"csrf_token": "stale", "text": "桥头路灯不亮",
                                      "place": "桥头", "unit_id": "", "contact": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期" in html
    assert "桥头路灯不亮" in html and 'name="csrf_token"' in html
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    again = client.post("/", data={"csrf_token": fresh, "text": "桥头路灯不亮", "place": "桥头",
                                   "unit_id": "", "contact": "", "website": ""})
    assert again.status_code == 302


@pytest.mark.parametrize("unit_id", ["99999999999999999999999", "²", "-3"])
def test_a_forged_unit_is_a_field_error_not_a_crash(public, unit_id):
    response = submit(public.test_client(), unit_id=unit_id)
    assert response.status_code == 400 and "所选单位不存在" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 0


def test_wrong_codes_typed_into_the_page_are_limited_with_the_api(public):
    """The query page and the API share one wrong-code budget per address."""
    client = public.test_client()
    tok = token(client, "/query")
    answers = [client.post("/query", data={"csrf_token": tok, "code": f"{'Z' * 15}{i}"})
               for i in range(10)]
    assert [a.status_code for a in answers] == [404] * 10
    assert "查询码不正确" in answers[0].get_data(as_text=True)
    refused = client.post("/query", data={"csrf_token": tok, "code": "Z" * 16})
    assert refused.status_code == 429 and "输错查询码次数过多" in refused.get_data(as_text=True)
    assert client.get(f"/api/public/suggestions/{'Z' * 16}").status_code == 429


def test_the_form_and_the_api_share_one_budget_per_address(public):
    client = public.test_client()
    assert [submit(client, f"表单第{i}条").status_code for i in range(3)] == [302] * 3
    codes = [client.post("/api/public/suggestions", json={"text": f"接口第{i}条"}).status_code
             for i in range(3)]
    assert codes == [201, 201, 429]
    flooded = submit(client, "第六条")
    assert flooded.status_code == 429 and "提交过于频繁" in flooded.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 5


def test_the_public_api_description_names_exactly_its_routes(public):
    from salon.public.openapi import description

    from .test_api_contract import api_rules

    spec = description()
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert described == api_rules(public)


def test_the_public_api_keeps_its_description_under_fuzzing(app, tmp_path):
    """schemathesis against the public app (limits off: they are tested above), with a real
    code in the examples; any 500 or an answer unlike the description fails."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    from salon.public.openapi import description

    from .test_api_contract import CHECKS, EXAMPLES

    real = public_suggestion()
    settings_ = app_settings(tmp_path, RATELIMIT_ENABLED=False)
    settings_["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    site = create_public_app(settings_)
    spec = description()
    spec["paths"]["/api/public/suggestions/{code}"]["get"]["parameters"][0]["example"] = \
        real.display_code
    schema = schemathesis.openapi.from_dict(spec)
    cases = st.one_of(schema.as_strategy(), schema.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def fuzz(case):
        response = case.call(app=site.wsgi_app)
        case.validate_response(response, checks=CHECKS)

    try:
        fuzz()
    finally:
        with site.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_citizens_mistakes_do_not_use_up_the_budget(app, tmp_path):
    """Refused submissions (empty, too long) leave the 5 suggestions an address may leave; every
    attempt counts against a looser bound, so a flood of refused posts is bounded too."""
    with public_app(app, tmp_path, PUBLIC_ATTEMPT_LIMIT="12 per hour") as site:
        client = site.test_client()
        mistakes = [submit(client, text).status_code for text in ("", "长" * 2001) * 3]
        taken = [submit(client, f"第{i}条建议").status_code for i in range(6)]
        assert mistakes == [400] * 6 and taken == [302] * 5 + [429]
        other = site.test_client()
        refused = [other.post("/api/public/suggestions", json={"text": ""},
                              environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code
                   for _ in range(13)]
        assert refused == [400] * 12 + [429]
    assert db.session.scalar(db.select(db.func.count(Suggestion.id))) == 5


@pytest.mark.parametrize("proxies, taken", [(0, 5), (1, 7)])
def test_the_address_behind_a_proxy(app, tmp_path, proxies, taken):
    """Behind one proxy (PROXY_COUNT=1) each citizen's address has its own budget; without
    one, a forged X-Forwarded-For does not buy a fresh budget."""
    with public_app(app, tmp_path, PROXY_COUNT=proxies) as site:
        client = site.test_client()
        codes = [client.post("/api/public/suggestions", json={"text": f"第{i}条"},
                             headers={"X-Forwarded-For": f"203.0.113.{i // 5}"}).status_code
                 for i in range(7)]
    assert codes.count(201) == taken


def test_an_adopted_suggestion_whose_problem_is_declined_is_answered(app, public, client, auth):
    """采纳 then 不予受理: the citizen reads the desk's reason and may give a verdict; the desk
    may record one at 回访 on the suggestion (the problem has no 回访 in that state)."""
    from .problem_data import step

    site = public.test_client()
    code = site.post("/api/public/suggestions", json={"text": "把派出所搬到我家门口"}).get_json()[
        "code"]
    suggestion = db.session.scalar(db.select(Suggestion))
    auth.login("organizer")
    triage(client, suggestion.id, action="adopt")
    db.session.expire_all()
    step(db.session.get(Suggestion, suggestion.id).problem, "organizer", "decline",
         note="派出所选址由县里统一规划")
    view = site.get(f"/api/public/suggestions/{code}").get_json()
    assert view["progress"] == "经研究暂不立项"
    assert view["decline_reason"] == "派出所选址由县里统一规划"
    assert view["finished"] and view["may_give_verdict"]
    html = site.post("/query", data={"csrf_token": token(site, "/query"), "code": code}
                     ).get_data(as_text=True)
    assert "暂不立项的理由" in html and "请您评价" in html
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "记录回访" in page
    triage(client, suggestion.id, action="verdict", verdict="basically")
    db.session.expire_all()
    assert db.session.get(Suggestion, suggestion.id).verdict == "basically"
