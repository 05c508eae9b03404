"""One tiny portfolio for the KPI tests, with every figure worked out by hand in the docstring.

Period Q1 2025 = (2025-01-01, 2025-04-01], 90 days; a customer is active with a purchase in the
last 90 days. Customers (purchase dates):

* A: 2024-11-15, 2025-02-10 (60)        active at start and end: retained
* B: 2024-12-01                          active at start only: lost
* C: 2024-06-01, 2025-03-01 (40)         lapsed at start, bought again: won back
* D: 2024-05-01                          lapsed, stays away
* E: 2025-02-01 (100), 2025-03-15 (200)  new
* F: 2025-01-05 (50)                     new
* G: a refund in the period only         no purchase

S = {A, B}, E = {A, C, E, F}, N = {E, F}. Customers of Q1 (active at some instant of it) = S ∪
bought in Q1 = {A, B, C, E, F}. Net revenue 60 + 40 + 100 + 200 + 50 − 20 = 430, ARPU 430 / 5 = 86.

Survey answers in Q1: CSAT 5 (A), 3 (C), 4 (E), 2 (F) → 2 of 4 satisfied = 50 %, plus a 1–10 answer
and an answer from December that do not count; NPS 10, 9, 8, 3 → (2 − 1) / 4 = +25.
Cases in Q1: complaints by B (two), E and D (lapsed, not a customer of Q1), and a question from A
→ 4 complaints; complainers among the period's customers {B, E} → 2 / 5 = 40 %.
"""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.kpis import Period


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


Q1 = Period(ts("2025-01-01"), ts("2025-04-01"))


@pytest.fixture
def orders() -> pd.DataFrame:
    rows = [
        (1, "2024-11-15", 10.0, "order"),
        (1, "2025-02-10", 60.0, "order"),
        (2, "2024-12-01", 10.0, "invoice"),
        (3, "2024-06-01", 10.0, "order"),
        (3, "2025-03-01", 40.0, "order"),
        (4, "2024-05-01", 10.0, "order"),
        (5, "2025-02-01", 100.0, "order"),
        (5, "2025-03-15", 200.0, "order"),
        (6, "2025-01-05", 50.0, "order"),
        (7, "2025-02-02", -20.0, "refund"),
    ]
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "ordered_at": pd.Series([ts(r[1]) for r in rows], dtype="datetime64[us, UTC]"),
            "amount": [r[2] for r in rows],
            "kind": pd.Series([r[3] for r in rows], dtype="str"),
        }
    )


@pytest.fixture
def leads() -> pd.DataFrame:
    """L1 → E via K1 in the period; L2 open; L3 converts after the period; L4 was created before it."""
    return pd.DataFrame(
        {
            "created_at": pd.Series(
                [ts("2025-01-10"), ts("2025-02-01"), ts("2025-03-20"), ts("2024-12-20")], dtype="datetime64[us, UTC]"
            ),
            "converted_at": pd.Series([ts("2025-01-20"), None, ts("2025-04-05"), ts("2025-01-03")], dtype="datetime64[us, UTC]"),
            "campaign_id": pd.Series(["K1", "K1", "K2", "K2"], dtype="str"),
            "customer_id": pd.array([5, None, 9, 6], dtype="Int64"),
        }
    )


@pytest.fixture
def campaigns() -> pd.DataFrame:
    """K1 (email, 1000) and K3 (retention, 300) start in Q1; K2 (500) started before it."""
    return pd.DataFrame(
        {
            "campaign_id": pd.Series(["K1", "K2", "K3"], dtype="str"),
            "cost": [1000.0, 500.0, 300.0],
            "started_at": pd.Series([ts("2025-01-05"), ts("2024-12-01"), ts("2025-02-01")], dtype="datetime64[us, UTC]"),
            "channel": pd.Series(["email", "email", "retention"], dtype="str"),
        }
    )


@pytest.fixture
def surveys() -> pd.DataFrame:
    rows = [
        (1, "csat", 5, 1, 5, "2025-01-20"),
        (3, "csat", 3, 1, 5, "2025-03-02"),
        (5, "csat", 4, 1, 5, "2025-03-16"),
        (6, "csat", 2, 1, 5, "2025-01-06"),
        (5, "csat", 9, 1, 10, "2025-03-17"),  # another scale: not mixed into a 1-5 CSAT
        (2, "csat", 5, 1, 5, "2024-12-02"),  # before the period
        (1, "nps", 10, 0, 10, "2025-02-11"),
        (5, "nps", 9, 0, 10, "2025-02-02"),
        (3, "nps", 8, 0, 10, "2025-03-03"),
        (6, "nps", 3, 0, 10, "2025-04-01"),  # exactly at the end: inside (start < t <= end)
    ]
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "survey": pd.Series([r[1] for r in rows], dtype="str"),
            "score": pd.Series([r[2] for r in rows], dtype="float64"),
            "scale_min": pd.Series([r[3] for r in rows], dtype="float64"),
            "scale_max": pd.Series([r[4] for r in rows], dtype="float64"),
            "responded_at": pd.Series([ts(r[5]) for r in rows], dtype="datetime64[us, UTC]"),
        }
    )


@pytest.fixture
def cases() -> pd.DataFrame:
    rows = [
        (2, "2025-01-10", True),
        (2, "2025-02-01", True),
        (5, "2025-03-01", True),
        (4, "2025-02-01", True),
        (1, "2025-02-15", False),
        (5, "2024-12-15", True),  # before the period
    ]
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "opened_at": pd.Series([ts(r[1]) for r in rows], dtype="datetime64[us, UTC]"),
            "is_complaint": pd.Series([r[2] for r in rows], dtype="bool"),
        }
    )
