"""Cohort retention curves: of the customers acquired in a period, the share buying in each later one.

A customer's **cohort** is the period holding their first purchase ever; customers whose first
purchase lies outside the periods belong to none. For cohort ``c`` and age ``a`` (0 = the cohort's
own period), ``retention = 100 × members with a purchase in period c + a / members``. Age 0 is
100 % by construction and is kept so every curve starts where a chart expects it to. "Active" here
means *buying in that period*, not the rolling-window activity of the retention rate: a curve must
not depend on an inactivity threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from scoring.kpis.periods import Period
from scoring.kpis.retention import ORDER_KINDS, first_purchases, purchases

__all__ = ["COHORT_COLUMNS", "cohort_retention"]

COHORT_COLUMNS = ("cohort", "size", "age", "period", "active", "retention")


def _period_index(edges: pd.DatetimeIndex, stamps: pd.Series) -> np.ndarray:
    """Index of the period ``(edges[k], edges[k + 1]]`` holding each stamp; -1 outside them all."""
    k = edges.searchsorted(stamps, side="left") - 1
    k = np.asarray(k, dtype=np.int64)
    k[(k < 0) | (k >= len(edges) - 1)] = -1
    return k


def cohort_retention(
    orders: pd.DataFrame, periods: Sequence[Period], *, order_kinds: Iterable[str] = ORDER_KINDS
) -> pd.DataFrame:
    """One row per cohort and age (columns :data:`COHORT_COLUMNS`), cohorts and ages ascending.

    ``cohort`` and ``period`` are indexes into ``periods``, which must be consecutive (each starting
    where the previous ends). Cohorts without members are left out; ages run to the last period.
    """
    for before, after in pairwise(periods):
        if before.end != after.start:
            raise ValueError(f"cohort periods must be consecutive: {before.label} is followed by {after.label}")
    if not periods:
        return pd.DataFrame({col: pd.Series(dtype="int64") for col in COHORT_COLUMNS}).astype({"retention": "float64"})
    kinds = tuple(order_kinds)
    edges = pd.DatetimeIndex([periods[0].start, *(p.end for p in periods)])
    firsts = first_purchases(orders, kinds)
    cohort_of = pd.Series(_period_index(edges, firsts), index=firsts.index)
    cohort_of = cohort_of[cohort_of >= 0]
    bought = purchases(orders, kinds)
    buys = pd.DataFrame(
        {"customer_id": bought["customer_id"].to_numpy(), "period": _period_index(edges, bought["ordered_at"])}
    )
    buys = buys.loc[(buys["period"] >= 0).to_numpy() & buys["customer_id"].isin(cohort_of.index).to_numpy()]
    buys = buys.drop_duplicates()
    buys["cohort"] = cohort_of.reindex(buys["customer_id"]).to_numpy()
    active = buys.groupby(["cohort", "period"]).size()
    sizes = cohort_of.value_counts().sort_index()
    rows = [
        (int(c), int(n), p - int(c), p, int(active.get((c, p), 0)))
        for c, n in sizes.items()
        for p in range(int(c), len(periods))
    ]
    out = pd.DataFrame(rows, columns=["cohort", "size", "age", "period", "active"], dtype="int64")
    out["retention"] = 100.0 * out["active"] / out["size"]
    return out
