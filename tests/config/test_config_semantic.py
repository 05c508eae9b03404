"""Rules beyond the schema: uniqueness, ordering and relations between fields, each at its path."""

from __future__ import annotations

import math

from crmscore.config.semantic import semantic_findings


def _found(doc):
    return [(f.path, f.message) for f in semantic_findings(doc)]


def ind(key="a", **extra):
    return {"key": key, "kind": "frequency", "weight": 1, **extra}


def test_a_valid_document_has_no_findings():
    doc = {"version": 1, "indicators": [ind("a"), ind("b")], "bands": [{"name": "L", "min": 0}, {"name": "H", "min": 50}]}
    assert _found(doc) == []


def test_duplicate_indicator_keys_point_at_the_repeat():
    assert _found({"indicators": [ind("a"), ind("b"), ind("a")]}) == [
        (("indicators", 2, "key"), "duplicate indicator key 'a' (also indicators[0])")
    ]


def test_fixed_normalise_bounds_must_be_increasing():
    doc = {"indicators": [ind(normalise={"method": "minmax", "min": 10, "max": 10})]}
    assert _found(doc) == [(("indicators", 0, "normalise", "max"), "max (10) must be greater than min (10)")]


def test_csat_scale_and_satisfied_scores_must_be_consistent():
    bad_scale = ind(kind="csat", params={"scale_min": 5, "scale_max": 1})
    off_scale = ind("b", kind="csat", params={"satisfied": [4, 5, 6]})
    assert _found({"indicators": [bad_scale, off_scale]}) == [
        (("indicators", 0, "params", "scale_max"), "scale_max (1) must be greater than scale_min (5)"),
        (("indicators", 1, "params", "satisfied", 2), "6 is outside the answer scale 1–5"),
    ]


def test_segment_rule_ranges_must_not_be_inverted():
    doc = {"segments": {"kind": "rules", "rules": [{"name": "X", "f": {"min": 4, "max": 2}}]}}
    assert _found(doc) == [(("segments", "rules", 0, "f", "max"), "max (2) is below min (4)")]


def test_non_finite_numbers_are_refused_anywhere():
    doc = {"indicators": [ind(weight=math.inf)], "window_days": math.nan}
    assert _found(doc) == [
        (("indicators", 0, "weight"), "must be a finite number, got inf"),
        (("window_days",), "must be a finite number, got nan"),
    ]


def test_wrongly_shaped_parts_are_skipped_rather_than_crashing():
    assert _found({"indicators": "all of them", "bands": [3, {"min": "x"}], "segments": []}) == []
    assert _found(None) == []


def test_a_group_weight_under_worst_of_is_refused_once_at_the_weight():
    groups = [
        {"key": "g1", "weight": 0, "indicators": [{"indicator": "a"}]},
        {"key": "g2", "weight": 0, "indicators": [{"indicator": "b"}]},
    ]
    card = {"key": "main", "default": True, "aggregate": "worst_of", "groups": groups}
    doc = {"indicators": [{"key": "a", "kind": "frequency"}, {"key": "b", "kind": "frequency"}], "scorecards": [card]}
    message = "with `aggregate: worst_of` the lowest group score alone is the health score, so group weights are not used; remove this weight"
    # all weights 0 would also make the card "empty" under the weighted mean; here the weights are the problem
    assert _found(doc) == [
        (("scorecards", 0, "groups", 0, "weight"), message),
        (("scorecards", 0, "groups", 1, "weight"), message),
    ]
    weighted = _found({**doc, "scorecards": [{**card, "aggregate": "weighted_mean"}]})
    assert [path for path, _ in weighted] == [("scorecards", 0, "groups")]
