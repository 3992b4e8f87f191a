"""考核 arithmetic on hand-built data: every value, score, total and rank worked out by hand."""
from datetime import date

import pytest

from salon.assessment.scoring import (
    IndicatorSpec,
    UnitData,
    compute,
    last_places,
    paired_scores,
    parse_period,
    rank,
    recent_periods,
)
from salon.errors import InvalidInput

STATION, POST = "派出所", "警务室"
A = UnitData(1, "甲派出所", STATION, officers=10, population=20000, complexity=1.0)
B = UnitData(2, "乙派出所", STATION, officers=5, population=10000, complexity=1.5)
C = UnitData(3, "丙派出所", STATION, officers=8, population=40000, complexity=1.0)
D = UnitData(4, "丁派出所", STATION, officers=4, population=None, complexity=1.0)
P = UnitData(5, "甲一警务室", POST, officers=2, population=5000, parent_id=1)
Q = UnitData(6, "丙一警务室", POST, officers=2, population=10000, parent_id=3)
UNITS = [A, B, C, D, P, Q]
SPECS = [
    IndicatorSpec("shuxi", "熟识率", "entered", "higher", 10, "none", False, "mean"),
    IndicatorSpec("faan", "发案率", "entered", "lower", 20, "per_10k_residents", True, "sum"),
    IndicatorSpec("posts", "人均稿件", "computed", "higher", 5, "per_officer", False, "sum"),
]
RAW = {
    (1, "shuxi"): 80, (2, "shuxi"): 90, (3, "shuxi"): None, (4, "shuxi"): 70,
    (5, "shuxi"): 60, (6, "shuxi"): 100,
    (1, "faan"): 10, (2, "faan"): 12, (3, "faan"): 30, (4, "faan"): 5,
    (5, "faan"): 2, (6, "faan"): 4,
    (1, "posts"): 20, (2, "posts"): 10, (3, "posts"): 8, (4, "posts"): 0,
    (5, "posts"): 4, (6, "posts"): 1,
}


@pytest.fixture
def results():
    return {r.unit.id: r for r in compute(UNITS, SPECS, RAW, previous={1: (75.0, 2), 2: (50, 1)})}


def test_roll_up_normalisation_and_complexity_by_hand(results):
    a, b, c, d = (results[i].cells for i in (1, 2, 3, 4))
    # 熟识率, population-weighted mean of 甲 (80, 20000) and its 警务室 (60, 5000)
    assert a["shuxi"].raw == 80
    assert a["shuxi"].rolled == pytest.approx((80 * 20000 + 60 * 5000) / 25000) == 76.0
    assert a["shuxi"].parts == ["甲一警务室"]
    assert b["shuxi"].rolled == 90 and d["shuxi"].rolled == 70
    # 丙 did not report: 缺报, its 警务室's 100 does not stand in for it
    assert c["shuxi"].raw is None and c["shuxi"].rolled is None and c["shuxi"].missing
    # 发案: cases summed with the 警务室, per 10,000 of the summed residents, ÷ complexity
    assert a["faan"].rolled == 12 and a["faan"].population == 25000
    assert a["faan"].normalised == pytest.approx(4.8) and a["faan"].adjusted == pytest.approx(4.8)
    assert b["faan"].normalised == pytest.approx(12.0)
    assert b["faan"].adjusted == pytest.approx(8.0)  # 12 ÷ 1.5
    assert c["faan"].rolled == 34 and c["faan"].normalised == pytest.approx(6.8)
    assert d["faan"].normalised is None and not d["faan"].missing  # no residents: 无数据
    # posts per officer, the 警务室's officers counted with the 派出所
    assert a["posts"].officers == 12 and a["posts"].normalised == pytest.approx(2.0)
    assert b["posts"].normalised == pytest.approx(2.0)
    assert c["posts"].normalised == pytest.approx(0.9)
    assert d["posts"].normalised == 0


def test_scores_totals_ranks_by_hand(results):
    a, b, c, d = (results[i] for i in (1, 2, 3, 4))
    # 熟识率 min-max over 76, 90, 70 (丙 缺报 left out)
    assert a.cells["shuxi"].score == pytest.approx(30.0)
    assert b.cells["shuxi"].score == 100 and d.cells["shuxi"].score == 0
    assert c.cells["shuxi"].score is None
    # 发案率, lower is better, over 4.8, 8.0, 6.8 (丁 无数据)
    assert a.cells["faan"].score == 100 and b.cells["faan"].score == 0
    assert c.cells["faan"].score == pytest.approx(37.5)
    assert d.cells["faan"].score is None
    # posts per officer over 2.0, 2.0, 0.9, 0
    assert [x.cells["posts"].score for x in (a, b, c, d)] == pytest.approx([100, 100, 45, 0])
    # totals: Σ weight × score ÷ Σ weight of the scored indicators (缺报 never zero)
    assert a.total == 80.0  # (10×30 + 20×100 + 5×100) ÷ 35
    assert b.total == 42.86  # (10×100 + 0 + 5×100) ÷ 35 = 42.857…
    assert c.total == 39.0  # (20×37.5 + 5×45) ÷ 25, 熟识率's weight dropped
    assert d.total == 0.0  # (10×0 + 5×0) ÷ 15
    assert [x.rank for x in (a, b, c, d)] == [1, 2, 3, 4]
    assert c.missing == ["shuxi"] and a.missing == [] and d.missing == []
    assert [x.last_place for x in (a, b, c, d)] == [False, False, False, True]
    # change against the previous period
    assert a.change == 5.0 and a.rank_change == 1
    assert b.change == -7.14 and b.rank_change == -1
    assert c.change is None and c.rank_change is None


