"""Reports name whole days and calendar periods; these are the instants and labels they become."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.kpis import calendar_periods, period_label

from .conftest import ts


def test_the_last_day_is_included_whole_so_a_year_of_quarters_is_four_quarters():
    quarters = calendar_periods("quarter", date(2025, 1, 1), date(2025, 12, 31))
    assert [(p.start, p.end) for p in quarters] == [
        (ts("2025-01-01"), ts("2025-04-01")),
        (ts("2025-04-01"), ts("2025-07-01")),
        (ts("2025-07-01"), ts("2025-10-01")),
        (ts("2025-10-01"), ts("2026-01-01")),
    ]
    assert [period_label(p, "quarter") for p in quarters] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_partial_periods_at_either_end_are_labelled_with_the_days_they_cover():
    months = calendar_periods("month", date(2025, 1, 15), date(2025, 3, 10))
    assert [period_label(p, "month") for p in months] == ["2025-01-15..2025-01-31", "2025-02", "2025-03-01..2025-03-10"]
    years = calendar_periods("year", date(2024, 1, 1), date(2025, 6, 30))
    assert [period_label(p, "year") for p in years] == ["2024", "2025-01-01..2025-06-30"]


def test_a_range_inside_one_calendar_period_is_one_partial_period():
    assert [period_label(p, "month") for p in calendar_periods("month", date(2025, 1, 10), date(2025, 1, 20))] == [
        "2025-01-10..2025-01-20"
    ]
    (only,) = calendar_periods("month", date(2025, 2, 28), date(2025, 2, 28))
    assert (only.start, only.end) == (ts("2025-02-28"), ts("2025-03-01"))
    assert period_label(only, "month") == "2025-02-28..2025-02-28"


def test_from_after_to_and_an_unknown_period_kind_are_errors():
    with pytest.raises(ValueError, match="from 2025-03-01 is after to 2025-01-31"):
        calendar_periods("month", date(2025, 3, 1), date(2025, 1, 31))
    with pytest.raises(ValueError, match="to 9999-12-31 is the last day a date can hold"):
        calendar_periods("year", date(9999, 1, 1), date.max)
    with pytest.raises(ValueError, match="period must be one of month, quarter, year, got 'week'"):
        calendar_periods("week", date(2025, 1, 1), date(2025, 1, 31))
