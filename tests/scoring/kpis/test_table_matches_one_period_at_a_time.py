"""The KPI table, computed in one pass over all periods, equals every KPI computed one period at a time.

The reference (``reference.py``) is the table as it was built before the one-pass version: a loop
over the periods calling each public single-period KPI function on the whole frames. The portfolios are
random (seeded), with stamps exactly on period boundaries and on ``boundary − inactive_days``,
missing stamps and amounts, refunds and non-purchase kinds, ties, and amounts whose sums depend on the order
they are added in — and the comparison is exact, bit for bit, NaN equal to NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from scoring.kpis import (
    Period,
    kpi_table,
    periods,
)

from .conftest import ts
from .reference import reference_table

FIRST, LAST = ts("2023-01-01"), ts("2025-01-01")
MONTHS = periods(FIRST, LAST)


def _stamps(rng: np.random.Generator, n: int, inactive_days: float, unit: str) -> pd.Series:
    """Random instants over the range, a fifth of them on a month boundary or ``inactive_days`` before one."""
    offsets = pd.to_timedelta(rng.uniform(-400, (LAST - FIRST).days + 30, n), unit="D")
    stamps = pd.Series(FIRST + offsets).astype(f"datetime64[{unit}, UTC]")
    edges = [p.start for p in MONTHS] + [LAST]
    on_edge = rng.random(n) < 0.2
    picked = [edges[i] for i in rng.integers(0, len(edges), int(on_edge.sum()))]
    before = rng.random(len(picked)) < 0.5
    window = pd.Timedelta(days=inactive_days)
    stamps[on_edge] = [e - window if b else e for e, b in zip(picked, before, strict=True)]
    stamps[rng.random(n) < 0.02] = pd.NaT
    return stamps.astype(f"datetime64[{unit}, UTC]")


def portfolio(seed: int, inactive_days: float, unit: str = "us") -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n, people = 4_000, 300
    kinds = rng.choice(["order", "invoice", "refund", "quote"], n, p=[0.6, 0.2, 0.1, 0.1])
    amounts = rng.lognormal(4, 1.2, n) * np.where(kinds == "refund", -1, 1)
    amounts[rng.random(n) < 0.03] = np.nan  # an amount the CRM left empty
    orders = pd.DataFrame(
        {
            "customer_id": rng.integers(1, people, n).astype("int64"),
            "ordered_at": _stamps(rng, n, inactive_days, unit),
            "amount": amounts,
            "kind": pd.Series(kinds, dtype="str"),
        }
    )
    orders = pd.concat([orders, orders.sample(200, random_state=seed)], ignore_index=True)  # same-instant baskets
    m = 600
    created = _stamps(rng, m, inactive_days, unit)
    converted = created + pd.to_timedelta(rng.uniform(0, 120, m), unit="D")
    converted[rng.random(m) < 0.5] = pd.NaT
    leads = pd.DataFrame(
        {
            "created_at": created,
            "converted_at": converted.astype(f"datetime64[{unit}, UTC]"),
            "campaign_id": pd.Series(rng.choice(["K1", "K2", "K3"], m), dtype="str"),
            "customer_id": pd.array(rng.integers(1, people, m), dtype="Int64"),
        }
    )
    leads.loc[rng.random(m) < 0.6, "customer_id"] = pd.NA  # most leads never become a customer
    c = 80
    cost = rng.lognormal(6, 1, c)
    cost[rng.random(c) < 0.1] = np.nan
    campaigns = pd.DataFrame(
        {
            "campaign_id": pd.Series([f"K{i}" for i in range(c)], dtype="str"),
            "cost": cost,
            "started_at": _stamps(rng, c, inactive_days, unit),
            "channel": pd.Series(rng.choice(["email", "retention", "ads"], c), dtype="str"),
        }
    )
    s = 1_500
    is_nps = rng.random(s) < 0.5
    scale_max = np.where(is_nps, 10.0, np.where(rng.random(s) < 0.9, 5.0, 10.0))
    surveys = pd.DataFrame(
        {
            "customer_id": rng.integers(1, people, s).astype("int64"),
            "survey": pd.Series(np.where(is_nps, "nps", "csat"), dtype="str"),
            "score": np.floor(rng.uniform(0, scale_max + 1)),
            "scale_min": np.where(is_nps, 0.0, 1.0),
            "scale_max": scale_max,
            "responded_at": _stamps(rng, s, inactive_days, unit),
        }
    )
    k = 900
    cases = pd.DataFrame(
        {
            "customer_id": rng.integers(1, people, k).astype("int64"),
            "opened_at": _stamps(rng, k, inactive_days, unit),
            "is_complaint": rng.random(k) < 0.6,
        }
    )
    return {"orders": orders, "leads": leads, "campaigns": campaigns, "surveys": surveys, "cases": cases}


def assert_same(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    # check_exact: equal bits, not approximately equal; NaN in the same cells counts as equal
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


@pytest.mark.parametrize(("seed", "inactive_days", "unit"), [(1, 180, "us"), (2, 90, "us"), (3, 45.5, "ns"), (4, 30, "s")])
def test_every_kpi_of_a_monthly_table_equals_the_kpis_computed_one_period_at_a_time(seed, inactive_days, unit):
    frames = portfolio(seed, inactive_days, unit)
    spend = {p: 100.0 * i for i, p in enumerate(MONTHS) if i % 3}
    table = kpi_table(
        frames["orders"], frames["leads"], frames["campaigns"], MONTHS, surveys=frames["surveys"],
        cases=frames["cases"], sales_spend=spend, inactive_days=inactive_days,
    )
    reference = reference_table(
        frames["orders"], frames["leads"], frames["campaigns"], MONTHS, surveys=frames["surveys"],
        cases=frames["cases"], sales_spend=spend, inactive_days=inactive_days,
    )
    assert (table["new_customers"] > 0).any() and (table["win_back_rate"] > 0).any()  # the fixture exercises them
    assert_same(table, reference)


def at_instants(frames: dict[str, pd.DataFrame], instants: Sequence[pd.Timestamp]) -> dict[str, pd.DataFrame]:
    """``frames`` plus copies of their first rows stamped at each of ``instants``."""
    column = {"orders": "ordered_at", "leads": "created_at", "campaigns": "started_at", "surveys": "responded_at", "cases": "opened_at"}
    out = {}
    for name, frame in frames.items():
        extra = frame.iloc[: 3 * len(instants)].copy()
        extra[column[name]] = pd.Series([instants[i % len(instants)] for i in range(len(extra))], index=extra.index).astype(
            frame[column[name]].dtype
        )
        out[name] = pd.concat([frame, extra], ignore_index=True)
    return out


def test_overlapping_unsorted_repeated_and_partial_periods_each_get_their_own_row_in_the_order_given():
    odd = Period(ts("2023-03-14") + pd.Timedelta(nanoseconds=500), ts("2023-05-01"))  # a boundary between two µs
    frames = at_instants(portfolio(5, 90), [ts("2023-03-14"), ts("2023-03-14") + pd.Timedelta(microseconds=1)])
    quarters = periods(FIRST, LAST, "QS")
    wanted = [quarters[3], *MONTHS[::-1][:14], quarters[3], odd, Period(FIRST, LAST), *quarters[:5]]
    table = kpi_table(
        frames["orders"], frames["leads"], frames["campaigns"], wanted, surveys=frames["surveys"],
        cases=frames["cases"], inactive_days=90,
    )
    reference = reference_table(
        frames["orders"], frames["leads"], frames["campaigns"], wanted, surveys=frames["surveys"],
        cases=frames["cases"], inactive_days=90,
    )
    assert_same(table, reference)


def test_a_segments_table_equals_its_kpis_computed_one_period_at_a_time():
    frames = portfolio(6, 120)
    segment_of = pd.Series({i: ("loyal" if i % 3 else "other") for i in range(1, 300)})
    table = kpi_table(
        frames["orders"], frames["leads"], frames["campaigns"], MONTHS, surveys=frames["surveys"],
        cases=frames["cases"], segment_of=segment_of, segment="loyal", inactive_days=120,
    )
    reference = reference_table(
        frames["orders"], frames["leads"], frames["campaigns"], MONTHS, surveys=frames["surveys"],
        cases=frames["cases"], segment_of=segment_of, segment="loyal", inactive_days=120,
    )
    assert_same(table, reference)


def test_without_surveys_cases_or_any_row_the_table_still_equals_the_one_period_at_a_time_one():
    frames = portfolio(7, 180)
    bare = kpi_table(frames["orders"], frames["leads"], frames["campaigns"], MONTHS)
    assert_same(bare, reference_table(frames["orders"], frames["leads"], frames["campaigns"], MONTHS))
    empty = {name: frame.iloc[:0] for name, frame in frames.items()}
    nothing = kpi_table(empty["orders"], empty["leads"], empty["campaigns"], MONTHS, surveys=empty["surveys"], cases=empty["cases"])
    assert_same(
        nothing,
        reference_table(empty["orders"], empty["leads"], empty["campaigns"], MONTHS, surveys=empty["surveys"], cases=empty["cases"]),
    )
