"""The config schema: valid Draft 2020-12, closed everywhere, documented, and in step with the engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from crmscore.config import load_schema, validate_text
from crmscore.config.schema import did_you_mean
from scoring.config import IndicatorSpec, MissingPolicy, Normalise, SegmentSpec
from scoring.indicators import kinds
from scoring.segments import PRESETS

SCHEMA = load_schema()
DEFS = SCHEMA["$defs"]


def _object_schemas(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema that declares properties, skipping the conditions of if/then/not."""
    if isinstance(node, dict):
        if "properties" in node and not path.endswith(("/if", "/then", "/not")):
            yield path, node
        for key, value in node.items():
            if key not in ("if", "then", "not"):
                yield from _object_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _object_schemas(value, f"{path}/{i}")


OBJECTS = list(_object_schemas(SCHEMA))


def test_the_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_every_object_rejects_unknown_keys():
    assert len(OBJECTS) > 10
    assert [path for path, node in OBJECTS if node.get("additionalProperties") is not False] == []


def test_every_field_has_a_title_a_description_and_examples():
    gaps = []
    for path, node in OBJECTS:
        for name, field in node["properties"].items():
            target = DEFS[field["$ref"].rsplit("/", 1)[1]] if "$ref" in field else field
            merged = {**target, **field}
            gaps += [f"{path}/{name}: {k}" for k in ("title", "description", "examples") if k not in merged]
    assert gaps == []


