"""The typed config fills every default and keeps the admin's document untouched as ``raw``."""

from __future__ import annotations

from scoring.config import DEFAULT_BANDS, MissingPolicy, Normalise, ScoringConfig

MINIMAL = {"version": 1, "indicators": [{"key": "f", "kind": "frequency", "weight": 2}]}


def test_a_minimal_document_gets_the_documented_defaults():
    config = ScoringConfig.from_dict(MINIMAL)
    (ind,) = config.indicators
    assert (ind.key, ind.kind, ind.weight, ind.label) == ("f", "frequency", 2.0, "f")
    assert ind.direction == "higher_is_better"
    assert ind.normalise == Normalise(method="minmax", min=None, max=None, clip=True)
    assert ind.missing == MissingPolicy(policy="exclude", score=None)
    assert dict(ind.params) == {}
    assert config.window_days == 365 and config.rfm.window_days == 365
    assert config.bands == DEFAULT_BANDS
    assert (config.segments.kind, config.segments.preset) == ("preset", "rfm_rf_10")
    assert (config.segments.otherwise, config.segments.no_purchases) == ("Others", "No Purchases")


def test_the_rfm_window_follows_the_config_window_unless_set_and_null_means_all_history():
    assert ScoringConfig.from_dict({**MINIMAL, "window_days": 90}).rfm.window_days == 90
    assert ScoringConfig.from_dict({**MINIMAL, "rfm": {"window_days": None}}).rfm.window_days is None


def test_raw_is_a_deep_copy_of_the_document():
    doc = {**MINIMAL, "indicators": [{"key": "f", "kind": "frequency", "weight": 2, "params": {"order_kinds": ["order"]}}]}
    config = ScoringConfig.from_dict(doc)
    doc["indicators"][0]["params"]["order_kinds"].append("invoice")
    assert config.raw["indicators"][0]["params"] == {"order_kinds": ["order"]}
    assert dict(config.indicators[0].params) == {"order_kinds": ["order"]}


def test_custom_segment_rules_fill_open_ranges_with_one_to_five():
    config = ScoringConfig.from_dict(
        {**MINIMAL, "segments": {"kind": "rules", "rules": [{"name": "Top", "m": {"min": 5}}]}}
    )
    (rule,) = config.segments.rules
    assert (rule.r.min, rule.r.max, rule.m.min, rule.m.max) == (1, 5, 5, 5)
    assert config.segments.preset is None


def test_configs_compare_by_content_not_by_raw_formatting():
    assert ScoringConfig.from_dict(MINIMAL) == ScoringConfig.from_dict({**MINIMAL, "name": ""})
