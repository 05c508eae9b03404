"""Reading YAML keeps positions; validation sees plain Python values."""

from __future__ import annotations

import datetime as dt

import pytest

from crmscore.config.source import YamlSyntaxError, locate, parse_text

TEXT = """\
# a comment
version: 1
indicators:
  - key: r
    normalise:
      method: minmax
    weight: 2.5
"""


def test_plain_data_has_no_ruamel_types():
    data = parse_text(TEXT).data
    assert data == {"version": 1, "indicators": [{"key": "r", "normalise": {"method": "minmax"}, "weight": 2.5}]}
    assert type(data) is dict and type(data["indicators"]) is list and type(data["indicators"][0]["weight"]) is float


def test_values_yaml_reads_as_dates_stay_dates_for_the_schema_to_reject():
    assert parse_text("name: 2025-01-01\n").data == {"name": dt.date(2025, 1, 1)}


@pytest.mark.parametrize(
    ("path", "at_key", "expected"),
    [
        (("version",), False, (2, 10)),
        (("indicators", 0), False, (4, 5)),
        (("indicators", 0, "weight"), False, (7, 13)),
        (("indicators", 0, "weight"), True, (7, 5)),
        (("indicators", 0, "normalise"), True, (5, 5)),
        (("indicators", 0, "normalise", "method"), False, (6, 15)),
        (("indicators", 0, "missing", "policy"), False, (4, 5)),  # falls back to the deepest ancestor
        (("indicators", 9), False, (4, 3)),  # no such item: the list itself
    ],
)
def test_locate_finds_the_line_and_column_of_a_path(path, at_key, expected):
    assert locate(parse_text(TEXT).node, path, at_key=at_key) == expected


def test_syntax_errors_carry_a_one_based_position():
    with pytest.raises(YamlSyntaxError) as caught:
        parse_text("a: 1\n  b: 2\n")
    assert (caught.value.line, caught.value.col) == (2, 4)
    assert caught.value.message == "YAML syntax error: mapping values are not allowed here"