def _examples(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any], Any]]:
    if isinstance(node, dict):
        for example in node.get("examples", []):
            yield path, node, example
        for key, value in node.items():
            if key not in ("examples", "if", "then", "not"):
                yield from _examples(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _examples(value, f"{path}/{i}")


@pytest.mark.parametrize(("path", "subschema", "example"), list(_examples(SCHEMA)), ids=lambda x: x if isinstance(x, str) else "")
def test_every_example_in_the_schema_is_valid_for_its_field(path, subschema, example):
    validator = Draft202012Validator(SCHEMA).evolve(schema={**subschema, "$defs": DEFS})
    assert list(validator.iter_errors(example)) == []


def test_indicator_kinds_are_exactly_the_registered_library_plus_formula():
    assert sorted(DEFS["indicator"]["properties"]["kind"]["enum"]) == sorted([*kinds(), "formula"])
    conditional = [
        branch["if"]["properties"]["kind"]["const"]
        for branch in DEFS["indicator"]["allOf"]
        if "const" in branch["if"]["properties"]["kind"]
    ]
    assert sorted(conditional) == sorted([*kinds(), "formula"])


@pytest.mark.parametrize("kind", sorted(kinds()))
def test_each_kinds_params_match_the_registry_and_their_defaults_agree(kind):
    spec = kinds()[kind]
    props = DEFS[f"params_{kind}"]["properties"]
    expected = set(spec.defaults) | ({"window_days"} if spec.windowed else set())
    assert set(props) == expected
    for name, default in spec.defaults.items():
        field = props[name]
        target = DEFS[field["$ref"].rsplit("/", 1)[1]] if "$ref" in field else field
        schema_default = target.get("default")
        assert schema_default == (list(default) if isinstance(default, tuple) else default), name


def test_segment_presets_are_exactly_the_shipped_maps():
    assert DEFS["segments"]["properties"]["preset"]["enum"] == list(PRESETS)


def test_schema_defaults_are_the_typed_configs_defaults():
    ind = DEFS["indicator"]["properties"]
    norm, miss, seg = DEFS["normalise"]["properties"], DEFS["missing"]["properties"], DEFS["segments"]["properties"]
    assert ind["direction"]["default"] == IndicatorSpec("k", "recency", 1).direction
    assert norm["method"]["default"] == Normalise().method and norm["clip"]["default"] == Normalise().clip
    assert miss["policy"]["default"] == MissingPolicy().policy
    assert seg["otherwise"]["default"] == SegmentSpec().otherwise
    assert seg["no_purchases"]["default"] == SegmentSpec().no_purchases
    assert DEFS["segments"]["default"]["preset"] == SegmentSpec().preset
    assert SCHEMA["properties"]["window_days"]["default"] == 365


def test_did_you_mean_suggests_the_closest_spelling_only_when_close():
    assert did_you_mean("wieght", ["weight", "key", "kind"]) == " (did you mean 'weight'?)"
    assert did_you_mean("colour", ["name", "min", "color"]) == " (did you mean 'color'?)"
    assert did_you_mean("zzz", ["weight", "key"]) == ""


def test_the_new_parts_defaults_are_the_typed_configs_defaults():
    from scoring.alerts.rules import DEFAULT_COOLDOWN_DAYS, SEVERITIES, AlertRule
    from scoring.config import ValueTiers
    from scoring.schemes import SCHEME_KINDS, Scheme

    norm, seg = DEFS["normalise"]["properties"], DEFS["segments"]["properties"]
    assert norm["clip_z"]["default"] == Normalise().clip_z
    assert norm["method"]["enum"] == ["minmax", "percentile", "zscore", "tiers"]
    assert DEFS["missing"]["properties"]["policy"]["enum"] == ["exclude", "default", "penalise"]
    tiers = ValueTiers()
    assert seg["high_value_percent"]["default"] == tiers.high_value_percent
    assert seg["potential_min_r"]["default"] == tiers.potential_min_r
    names = seg["names"]["properties"]
    assert [names[k]["default"] for k in ("high_value", "potential", "low_value")] == [
        tiers.high_value,
        tiers.potential,
        tiers.low_value,
    ]
    assert DEFS["scheme"]["properties"]["kind"]["enum"] == list(SCHEME_KINDS)
    assert DEFS["scheme"]["properties"]["kind"]["default"] == Scheme().kind
    rule = DEFS["alert_rule"]["properties"]
    assert rule["severity"]["enum"] == list(SEVERITIES)
    assert rule["severity"]["default"] == AlertRule("k", None).severity  # type: ignore[arg-type]
    assert rule["cooldown_days"]["default"] == DEFAULT_COOLDOWN_DAYS


def test_condition_operators_are_exactly_the_engines():
    from scoring.conditions import OPERATORS

    assert DEFS["condition"]["properties"]["op"]["enum"] == list(OPERATORS)


def test_form_ordering_hints_list_each_objects_fields_exactly_once():
    hinted = [SCHEMA, *(node for node in DEFS.values() if "x-order" in node)]
    assert len(hinted) >= 6
    for node in hinted:
        assert sorted(node["x-order"]) == sorted(node["properties"]), node.get("title")


def test_a_scorecards_aggregate_is_one_of_the_engines_with_the_weighted_mean_as_default():
    from scoring.scorecards import AGGREGATES, DEFAULT_AGGREGATE, Scorecard

    aggregate = DEFS["scorecard"]["properties"]["aggregate"]
    assert aggregate["enum"] == list(AGGREGATES) == ["weighted_mean", "worst_of"]
    assert aggregate["default"] == DEFAULT_AGGREGATE == Scorecard("k", "K", ()).aggregate


AGGREGATE_DOC = """version: 1
indicators:
  - {key: r, kind: recency}
scorecards:
  - key: main
    default: true
    aggregate: %s
    groups: [{key: g, indicators: [{indicator: r}]}]
"""


def test_worst_of_is_accepted_and_a_misspelt_aggregate_is_refused_at_its_path_and_position():
    assert validate_text(AGGREGATE_DOC % "worst_of", "c.yaml") == []
    assert [str(i) for i in validate_text(AGGREGATE_DOC % "worst", "c.yaml")] == [
        "c.yaml:7:16  $.scorecards[0].aggregate  'worst' is not one of 'weighted_mean', 'worst_of' (did you mean 'worst_of'?)"
    ]
