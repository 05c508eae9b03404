"""Rows are placed in their period once: half-open periods, exact at any time unit, overlaps split into layers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.kpis import Period, periods
from scoring.kpis.period_rows import PeriodGrid, disjoint_layers

from .conftest import ts

MONTHS = periods(ts("2025-01-01"), ts("2025-04-01"))


def stamps(*values: str | None, unit: str = "us") -> pd.Series:
    return pd.Series([None if v is None else ts(v) for v in values], dtype=f"datetime64[{unit}, UTC]")


def test_a_stamp_belongs_to_the_period_it_ends_not_the_one_it_starts_and_missing_ones_to_none():
    at = PeriodGrid(MONTHS).positions(
        stamps("2025-01-01", "2025-01-01 00:00:01", "2025-02-01", "2025-03-31 23:59", "2025-04-01", "2025-04-02", None)
    )
    assert at.tolist() == [-1, 0, 0, 2, 2, -1, -1]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_a_boundary_finer_than_the_stamps_compares_exactly(unit):
    half = ts("2025-01-01") + pd.Timedelta(nanoseconds=500)  # between two whole microseconds and seconds
    grid = PeriodGrid([Period(half, ts("2025-02-01"))])
    at = grid.positions(stamps("2025-01-01", "2025-01-01 00:00:01", unit=unit))
    assert at.tolist() == [-1, 0]
    assert (stamps("2025-01-01", "2025-01-01 00:00:01", unit=unit) > half).tolist() == [False, True]


def test_an_empty_untyped_column_falls_in_no_period():
    assert PeriodGrid(MONTHS).positions(pd.Series([], dtype=object)).tolist() == []


def test_counts_and_sums_are_per_period_and_sums_have_the_bits_of_series_sum():
    rng = np.random.default_rng(3)
    values = rng.lognormal(3, 2, 500)
    values[rng.random(500) < 0.1] = np.nan
    when = pd.Series(ts("2025-01-01") + pd.to_timedelta(rng.uniform(0, 95, 500), unit="D")).astype("datetime64[us, UTC]")
    grid = PeriodGrid(MONTHS)
    at = grid.positions(when)
    assert grid.counts(at).tolist() == [int(np.count_nonzero(m.contains(when))) for m in MONTHS]
    expected = [float(pd.Series(values).loc[m.contains(when)].sum()) for m in MONTHS]
    assert grid.sums(values, at) == expected  # exact: same numbers, same order, same reduction


def test_overlapping_periods_are_split_into_layers_of_disjoint_ones_sorted_by_start():
    quarter = Period(ts("2025-01-01"), ts("2025-04-01"))
    layers = disjoint_layers([MONTHS[2], quarter, MONTHS[0], MONTHS[1], MONTHS[0]])
    assert layers == [[2, 3, 0], [4], [1]]
    with pytest.raises(ValueError, match="sorted and disjoint"):
        PeriodGrid([quarter, MONTHS[1]])
