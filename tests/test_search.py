"""Searching from the results page and the API, through the real index."""
import re

import pytest
from flask import render_template_string

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.problems.services import open_problem

from .search_helpers import make_post, user

TRADITIONAL = ("社區警務工作調研分析報告：小區警務正以其獨特的優勢，成為公安機關密切警民關係、"
               "加強基層基礎工作的重要載體。社區民警要熟悉轄區情況，做好巡邏防控和監控探頭建設。")


@pytest.fixture
def posts(app):
    """A small archive: sub-word matches, both scripts, both kinds, a draft."""
    return {
        "community": make_post("社区民警走访记", "城关社区民警每天走访群众，化解矛盾纠纷。",
                               tags=("入户走访",)),
        "room": make_post("社区警务室建设经验", "在社区警务室安装视频监控，值守群防群治队伍。",
                          tags=("监控",)),
        "patrol": make_post("夜间巡防的做法", "组织义务巡防队夜间巡逻，配合监控探头。",
                            tags=("巡防",)),
        "trad": make_post("調研報告", TRADITIONAL),
        "problem": make_post("监控探头损坏无人维修", "辖区多个监控探头损坏，请求维修。",
                             kind="problem"),
        "draft": make_post("我的草稿：民警心得", "尚未提交的民警心得。", status="draft",
                           author="officer2"),
    }