def test_posts_are_ranked_among_posts(results):
    p, q = results[5], results[6]
    assert p.cells["shuxi"].score == 0 and q.cells["shuxi"].score == 100
    assert p.cells["faan"].normalised == pytest.approx(4.0)
    assert q.cells["faan"].normalised == pytest.approx(4.0)
    assert p.cells["faan"].score == q.cells["faan"].score == 100  # all equal: 100
    assert p.cells["posts"].score == 100 and q.cells["posts"].score == 0
    assert p.total == 71.43 and q.total == 85.71  # 2500 ÷ 35, 3000 ÷ 35
    assert (q.rank, p.rank) == (1, 2) and p.last_place


def test_order_is_by_group_then_rank():
    ordered = compute(UNITS, SPECS, RAW)
    assert [r.unit.name for r in ordered] == [
        "甲派出所", "乙派出所", "丙派出所", "丁派出所", "丙一警务室", "甲一警务室"]


def test_ties_share_a_rank_and_the_last_place():
    units = [UnitData(i, n, STATION, 1, 1000) for i, n in enumerate("ABCDE", 1)]
    spec = IndicatorSpec("x", "x", "entered", "higher", 1)
    raw = {(1, "x"): 10, (2, "x"): 10, (3, "x"): 5, (4, "x"): 0, (5, "x"): 0}
    out = {r.unit.name: r for r in compute(units, [spec], raw)}
    assert [out[n].total for n in "ABCDE"] == [100, 100, 50, 0, 0]
    assert [out[n].rank for n in "ABCDE"] == [1, 1, 3, 4, 4]
    assert [out[n].last_place for n in "ABCDE"] == [False, False, False, True, True]


def test_complexity_multiplies_a_higher_is_better_value():
    units = [UnitData(1, "甲", STATION, 1, 1000, 2.0), UnitData(2, "乙", STATION, 1, 1000, 1.0)]
    spec = IndicatorSpec("f", "防范率", "entered", "higher", 1, "none", True)
    out = compute(units, [spec], {(1, "f"): 40, (2, "f"): 60})
    cells = {r.unit.id: r.cells["f"] for r in out}
    assert cells[1].adjusted == 80 and cells[2].adjusted == 60
    assert cells[1].score == 100 and cells[2].score == 0


def test_a_unit_with_nothing_reported_is_not_ranked_nor_zero():
    units = [UnitData(1, "甲", STATION, 1, 1000), UnitData(2, "乙", STATION, 1, 1000),
             UnitData(3, "丙", STATION, 1, 1000)]
    spec = IndicatorSpec("s", "满意率", "entered", "higher", 1)
    out = {r.unit.id: r for r in compute(units, [spec], {(1, "s"): 90, (2, "s"): 80})}
    assert out[3].total is None and out[3].rank is None and out[3].missing == ["s"]
    assert out[1].rank == 1 and out[2].rank == 2 and out[2].last_place
    assert not out[3].last_place


def test_rank_and_last_place_helpers():
    assert rank({1: 50.0, 2: 70.0, 3: 50.0, 4: None}) == {1: 2, 2: 1, 3: 2, 4: None}
    assert last_places({1: 1, 2: 1}) == set()  # all tied: nobody is last
    assert last_places({1: 1}) == set()
    ranks = {i: i for i in range(1, 22)}  # 21 ranked: 10 % → the bottom 3
    assert last_places(ranks) == {19, 20, 21}


def test_paired_scores_are_the_mean_of_the_paired_units():
    totals = {1: 80.0, 2: 42.86, 3: None}
    assert paired_scores({7: [1, 2], 8: [3], 9: [2, 3]}, totals) == {7: 61.43, 8: None, 9: 42.86}


@pytest.mark.parametrize("text, start, end, previous", [
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31), "2026Q3"),
    ("2026q1", date(2026, 1, 1), date(2026, 3, 31), "2025Q4"),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28), "2026-01"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-01"),
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31), "2025-12"),
])
def test_periods(text, start, end, previous):
    period = parse_period(text)
    assert (period.start, period.end, period.previous().code) == (start, end, previous)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026-13", "2026-1", "26Q4", "", "全年",
                                  "1999Q4", "2026-00", "2026Q4 "])
def test_bad_periods_are_refused(text):
    if text == "2026Q4 ":
        assert parse_period(text).code == "2026Q4"  # surrounding spaces are forgiven
        return
    with pytest.raises(InvalidInput, match="YYYYQn"):
        parse_period(text)


def test_recent_periods():
    assert [p.code for p in recent_periods(parse_period("2026Q1"), 3)] == [
        "2025Q3", "2025Q4", "2026Q1"]
    assert parse_period("2026Q4").label == "2026年第四季度"


def test_edge_years_have_neighbours():
    assert parse_period("2000Q1").previous().code == "1999Q4"
    assert parse_period("2099-12").next().code == "2100-01"
