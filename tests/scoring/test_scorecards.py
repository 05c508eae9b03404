"""Scorecards: two-level weights with renormalisation, % contributions, assignment, schemes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import score_customers
from scoring.scorecards import (
    Criteria,
    Scorecard,
    ScorecardGroup,
    Weighted,
    assign_scorecards,
    grouped_health,
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