def ids(client, q, **params):
    response = client.get("/api/search", query_string={"q": q, "limit": 50, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["id"] for r in response.get_json()["results"]}


@pytest.mark.parametrize("term, expected", [
    ("民警", {"community", "trad"}),           # 民警 inside 社区民警, in either script
    ("警务室", {"room"}),                       # inside 社区警务室
    ("监控", {"room", "patrol", "trad", "problem"}),
    ("巡防", {"patrol"}),
    ("警務室", {"room"}),                       # Traditional query, Simplified post
    ("巡逻", {"patrol", "trad"}),               # Simplified query, Traditional post (巡邏)
    ("区警", {"trad", "room"}),                 # across word boundaries: 社区|警务
    ("群防群治", {"room"}),
    ("走访", {"community"}),                    # also found through the tag 入户走访
])
def test_every_post_containing_a_term_is_found(client, auth, posts, term, expected):
    auth.login()
    assert ids(client, term) == {posts[name].id for name in expected}


def test_all_words_must_match_quotes_are_exact_and_minus_excludes(client, auth, posts):
    auth.login()
    assert ids(client, "监控 巡防") == {posts["patrol"].id}
    assert ids(client, "监控 -探头") == {posts["room"].id}
    assert ids(client, '"视频监控"') == {posts["room"].id}


def test_results_page_shows_highlighted_snippet_and_post_facts(client, auth, posts):
    auth.login()
    html = client.get("/search/", query_string={"q": "警务室"}).get_data(as_text=True)
    assert "共找到 <strong>1</strong> 篇" in html
    assert "<mark>警务室</mark>" in html
    assert f'href="/posts/{posts["room"].id}"' in html
    assert "经验交流" in html and "城关派出所" in html and "测试officer" in html
    assert "第1期" in html and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", html)


def test_traditional_text_is_highlighted_where_it_stands(client, auth, posts):
    auth.login()
    html = client.get("/search/", query_string={"q": "社区民警"}).get_data(as_text=True)
    assert "<mark>社區民警</mark>" in html


def test_filters_show_counts_and_narrow_results(client, auth, posts):
    auth.login()
    html = client.get("/search/", query_string={"q": "监控"}).get_data(as_text=True)
    assert re.search(r"问题反映</span><span[^>]*>1</span>", html)
    assert re.search(r"经验交流</span><span[^>]*>3</span>", html)
    assert ids(client, "监控", kind="problem") == {posts["problem"].id}
    assert ids(client, "监控", unit="曹甸派出所") == set()
    assert ids(client, "监控", tag="巡防") == {posts["patrol"].id}
    assert ids(client, "监控", salon="2026-11") == ids(client, "监控")
    assert ids(client, "监控", **{"from": "2999-01-01"}) == set()


def test_problem_state_is_a_filter_and_follows_state_changes(client, auth, posts):
    problem = open_problem(posts["problem"], user())
    db.session.commit()
    auth.login()
    assert ids(client, "监控", state="raised") == {posts["problem"].id}
    problem.state = "accepted"
    db.session.commit()
    assert ids(client, "监控", state="raised") == set()
    assert ids(client, "监控", state="accepted") == {posts["problem"].id}
    html = client.get("/search/", query_string={"q": "探头损坏"}).get_data(as_text=True)
    assert "已受理" in html


def test_sort_by_newest_and_pagination(client, auth, app):
    for i in range(13):
        make_post(f"巡防第{i}篇", "巡防记录")
    auth.login()
    first = client.get("/api/search?q=巡防&sort=newest&limit=5").get_json()
    assert first["total"] == 13
    assert [r["title"] for r in first["results"]] == [f"巡防第{i}篇" for i in (12, 11, 10, 9, 8)]
    last = client.get("/api/search?q=巡防&sort=newest&limit=5&page=3").get_json()
    assert [r["title"] for r in last["results"]] == ["巡防第2篇", "巡防第1篇", "巡防第0篇"]
    html = client.get("/search/?q=巡防&page=2").get_data(as_text=True)
    assert "第 2/2 页" in html


def test_relevance_prefers_title_and_whole_words(client, auth, app):
    weak = make_post("工作记录", "今天开会，提到了监控。")
    strong = make_post("监控建设经验", "监控探头、监控中心与监控联网。")
    auth.login()
    results = client.get("/api/search?q=监控").get_json()["results"]
    assert [r["id"] for r in results] == [strong.id, weak.id]
    assert results[0]["score"] > results[1]["score"]
    assert "<mark>监控</mark>" in results[0]["snippet"]


def test_drafts_are_found_only_by_their_author(client, auth, posts):
    auth.login("officer")
    assert posts["draft"].id not in ids(client, "民警")
    auth.logout()
    auth.login("officer2")
    assert posts["draft"].id in ids(client, "民警")


@pytest.mark.parametrize("typed", ['"', '"监控', "-", "--", "- - -", "！" * 1000, "()[]{}*?:^~",
                                   "AND OR NOT", "a" * 5000, "监控" * 300, "\x00\x01", "-监控"])
def test_nothing_typed_crashes_the_page(client, auth, posts, typed):
    auth.login()
    assert client.get("/search/", query_string={"q": typed}).status_code == 200
    assert client.get("/api/search", query_string={"q": typed}).status_code == 200


def test_bad_parameters_are_ignored(client, auth, posts):
    auth.login()
    response = client.get("/search/?q=监控&page=abc&kind=x&salon=bad&from=2026-13-45&sort=zzz")
    assert response.status_code == 200
    # The API names a malformed page or limit (as every API list does) instead of guessing.
    for bad in ("limit=-5", "page=99999", "limit=abc"):
        response = client.get(f"/api/search?q=监控&{bad}")
        assert response.status_code == 400 and bad.split("=")[0] in response.get_json()["error"]
    assert client.get("/api/search?q=监控&page=9999").status_code == 200


def test_empty_states_offer_suggestions(client, auth, posts):
    auth.login()
    html = client.get("/search/").get_data(as_text=True)
    assert "输入关键词" in html and "社区民警" in html
    html = client.get("/search/?q=火星基地").get_data(as_text=True)
    assert "没有找到符合条件的稿件" in html and "换一个说法" in html


def test_search_needs_a_signed_in_user(client, posts):
    assert client.get("/search/?q=监控").status_code in (302, 401)
    assert client.get("/api/search?q=监控").status_code == 401


def test_api_answers_with_bearer_token(client, posts):
    _token, plain = ApiToken.issue(user("officer2"))
    db.session.commit()
    response = client.get("/api/search?q=警务室", headers={"Authorization": f"Bearer {plain}"})
    body = response.get_json()
    assert body["total"] == 1
    assert set(body["results"][0]) == {"id", "kind", "title", "score", "snippet"}


def test_related_posts_partial_lists_similar_posts(app, posts):
    other = make_post("社区民警如何走访群众", "社区民警走访群众、化解矛盾纠纷的体会。")
    with app.test_request_context():
        html = render_template_string("{% include 'search/_related.html' %}",
                                      post=posts["community"])
    assert "相关经验" in html
    assert f'href="/posts/{other.id}"' in html
    assert f'href="/posts/{posts["community"].id}"' not in html


def test_similar_problems_while_writing(client, auth, posts):
    open_problem(posts["problem"], user())
    db.session.commit()
    auth.login()
    found = client.get("/search/similar-problems",
                       query_string={"title": "监控探头坏了", "body": "探头损坏没人修"}).get_json()
    assert found["results"][0]["id"] == posts["problem"].id
    assert found["results"][0]["state_label"] == "已提出"
    assert found["results"][0]["url"] == f"/posts/{posts['problem'].id}"
    assert found["results"][0]["cosign"] is True  # open: 附议 is offered
    posts["problem"].problem.state = "confirmed"
    db.session.commit()
    found = client.get("/search/similar-problems",
                       query_string={"title": "监控探头坏了", "body": "探头损坏没人修"}).get_json()
    assert found["results"][0]["cosign"] is False  # closed: only to read
    # experiences are not problems
    assert all(r["id"] != posts["room"].id for r in found["results"])
    assert client.get("/search/similar-problems?title=").get_json() == {"results": []}


def test_similar_problems_partial_loads_its_script(app):
    with app.test_request_context():
        html = render_template_string("{% include 'search/_similar_problems.html' %}")
    assert 'data-url="/search/similar-problems"' in html
    assert "js/similar.js" in html and "<script>" not in html


def test_large_unchecked_matches_are_estimated_but_every_shown_hit_is_real(
        client, auth, app, monkeypatch):
    """Past a limit, candidates holding every bigram of a long term are only sampled: the
    total is an estimate (约), the hits shown are each checked, and `"…"` exclusion stays exact.
    """
    from salon.search.engine import evaluate

    real = [make_post(f"真实命中{i}", f"本所社区民警第{i}次入户走访。") for i in range(6)]
    # 社区, 区民 and 民警 all present, but never 社区民警 in a row: candidates that are false.
    false = [make_post(f"干扰稿件{i}", f"社区开展活动，辖区民警参加，小区民众欢迎。{i}")
             for i in range(6)]
    monkeypatch.setattr(evaluate, "VERIFY_ALL", 3)
    monkeypatch.setattr(evaluate, "SAMPLE", 4)
    auth.login()
    answer = client.get("/api/search", query_string={"q": "\"社区民警\"", "limit": 50}).get_json()
    assert answer["approximate"] is True
    assert {r["id"] for r in answer["results"]} == {p.id for p in real}
    assert 1 <= answer["total"] <= len(real) + len(false)
    page = client.get("/search/", query_string={"q": "\"社区民警\""}).get_data(as_text=True)
    assert "约 " in page
    monkeypatch.setattr(evaluate, "VERIFY_ALL", 2000)
    make_post("无关稿件", "一个新版本的索引，缓存随之更新。")
    exact = client.get("/api/search", query_string={"q": "\"社区民警\"", "limit": 50}).get_json()
    assert exact["approximate"] is False and exact["total"] == len(real)


def test_block_reader_agrees_with_whoosh_matchers(app):
    """Postings read a block at a time equal what Whoosh's own matcher yields, term by term."""
    from salon.search import sync
    from salon.search.engine import whoosh_seam

    for i in range(300):  # more than one 128-posting block per common term
        make_post(f"巡防记录{i}", f"社区民警第{i}次巡防" + "，民警走访" * (i % 4), commit=False)
    db.session.commit()
    view = sync.search_index().view()
    checked = 0
    for leaf, _offset in view.leaves:
        for field, term in [("grams", "民警"), ("grams", "巡防"), ("body", "民警"),
                            ("title", "巡防"), ("grams", "走访")]:
            expected_ids, expected_tfs = [], []
            matcher = leaf.postings(field, term)
            while matcher.is_active():
                expected_ids.append(matcher.id())
                expected_tfs.append(matcher.weight())
                matcher.next()
            ids, tfs, _values = whoosh_seam.read_postings(leaf, field, term)
            assert ids == expected_ids and tfs == pytest.approx(expected_tfs)
            checked += len(ids)
    assert checked > 900


def test_key_terms_are_whooshs_across_segments_and_versions(app):
    """相关经验 picks its words as Whoosh's `key_terms_from_text` does (Bo1, same order), with
    the per-segment frequencies kept from one index version to the next."""
    from salon.search import sync

    words = ["社区民警", "走访", "群众", "矛盾纠纷", "监控", "巡逻", "电动车", "调解", "反诈",
             "网格"]
    texts = []
    for batch in range(4):  # one segment per commit
        for i in range(12):
            text = "，".join(words[(i * j + batch) % len(words)] for j in range(1, 9 + i % 5))
            texts.append(text)
            make_post(f"第{batch}批{i}号 {words[i % len(words)]}", text, commit=False)
        db.session.commit()
        view = sync.search_index().view()
        assert len(view.leaves) >= 1
        for text in texts[-6:] + ["走访群众，化解矛盾纠纷。" * 3, "无关的字", ""]:
            expected = [t for t, _w in view.searcher.key_terms_from_text("body", text,
                                                                          numterms=10)]
            assert view.key_terms(text, 10) == expected
    assert len(view.leaves) > 1
