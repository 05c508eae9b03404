"""Conditions as data: rows, trends, all/any/not, with three-valued logic over missing values."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Not,
    Trend,
    evaluate,
    holds,
    parse_condition,
    referenced_fields,
)

NAN = np.nan
FIELDS = {
    "health_score": np.array([30.0, 70.0, NAN]),
    "nps": np.array([3.0, 9.0, 7.0]),
    "csat": np.array([50.0, 40.0, NAN]),
    "band": np.array(["At risk", "Healthy", None], dtype=object),
}


def ev(condition, refs=None):
    return evaluate(condition, FIELDS, 3, refs).tolist()


def test_a_row_compares_a_field_with_a_value_and_missing_is_unknown():
    assert ev(Compare("health_score", "<", 40)) == pytest.approx([1, 0, NAN], nan_ok=True)
    assert ev(Compare("band", "==", "At risk")) == pytest.approx([1, 0, NAN], nan_ok=True)
    assert ev(Compare("band", "in", ("At risk", "Watch"))) == pytest.approx([1, 0, NAN], nan_ok=True)
    assert ev(Compare("nps", "not_in", (9.0, 10.0))) == [1, 0, 1]


def test_a_row_can_compare_two_fields():
    assert ev(Compare("nps", "<", other="csat")) == pytest.approx([1, 1, NAN], nan_ok=True)


def test_is_missing_and_is_present_are_never_unknown():
    assert ev(Compare("health_score", "is_missing")) == [0, 0, 1]
    assert ev(Compare("band", "is_present")) == [1, 1, 0]


def test_all_any_and_not_follow_three_valued_logic():
    low, promoter = Compare("health_score", "<", 40), Compare("nps", ">=", 9)
    assert ev(AllOf((low, promoter))) == [0, 0, 0]  # 3: unknown and false is false
    assert ev(AnyOf((low, promoter))) == pytest.approx([1, 1, NAN], nan_ok=True)
    assert ev(Not(low)) == pytest.approx([0, 1, NAN], nan_ok=True)
    # false and unknown is false; true or unknown is true
    assert ev(AllOf((Compare("nps", ">", 5), low))) == pytest.approx([0, 0, NAN], nan_ok=True)
    assert ev(AnyOf((Compare("nps", ">=", 7), low))) == [1, 1, 1]


def test_only_a_definite_true_holds():
    assert holds(Not(Compare("health_score", ">=", 40)), FIELDS, 3).tolist() == [True, False, False]


def test_a_trend_compares_with_the_reference_from_history():
    drop = Trend("health_score", "drop", 15, 30)
    refs = {drop: np.array([50.0, 80.0, 60.0])}
    assert ev(drop, refs) == pytest.approx([1, 0, NAN], nan_ok=True)  # 50→30 is 20 > 15; 80→70 is 10
    assert np.isnan(ev(drop)).all()  # no history: nobody matches
    rise = Trend("nps", "rise", 2, 30)
    assert ev(rise, {rise: np.array([0.0, 8.0, NAN])}) == pytest.approx([1, 0, NAN], nan_ok=True)


def test_conditions_parse_from_config_fragments_and_list_their_fields():
    doc = {
        "all": [
            {"field": "band", "op": "in", "value": ["At risk"]},
            {"not": {"field": "nps", "op": ">=", "other": "csat"}},
            {"trend": "health_score", "dropped_by": 10, "days": 14},
        ]
    }
    c = parse_condition(doc)
    assert c == AllOf(
        (
            Compare("band", "in", ("At risk",)),
            Not(Compare("nps", ">=", None, "csat")),
            Trend("health_score", "drop", 10.0, 14.0),
        )
    )
    assert referenced_fields(c) == {"band", "nps", "csat", "health_score"}
