"""Segment maps: Map A partitions the R×F grid, Map B is first-match-wins, custom rules work."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scoring.config import ScoreRange, SegmentRule, SegmentSpec
from scoring.segments import (
    PRESETS,
    RFM_RANGES,
    RFM_RF_10,
    assign_segments,
    matches,
    rules_for,
)

CELLS = list(itertools.product(range(1, 6), repeat=2))


def _matching(rules, r, f, m):
    one = np.array([1])
    return [rule.name for rule in rules if matches(rule, one * r, one * f, one * m)[0]]


def test_map_a_covers_every_r_f_cell_exactly_once():
    for r, f in CELLS:
        for m in range(1, 6):
            assert len(_matching(RFM_RF_10, r, f, m)) == 1, (r, f, m)


def test_map_a_has_ten_segments_with_the_published_cells():
    names = {rule.name for rule in RFM_RF_10}
    assert len(names) == 10
    grid = {cell: _matching(RFM_RF_10, *cell, 1)[0] for cell in CELLS}
    assert grid[(1, 1)] == grid[(2, 2)] == "Hibernating"
    assert grid[(1, 5)] == grid[(2, 5)] == "Can't Lose Them"
    assert grid[(3, 3)] == "Need Attention"
    assert grid[(3, 4)] == grid[(4, 5)] == "Loyal Customers"
    assert grid[(4, 1)] == "Promising"
    assert grid[(5, 1)] == "New Customers"
    assert grid[(4, 2)] == grid[(5, 3)] == "Potential Loyalists"
    assert grid[(5, 4)] == grid[(5, 5)] == "Champions"


def test_map_b_takes_the_first_matching_rule():
    assert _matching(RFM_RANGES, 5, 5, 5)[:2] == ["Champions", "Loyal Customers"]  # overlapping rules
    spec = SegmentSpec(kind="preset", preset="rfm_ranges")
    out = assign_segments(np.array([5, 4]), np.array([5, 1]), np.array([5, 1]), np.array([True, True]), spec)
    assert out.tolist() == ["Champions", "Potential Loyalist"]  # 4/1/1 is also "New Customers", listed later


def test_map_b_leaves_unmatched_customers_in_the_otherwise_segment():
    assert _matching(RFM_RANGES, 1, 3, 1) == []
    spec = SegmentSpec(kind="preset", preset="rfm_ranges", otherwise="Unsorted")
    assert assign_segments(np.array([1]), np.array([3]), np.array([1]), np.array([True]), spec).tolist() == ["Unsorted"]


def test_customers_without_purchases_get_the_configured_segment():
    spec = SegmentSpec(kind="preset", preset="rfm_rf_10", no_purchases="Prospects")
    out = assign_segments(np.array([0, 5]), np.array([0, 5]), np.array([0, 5]), np.array([False, True]), spec)
    assert out.tolist() == ["Prospects", "Champions"]


def test_custom_rules_are_tried_in_order():
    spec = SegmentSpec(
        kind="rules",
        preset=None,
        rules=(
            SegmentRule("Big spenders", m=ScoreRange(5, 5)),
            SegmentRule("Recent", r=ScoreRange(4, 5)),
        ),
    )
    r, f, m = np.array([5, 5, 1]), np.array([1, 1, 1]), np.array([5, 2, 2])
    assert assign_segments(r, f, m, np.array([True] * 3), spec).tolist() == ["Big spenders", "Recent", "Others"]


def test_presets_are_the_two_shipped_maps_and_an_unknown_one_is_named():
    assert rules_for(SegmentSpec(preset="rfm_rf_10")) is RFM_RF_10
    assert set(PRESETS) == {"rfm_rf_10", "rfm_ranges"}
    with pytest.raises(ValueError, match="unknown segment preset 'rfm_x'"):
        rules_for(SegmentSpec(preset="rfm_x"))


def test_no_customers_gives_no_segments():
    empty = np.array([], dtype=np.int64)
    assert assign_segments(empty, empty, empty, np.array([], dtype=bool), SegmentSpec()).tolist() == []


def test_value_tiers_split_buyers_into_high_value_potential_and_low_value():
    from scoring.config import ValueTiers
    from scoring.segments import value_tiers

    measure = np.array([500.0, 100.0, 100.0, 50.0, 10.0, np.nan, 0.0])
    r = np.array([1, 5, 5, 4, 2, 5, 0])
    ids = np.array([1, 2, 3, 4, 5, 6, 7])
    buyers = np.array([True, True, True, True, True, True, False])
    # 5 buyers with a measure; top ceil(5 · 40 %) = 2: 500, then the 100-tie goes to the higher id (3)
    out = value_tiers(measure, r, ids, buyers, ValueTiers(high_value_percent=40))
    assert out.tolist() == ["High value", "Potential", "High value", "Potential", "Low value", "Potential", None]


def test_value_tiers_preset_in_a_config_uses_the_named_measure_and_names(build):
    from scoring import score_customers

    frames = build.frames(
        customers=build.customers([1, 2, 3, 4]),
        orders=build.orders([(1, 300, 900.0), (2, 5, 10.0), (3, 200, 20.0)]),
    )
    config = build.config(
        [{"key": "spend", "kind": "monetary", "weight": 1}],
        segments={
            "kind": "value_tiers",
            "measure": "spend",
            "high_value_percent": 30,
            "potential_min_r": 5,
            "names": {"high_value": "VIP"},
            "no_purchases": "Prospect",
        },
    )
    segments = score_customers(frames, config, build.as_of).scores["segment"].tolist()
    # 3 buyers: ceil(0.9) = 1 VIP (900); 2 bought most recently (R 5) → Potential; 3 has R 4 → Low value
    assert segments == ["VIP", "Potential", "Low value", "Prospect"]


def test_custom_rules_can_add_a_condition_over_indicators(build):
    from scoring import score_customers

    frames = build.frames(
        customers=build.customers([1, 2, 3]),
        orders=build.orders([(1, 5, 10.0), (2, 5, 10.0), (3, 5, 10.0)]),
        cases=build.cases([(1, 3, True), (1, 4, True)]),
        surveys=build.surveys([(2, "nps", 10, 1)]),
    )
    config = build.config(
        [{"key": "complaints", "kind": "complaint_rate", "weight": 1}, {"key": "nps", "kind": "nps", "weight": 1}],
        segments={
            "kind": "rules",
            "rules": [
                {"name": "Unhappy", "when": {"field": "complaints", "op": ">", "value": 0}},
                {"name": "Fans", "when": {"all": [{"field": "nps", "op": ">=", "value": 9}, {"field": "customer_kind", "op": "==", "value": "company"}]}},
                {"name": "Quiet"},
            ],
        },
    )
    assert score_customers(frames, config, build.as_of).scores["segment"].tolist() == ["Unhappy", "Fans", "Quiet"]
