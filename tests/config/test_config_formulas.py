"""Formula indicators in a config: compiled at validation, errors at the exact YAML position."""

from __future__ import annotations

import pytest

from crmscore.config import parse_config, validate_text

HEAD = "version: 1\nindicators:\n  - {key: recency, kind: recency, weight: 1}\n"


def _issues(text: str) -> list[str]:
    return [str(i) for i in validate_text(text, "c.yaml")]


def formula(expression: str, key: str = "f") -> str:
    return f"  - key: {key}\n    kind: formula\n    weight: 1\n    expression: {expression}\n"


def test_a_valid_formula_config_loads_with_its_expression():
    config = parse_config(HEAD + formula("revenue_window / max(orders_window, 1)"), "c.yaml")
    assert config.indicators[1].expression == "revenue_window / max(orders_window, 1)"


def test_an_unknown_name_points_at_the_character_in_the_file_and_in_the_formula():
    text = HEAD + formula("revenue_window / max(ordrs_window, 1)")
    # line 7 is "    expression: revenue_window / max(ordrs_window, 1)"; the value starts at column 17
    assert _issues(text) == [
        (
            "c.yaml:7:38  $.indicators[1].expression  formula column 22: unknown name 'ordrs_window' "
            "(did you mean 'orders_window', 'refunds_window', 'surveys_window'?)"
        )
    ]


def test_quoted_formulas_are_positioned_past_the_quote():
    (issue,) = validate_text(HEAD + formula('"recency + __import__(1)"'), "c.yaml")
    assert (issue.line, issue.col) == (7, 17 + 1 + 10)
    assert "formula column 11" in issue.message and "'__import__'" in issue.message


def test_a_block_formula_is_positioned_on_its_own_line():
    text = HEAD + "  - key: f\n    kind: formula\n    weight: 1\n    expression: |\n      recency ** 99\n"
    (issue,) = validate_text(text, "c.yaml")
    assert (issue.line, issue.col) == (8, 7 + 11)
    assert "exponent" in issue.message


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("recency.__class__", "attribute access"),
        ("open('x')", "unknown function 'open'"),
        ("[x for x in recency]", "comprehension"),
        ("lambda: 1", "lambda"),
        ("recency ** 1000", "exponent"),
        ("'text'", "only numbers"),
        ("recency +", "syntax error"),
    ],
)
def test_hostile_or_broken_formulas_are_refused_with_a_column(expression, fragment):
    quoted = '"' + expression.replace('"', '\\"') + '"'
    (issue,) = validate_text(HEAD + formula(quoted), "c.yaml")
    assert issue.path == "$.indicators[1].expression" and issue.line == 7
    assert fragment in issue.message and issue.message.startswith("formula column ")


def test_a_formula_may_use_other_indicators_but_not_in_a_cycle():
    text = HEAD + formula("b + recency", "a") + formula("c * 2", "b") + formula("a - 1", "c")
    assert _issues(text) == ["c.yaml:7:17  $.indicators[1].expression  formulas refer to each other in a cycle: a → b → c → a"]


def test_a_formula_referring_to_itself_is_a_cycle():
    assert _issues(HEAD + formula("f + 1")) == ["c.yaml:7:17  $.indicators[1].expression  formulas refer to each other in a cycle: f → f"]


def test_an_expression_belongs_only_to_formulas_and_formulas_need_one():
    text = HEAD.replace("weight: 1}", "weight: 1, expression: '1'}") + "  - {key: f, kind: formula, weight: 1}\n"
    assert _issues(text) == [
        "c.yaml:3:46  $.indicators[0].expression  key 'expression' does not apply when kind is 'recency'",
        "c.yaml:4:5  $.indicators[1]  missing required key 'expression'",
    ]


def test_formulas_take_no_params():
    text = HEAD + formula("recency") + "    params: {window_days: 30}\n"
    assert _issues(text) == ["c.yaml:8:5  $.indicators[1].params  key 'params' does not apply when kind is 'formula'"]


def test_an_indicator_key_may_not_shadow_a_field_name():
    text = HEAD + "  - {key: open_cases, kind: frequency, weight: 1}\n"
    assert _issues(text) == ["c.yaml:4:11  $.indicators[1].key  'open_cases' is a built-in field name; choose another key"]
