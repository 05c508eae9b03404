"""Loading configs: shipped files validate; every problem is reported with file, line, column and path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmscore.config import (
    DEFAULT_CONFIG_PATH,
    ConfigError,
    ConfigIssue,
    config_from_dict,
    load_config,
    parse_config,
    validate_config,
    validate_text,
)
from scoring.config import ScoringConfig

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TEXT = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")

MINIMAL = """\
version: 1
indicators:
  - key: recency
    kind: recency
    weight: 1
  - key: freq
    kind: frequency
    weight: 2
"""


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    return hits[occurrence - 1]


def _issues(text: str) -> list[str]:
    return [str(i) for i in validate_text(text, "c.yaml")]


def test_the_default_config_path_is_the_repositorys_configs_default_yaml():
    assert DEFAULT_CONFIG_PATH == REPO / "configs" / "default.yaml"


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_validates(path):
    assert validate_config(path) == []
    assert isinstance(load_config(path), ScoringConfig)


def test_the_default_config_has_the_eight_indicators_four_bands_and_the_ten_segment_map():
    config = load_config(DEFAULT_CONFIG_PATH)
    assert sorted(i.kind for i in config.indicators) == sorted(
        ["recency", "frequency", "monetary", "average_order_value", "csat", "nps", "complaint_rate", "interaction_rate"]
    )
    assert [b.min for b in config.bands] == [0, 40, 60, 80]
    assert all(b.color for b in config.bands)
    assert config.segments.preset == "rfm_rf_10"
    assert config.raw["indicators"][0]["key"] == "recency"


def test_a_mistyped_key_is_reported_with_path_line_column_and_a_suggestion():
    text = DEFAULT_TEXT.replace("    weight: 2\n", "    wieght: 2\n", 1)  # the frequency indicator
    line = _line_of(text, "wieght")
    assert _issues(text) == [f"c.yaml:{line}:5  $.indicators[1].wieght  unknown key 'wieght' (did you mean 'weight'?)"]


def test_a_wrong_type_is_reported_at_the_value():
    text = MINIMAL.replace("weight: 2", "weight: heavy")
    assert _issues(text) == ["c.yaml:8:13  $.indicators[1].weight  expected a number, got the text 'heavy'"]


def test_a_mapping_where_a_list_belongs_is_reported_at_its_key():
    text = "version: 1\nindicators:\n  key: recency\n"
    assert _issues(text) == ["c.yaml:2:1  $.indicators  expected a list, got a mapping"]


def test_bands_out_of_order_are_reported_with_path_and_line():
    text = MINIMAL + "bands:\n  - {name: Low, min: 0}\n  - {name: High, min: 70}\n  - {name: Mid, min: 40}\n"
    assert _issues(text) == [
        (
            "c.yaml:12:22  $.bands[2].min  band 'Mid' starts at 40, not above the previous band 'High' (70); "
            "list bands from low to high, each with a different min"
        )
    ]


def test_overlapping_duplicate_and_unanchored_bands_are_each_reported():
    text = MINIMAL + (
        "bands:\n"
        "  - {name: Low, min: 10}\n"
        "  - {name: Mid, min: 50}\n"
        "  - {name: Low, min: 50}\n"
    )
    assert _issues(text) == [
        "c.yaml:10:22  $.bands[0].min  the first band must start at 0, got 10",
        "c.yaml:12:12  $.bands[2].name  duplicate band name 'Low' (also bands[0])",
        (
            "c.yaml:12:22  $.bands[2].min  band 'Low' starts at 50, not above the previous band 'Mid' (50); "
            "list bands from low to high, each with a different min"
        ),
    ]


def test_band_count_is_between_two_and_twelve():
    one = MINIMAL + "bands:\n  - {name: All, min: 0}\n"
    assert _issues(one) == ["c.yaml:9:1  $.bands  needs at least 2 item(s), has 1"]
    many = MINIMAL + "bands:\n" + "".join(f"  - {{name: B{i}, min: {i * 5}}}\n" for i in range(13))
    assert _issues(many) == ["c.yaml:9:1  $.bands  allows at most 12 items, has 13"]


def test_a_yaml_syntax_error_is_positioned():
    text = MINIMAL.replace("kind: frequency", "kind: [frequency")
    (issue,) = validate_text(text, "c.yaml")
    assert (issue.line, issue.col, issue.path) == (8, 11, "$")  # the ":" of "weight: 2"
    assert issue.message.startswith("YAML syntax error: ")
    assert "flow sequence started at 7:11" in issue.message


def test_a_duplicate_yaml_key_is_a_positioned_syntax_error():
    (issue,) = validate_text(MINIMAL.replace("    weight: 1\n", "    weight: 1\n    weight: 3\n"), "c.yaml")
    assert (issue.line, issue.col) == (6, 5)
    assert 'duplicate key "weight"' in issue.message


def test_every_problem_is_collected_and_sorted_by_position():
    text = MINIMAL.replace("version: 1", "version: 2").replace("kind: frequency", "kind: frequncy")
    text = text.replace("weight: 1", "weight: -1")
    assert _issues(text) == [
        "c.yaml:1:10  $.version  must be 1, got the number 2",
        "c.yaml:5:13  $.indicators[0].weight  must be at least 0, got -1",
        "c.yaml:7:11  $.indicators[1].kind  'frequncy' is not one of the 17 allowed values (did you mean 'frequency'?)",
    ]


def test_a_missing_required_key_is_reported_at_the_object():
    assert _issues(MINIMAL.replace("    weight: 2\n", "")) == ["c.yaml:6:5  $.indicators[1]  missing required key 'weight'"]


def test_keys_that_do_not_apply_to_the_chosen_method_are_named():
    text = MINIMAL.replace("    weight: 1\n", "    weight: 1\n    normalise: {method: percentile, max: 10}\n")
    assert _issues(text) == ["c.yaml:6:37  $.indicators[0].normalise.max  key 'max' does not apply when method is 'percentile'"]


def test_a_misspelt_param_of_an_indicator_kind_gets_a_suggestion():
    text = MINIMAL.replace("    weight: 2\n", "    weight: 2\n    params: {windows_days: 30}\n")
    assert _issues(text) == [
        "c.yaml:9:14  $.indicators[1].params.windows_days  unknown key 'windows_days' (did you mean 'window_days'?)"
    ]


def test_json_configs_are_read_with_positions_too():
    doc = json.loads(json.dumps({"version": 1, "indicators": [{"key": "r", "kind": "recency", "weight": "x"}]}))
    text = json.dumps(doc, indent=2)
    (issue,) = validate_text(text, "c.json")
    assert (issue.line, issue.path) == (_line_of(text, '"weight"'), "$.indicators[0].weight")
    assert parse_config(json.dumps({**doc, "indicators": [{**doc["indicators"][0], "weight": 1}]}), "c.json").indicators[0].key == "r"


def test_an_empty_file_says_so():
    assert _issues("# nothing yet\n") == ["c.yaml:1:1  $  the config is empty; it needs at least 'version' and 'indicators'"]


def test_a_missing_file_is_an_issue_not_a_traceback(tmp_path):
    path = tmp_path / "absent.yaml"
    (issue,) = validate_config(path)
    assert issue == ConfigIssue(str(path), 1, 1, "$", "cannot read the config file: No such file or directory")
    with pytest.raises(ConfigError):
        load_config(path)


def test_load_config_raises_config_error_carrying_every_issue(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("weight: 1", "wieght: 1").replace("weight: 2", "weight: -2"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [i.path for i in caught.value.issues] == ["$.indicators[0].wieght", "$.indicators[1].weight"]
    assert str(caught.value).splitlines() == [str(i) for i in caught.value.issues]
    assert str(caught.value).startswith(f"{path}:5:5  ")


def test_a_stored_document_loads_through_the_same_checks():
    config = load_config(DEFAULT_CONFIG_PATH)
    assert config_from_dict(config.raw) == config
    with pytest.raises(ConfigError) as caught:
        config_from_dict({**config.raw, "window_days": 0}, source="config version 7")
    assert [str(i) for i in caught.value.issues] == ["config version 7:0:0  $.window_days  must be at least 1, got 0"]
