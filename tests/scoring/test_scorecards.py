"""Scorecards: two-level weights with renormalisation, worst-of, % contributions, assignment, schemes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import score_customers
from scoring.schemes import Scheme
from scoring.scorecards import (
    Criteria,
    Scorecard,
    ScorecardGroup,
    Weighted,
    assign_scorecards,
    grouped_health,
    parse_scorecard,
)

NAN = np.nan
KEYS = ["a", "b", "c"]
CARD = Scorecard(
    key="main",
    label="Main",
    groups=(
        ScorecardGroup("g1", "G1", 3, (Weighted("a", 1), Weighted("b", 3))),
        ScorecardGroup("g2", "G2", 1, (Weighted("c", 1),)),
    ),
    default=True,
)


def _health(scores):
    scores = np.array(scores, dtype=float)
    return grouped_health(scores, KEYS, [CARD], np.zeros(len(scores), dtype=np.int64))


def test_group_scores_are_weighted_means_and_health_weights_the_groups():
    out = _health([[80, 40, 20]])
    assert out.group_scores.tolist() == [[50.0, 20.0]]  # (80·1 + 40·3)/4 ; 20
    assert out.health.tolist() == [pytest.approx((3 * 50 + 1 * 20) / 4)]
    # effective weights 3/16, 9/16, 4/16 → points add up to health − 50
    assert out.points.tolist() == [pytest.approx([3 / 16 * 30, 9 / 16 * -10, 1 / 4 * -30])]
    assert 50 + out.points.sum() == pytest.approx(out.health[0])


def test_a_missing_indicator_is_renormalised_within_its_group():
    out = _health([[NAN, 40, 20]])
    assert out.group_scores.tolist() == [[40.0, 20.0]]
    assert out.health.tolist() == [pytest.approx((3 * 40 + 20) / 4)]
    assert np.isnan(out.points[0, 0])


def test_a_group_without_any_indicator_is_left_out_of_the_health_score():
    out = _health([[NAN, NAN, 20], [NAN, NAN, NAN]])
    assert out.health[0] == 20.0 and np.isnan(out.group_scores[0, 0])
    assert np.isnan(out.health[1]) and np.isnan(out.points[1]).all()


def test_contributions_are_reported_in_percent_and_add_up_to_one_hundred():
    assert CARD.group_shares() == {"g1": 75.0, "g2": 25.0}
    assert CARD.contributions() == pytest.approx({"a": 18.75, "b": 56.25, "c": 25.0})
    assert sum(CARD.contributions().values()) == pytest.approx(100.0)


def _exactly(actual, expected):
    """Element for element, with NaN where NaN is expected (a plain ``==`` on lists fails on NaN)."""
    np.testing.assert_array_equal(actual, np.array(expected, dtype=float))


WORST = Scorecard("worst", "Worst", CARD.groups, default=True, aggregate="worst_of")  # group weights 3 and 1 ignored


def test_worst_of_takes_the_lowest_group_and_gives_points_to_that_groups_indicators_only():
    scores = np.array([[80, 40, 20], [90, 10, 60]], dtype=float)
    out = grouped_health(scores, KEYS, [WORST], np.zeros(2, dtype=np.int64))
    # group scores exactly as under the weighted mean: G1 = (a + 3b)/4, G2 = c
    assert out.group_scores.tolist() == [[50.0, 20.0], [30.0, 60.0]]
    assert out.health.tolist() == [20.0, 30.0]
    # 1: g2 decides, c has the whole score: 1 × (20 − 50); 2: g1 decides, a 1/4 × 40, b 3/4 × −40
    _exactly(out.points, [[NAN, NAN, -30.0], [10.0, -30.0, NAN]])
    _exactly(50 + np.nansum(out.points, axis=1), out.health)


def test_worst_of_breaks_a_tie_in_favour_of_the_first_group_in_config_order():
    out = grouped_health(np.array([[70.0, 30.0, 40.0]]), KEYS, [WORST], np.zeros(1, dtype=np.int64))
    assert out.group_scores.tolist() == [[40.0, 40.0]]  # (70 + 90)/4 ; 40
    assert out.health.tolist() == [40.0]
    _exactly(out.points, [[5.0, -15.0, NAN]])  # g1: 1/4 × 20, 3/4 × −20; c not counted


def test_worst_of_skips_a_group_without_any_indicator_and_is_nan_when_all_are_missing():
    scores = np.array([[NAN, NAN, 70], [NAN, 10, 90], [NAN, NAN, NAN]])
    out = grouped_health(scores, KEYS, [WORST], np.zeros(3, dtype=np.int64))
    _exactly(out.group_scores, [[NAN, 70.0], [10.0, 90.0], [NAN, NAN]])
    _exactly(out.health, [70.0, 10.0, NAN])
    # 2: b alone is available in g1, so it holds g1's whole score: 1 × (10 − 50)
    _exactly(out.points, [[NAN, NAN, 20.0], [NAN, -40.0, NAN], [NAN, NAN, NAN]])


def test_a_scorecard_that_does_not_say_how_to_aggregate_takes_the_weighted_mean():
    groups = [
        {"key": "g1", "weight": 3, "indicators": [{"indicator": "a"}, {"indicator": "b", "weight": 3}]},
        {"key": "g2", "indicators": [{"indicator": "c"}]},
    ]
    card = parse_scorecard({"key": "main", "default": True, "groups": groups}, Scheme(), None)
    assert card.aggregate == "weighted_mean"
    out = grouped_health(np.array([[80.0, 40.0, 20.0]]), KEYS, [card], np.zeros(1, dtype=np.int64))
    assert out.health.tolist() == [pytest.approx((3 * 50 + 1 * 20) / 4)]
    worst = parse_scorecard({"key": "main", "default": True, "aggregate": "worst_of", "groups": groups}, Scheme(), None)
    assert worst.aggregate == "worst_of"


def test_worst_of_contributions_are_each_indicators_share_within_its_group():
    assert WORST.group_shares() == {"g1": 100.0, "g2": 100.0}
    assert WORST.contributions() == pytest.approx({"a": 25.0, "b": 75.0, "c": 100.0})


def test_scorecards_are_assigned_by_criteria_in_order_with_a_default():
    cards = [
        Scorecard("vip", "VIP", CARD.groups, when=Criteria(segments=("Champions",))),
        Scorecard("eu_firms", "EU firms", CARD.groups, when=Criteria(customer_kinds=("company",), sources=("eu",))),
        Scorecard("rest", "Rest", CARD.groups, default=True),
    ]
    segment = np.array(["Champions", "Champions", "Lost", "Lost", "Lost"], dtype=object)
    kind = np.array(["person", "company", "company", "company", "person"], dtype=object)
    source = np.array(["us", "eu", "eu", "us", "eu"], dtype=object)
    assert assign_scorecards(cards, segment, kind, source).tolist() == [0, 0, 1, 2, 2]


@pytest.fixture
def shop(build):
    customers = build.customers([1, 2, 3]).assign(source=pd.array(["eu", "us", "eu"], dtype="str"))
    customers.loc[2, "kind"] = "person"
    return build.frames(
        customers=customers,
        orders=build.orders([(1, 10, 100.0), (2, 100, 10.0), (3, 300, 50.0)]),
    )


INDICATORS = [
    {"key": "recency", "kind": "recency", "direction": "lower_is_better", "normalise": {"method": "minmax", "min": 0, "max": 400}},
    {"key": "monetary", "kind": "monetary", "normalise": {"method": "minmax", "min": 0, "max": 200}},
]


def test_each_customer_is_scored_and_banded_by_their_scorecard(build, shop):
    scorecards = [
        {
            "key": "eu_companies",
            "when": {"customer_kinds": ["company"], "sources": ["eu"]},
            "scheme": {
                "kind": "grade",
                "bands": [{"name": "C", "min": 0, "grade": "C"}, {"name": "B", "min": 50, "grade": "B"}, {"name": "A", "min": 90, "grade": "A"}],
            },
            "groups": [{"key": "buying", "indicators": [{"indicator": "recency"}]}],
        },
        {
            "key": "everyone",
            "default": True,
            "groups": [{"key": "buying", "indicators": [{"indicator": "recency"}, {"indicator": "monetary", "weight": 3}]}],
        },
    ]
    result = score_customers(shop, build.config(INDICATORS, scorecards=scorecards), build.as_of)
    s = result.scores.set_index("customer_id")
    assert s["scorecard"].to_dict() == {1: "eu_companies", 2: "everyone", 3: "everyone"}
    # 1: recency 10 → 97.5 only; 2: recency 100 → 75, monetary 10 → 5 → (75 + 15)/4; 3: 25 and 25
    assert s["health_score"].to_dict() == pytest.approx({1: 97.5, 2: 22.5, 3: 25.0})
    assert s["band"].to_dict() == {1: "A", 2: "At risk", 3: "At risk"}
    points = result.indicators.set_index(["customer_id", "key"])["points"]
    assert np.isnan(points[(1, "monetary")])  # not in customer 1's scorecard
    groups = result.groups.set_index(["customer_id", "group"])["score"]
    assert groups[(2, "buying")] == pytest.approx(22.5) and len(result.groups) == 3


def test_scorecards_can_be_assigned_by_segment(build, shop):
    scorecards = [
        {"key": "new", "when": {"segments": ["Potential Loyalists"]}, "groups": [{"key": "g", "indicators": [{"indicator": "monetary"}]}]},
        {"key": "other", "default": True, "groups": [{"key": "g", "indicators": [{"indicator": "recency"}]}]},
    ]
    result = score_customers(shop, build.config(INDICATORS, scorecards=scorecards), build.as_of)
    s = result.scores.set_index("customer_id")
    # one order each: F ties break by id → F 2, 4, 5; R by recency → 5, 4, 2 (see docs/indicators.md)
    assert s["segment"].tolist() == ["Potential Loyalists", "Loyal Customers", "Can't Lose Them"]
    assert s.loc[1, "scorecard"] == "new"
    assert set(s.loc[[2, 3], "scorecard"]) == {"other"}


def test_a_worst_of_scorecard_scores_and_bands_each_customer_by_their_weakest_group(build, shop):
    scorecards = [
        {
            "key": "dimensions",
            "default": True,
            "aggregate": "worst_of",
            "groups": [
                {"key": "buying", "indicators": [{"indicator": "recency"}]},
                {"key": "spend", "indicators": [{"indicator": "monetary"}]},
            ],
        }
    ]
    result = score_customers(shop, build.config(INDICATORS, scorecards=scorecards), build.as_of)
    s = result.scores.set_index("customer_id")
    # recency 97.5 / 75 / 25 and monetary 50 / 5 / 25 (see above); 3 ties, so buying decides
    assert s["health_score"].to_dict() == {1: 50.0, 2: 5.0, 3: 25.0}
    assert s["band"].to_dict() == {1: "Watch", 2: "At risk", 3: "At risk"}
    points = result.indicators.set_index(["customer_id", "key"])["points"].to_dict()
    assert points == pytest.approx(
        {(1, "recency"): NAN, (1, "monetary"): 0.0, (2, "recency"): NAN, (2, "monetary"): -45.0, (3, "recency"): -25.0, (3, "monetary"): NAN},
        nan_ok=True,
    )
    groups = result.groups.set_index(["customer_id", "group"])["score"].to_dict()
    assert groups == {(1, "buying"): 97.5, (1, "spend"): 50.0, (2, "buying"): 75.0, (2, "spend"): 5.0, (3, "buying"): 25.0, (3, "spend"): 25.0}
