"""The form schema json-editor gets, and where config issues land in the form."""

from __future__ import annotations

import json

import pytest

from admin.schema import FORM_SCHEMA_PATH, editor_path, form_schema


@pytest.mark.parametrize(
    ("json_path", "field"),
    [
        ("$.indicators[2].weight", "root.indicators.2.weight"),
        ("$", "root"),
        ("$.bands", "root.bands"),
        ("$.scorecards[0].groups[1].indicators[3].key", "root.scorecards.0.groups.1.indicators.3.key"),
        ("$.segments['a.b'].when", "root.segments.a.b.when"),
        ("$.alerts[1].when!!", "root.alerts.1.when"),
    ],
)
def test_a_json_path_maps_to_the_json_editor_field_path(json_path: str, field: str):
    assert editor_path(json_path) == field


def test_the_form_schema_is_the_shipped_schema_with_definitions_json_editor_can_resolve():
    original = json.loads(FORM_SCHEMA_PATH.read_text(encoding="utf-8"))
    schema = form_schema()
    text = json.dumps(schema)
    assert "$defs" not in text and "#/$defs/" not in text
    assert set(schema["definitions"]) == set(original["$defs"])
    assert schema["properties"].keys() == original["properties"].keys()
    refs = [r for r in text.split('"$ref": "')[1:]]
    for ref in refs:
        name = ref.split('"')[0].removeprefix("#/definitions/")
        assert name in schema["definitions"], name


def test_conditional_rules_are_left_to_the_server_so_the_form_does_not_demand_them_of_every_item():
    schema = form_schema()
    assert '"if"' not in json.dumps(schema)
    assert schema["definitions"]["indicator"]["properties"]["weight"]["minimum"] == 0
