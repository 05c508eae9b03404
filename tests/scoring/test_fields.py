"""The canonical per-customer fields formulas can use, against values worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scoring.fields import FIELDS, FieldTable
from scoring.indicators import ScoringData

NAN = math.nan


@pytest.fixture
def table(build):
    customers = build.customers([1, 2, 3], created_days_ago={1: 100, 2: None, 3: 10})
    customers.loc[1, "kind"] = "person"  # customer 2
    customers.loc[1, "active"] = False
    frames = build.frames(
        customers=customers,
        orders=build.orders(
            [(1, 10, 100.0), (1, 50, 40.0, "invoice"), (1, 20, -15.0, "refund"), (1, 400, 7.0), (2, 3, 5.0), (2, -1, 99.0)]
        ),
        cases=build.cases([(1, 10, True, None, None), (1, 20, False, 19, 18), (1, 500, True, 499, None), (3, 1, False)]),
        activities=build.activities([(1, 5), (1, 6), (2, 400)]),
        surveys=build.surveys([(3, "nps", 9, 2)]),
    )
    return FieldTable(ScoringData(frames, pd.Timestamp(build.as_of)), 365)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tenure_days", [100, NAN, 10]),
        ("is_company", [1, 0, 1]),
        ("is_active", [1, 0, 1]),
        ("orders_window", [2, 1, 0]),
        ("orders_total", [3, 1, 0]),
        ("revenue_window", [125, 5, 0]),
        ("revenue_total", [132, 5, 0]),
        ("refunds_window", [15, 0, 0]),
        ("days_since_last_order", [10, 3, NAN]),
        ("days_since_first_order", [400, 3, NAN]),
        ("cases_window", [2, 0, 1]),
        ("complaints_window", [1, 0, 0]),
        ("open_cases", [2, 0, 1]),
        ("activities_window", [2, 0, 0]),
        ("surveys_window", [0, 0, 1]),
    ],
)
def test_each_field_matches_the_hand_computed_value(table, name, expected):
    assert table[name].tolist() == pytest.approx(expected, nan_ok=True)


def test_every_field_is_tested_and_described():
    tested = {p[0] for p in test_each_field_matches_the_hand_computed_value.pytestmark[0].args[1]}
    assert tested == set(FIELDS)
    assert all(description for _, description in FIELDS.values())
