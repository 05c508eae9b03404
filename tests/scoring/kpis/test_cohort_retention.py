"""Cohort retention curves on a portfolio worked out by hand.

Quarters of 2024 (times at noon, so no purchase sits on a boundary):

* customers 1, 2, 3 first buy in Q1; 1 buys again in Q2 and Q4, 2 in Q3, 3 never again;
* customers 4 and 5 first buy in Q2; 4 buys again in Q2 and in Q3, 5 in Q4;
* customer 6 first bought in 2023 (no cohort in 2024) and buys in Q1;
* customer 7 first buys in Q4; customer 8 only has a refund.

Q1 cohort (3): 100, 33.3 (1), 33.3 (2), 33.3 (1). Q2 cohort (2): 100, 50 (4), 50 (5). No one is
acquired in Q3. Q4 cohort (1): 100.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.kpis import COHORT_COLUMNS, Period, calendar_periods, cohort_retention

from .conftest import ts

QUARTERS = calendar_periods("quarter", date(2024, 1, 1), date(2024, 12, 31))


@pytest.fixture
def history() -> pd.DataFrame:
    rows = [
        (1, "2024-01-15", "order"), (1, "2024-05-01", "order"), (1, "2024-11-01", "order"),
        (2, "2024-02-10", "invoice"), (2, "2024-08-01", "order"),
        (3, "2024-03-03", "order"),
        (4, "2024-04-10", "order"), (4, "2024-06-10", "order"), (4, "2024-07-10", "order"),
        (5, "2024-05-05", "order"), (5, "2024-12-24", "order"),
        (6, "2023-06-01", "order"), (6, "2024-02-01", "order"),
        (7, "2024-10-10", "order"),
        (8, "2024-03-01", "refund"),
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "ordered_at": pd.Series([ts(r[1]) + pd.Timedelta(hours=12) for r in rows], dtype="datetime64[us, UTC]"),
            "amount": [10.0] * len(rows),
            "kind": pd.Series([r[2] for r in rows], dtype="str"),
        }
    )


def test_each_cohort_has_a_curve_from_its_own_period_to_the_last(history):
    curves = cohort_retention(history, QUARTERS)
    assert list(curves.columns) == list(COHORT_COLUMNS)
    got = [tuple(r) for r in curves[["cohort", "size", "age", "period", "active"]].itertuples(index=False)]
    assert got == [
        (0, 3, 0, 0, 3), (0, 3, 1, 1, 1), (0, 3, 2, 2, 1), (0, 3, 3, 3, 1),
        (1, 2, 0, 1, 2), (1, 2, 1, 2, 1), (1, 2, 2, 3, 1),
        (3, 1, 0, 3, 1),
    ]  # fmt: skip
    assert curves["retention"].tolist() == pytest.approx([100, 100 / 3, 100 / 3, 100 / 3, 100, 50, 50, 100])


def test_customers_acquired_before_the_first_period_belong_to_no_cohort(history):
    curves = cohort_retention(history, QUARTERS)
    assert curves.loc[curves["cohort"] == 0, "size"].iloc[0] == 3  # customer 6 bought in Q1 but joined in 2023


def test_a_shorter_range_cuts_the_curves_and_drops_cohorts_outside_it(history):
    first_half = calendar_periods("quarter", date(2024, 1, 1), date(2024, 6, 30))
    curves = cohort_retention(history, first_half)
    assert curves[["cohort", "age", "active"]].values.tolist() == [[0, 0, 3], [0, 1, 1], [1, 0, 2]]


def test_periods_must_be_consecutive(history):
    gap = [QUARTERS[0], QUARTERS[2]]
    with pytest.raises(ValueError, match="cohort periods must be consecutive"):
        cohort_retention(history, gap)


def test_no_periods_or_no_purchases_give_no_rows(history):
    assert cohort_retention(history, []).empty
    assert cohort_retention(history.iloc[0:0], QUARTERS).empty
    assert cohort_retention(history, [Period(ts("2030-01-01"), ts("2030-02-01"))]).empty
