"""Issues print as `file:line:col  $.path  message`; ConfigError carries all of them."""

from __future__ import annotations

from crmscore.config import ConfigError, ConfigIssue


def test_an_issue_prints_file_line_column_path_and_message():
    issue = ConfigIssue("default.yaml", 12, 5, "$.indicators[2].wieght", "unknown key 'wieght' (did you mean 'weight'?)")
    assert str(issue) == "default.yaml:12:5  $.indicators[2].wieght  unknown key 'wieght' (did you mean 'weight'?)"


def test_issues_sort_by_position():
    a = ConfigIssue("f", 3, 1, "$.b", "x")
    b = ConfigIssue("f", 1, 9, "$.a", "y")
    c = ConfigIssue("f", 1, 2, "$.c", "z")
    assert sorted([a, b, c]) == [c, b, a]


def test_config_error_keeps_the_issues_and_prints_one_per_line():
    issues = [ConfigIssue("f", 1, 1, "$", "one"), ConfigIssue("f", 2, 1, "$.x", "two")]
    error = ConfigError(issues)
    assert error.issues == issues
    assert str(error) == "f:1:1  $  one\nf:2:1  $.x  two"
