"""Retention KPIs for a period, for non-contractual data (customers "leave" by going quiet).

A customer is **active at t** when they made a purchase in ``(t − inactive_days, t]``. Over a period
``start < t ≤ end``: ``S`` = active at start, ``E`` = active at end, ``N`` = new customers (first
purchase ever inside the period). Retention is the textbook ``(E − N) / S``; churn counts the members
of ``S`` not active at end, so ``churn = 100 − retention`` exactly when nobody came back from
lapsed and every new customer is still active. Win-back success is the share of customers lapsed at
the start who bought again in the period. Every rate is in percent and NaN when its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.kpis.period_rows import PeriodGrid, stamp_values
from scoring.kpis.periods import Period

__all__ = [
    "DEFAULT_INACTIVE_DAYS",
    "ORDER_KINDS",
    "RetentionCounts",
    "active_customers",
    "churn_rate",
    "first_purchases",
    "new_customers",
    "purchases",
    "repurchase_rate",
    "repurchase_rate_by_period",
    "retention_cost",
    "retention_counts",
    "retention_rate",
    "win_back_rate",
]

DEFAULT_INACTIVE_DAYS = 180
ORDER_KINDS = ("order", "invoice")


def purchases(orders: pd.DataFrame, order_kinds: Iterable[str] = ORDER_KINDS) -> pd.DataFrame:
    """Order rows that are purchases (refunds and other kinds dropped)."""
    kept: pd.DataFrame = orders.loc[orders["kind"].isin(list(order_kinds)).to_numpy(dtype=bool)]
    return kept


def first_purchases(orders: pd.DataFrame, order_kinds: Iterable[str] = ORDER_KINDS) -> pd.Series:
    """Each buyer's first purchase time, indexed by customer_id."""
    firsts: pd.Series = purchases(orders, order_kinds).groupby("customer_id")["ordered_at"].min()
    return firsts


def active_customers(
    orders: pd.DataFrame, at: pd.Timestamp, inactive_days: float = DEFAULT_INACTIVE_DAYS, order_kinds: Iterable[str] = ORDER_KINDS
) -> set[int]:
    """Customers with a purchase in ``(at − inactive_days, at]``."""
    p = purchases(orders, order_kinds)
    stamps = p["ordered_at"]
    hit = ((stamps > at - pd.Timedelta(days=inactive_days)) & (stamps <= at)).to_numpy(dtype=bool)
    return set(p["customer_id"].to_numpy()[hit].tolist())


def new_customers(orders: pd.DataFrame, period: Period, order_kinds: Iterable[str] = ORDER_KINDS) -> set[int]:
    """Customers whose first purchase ever falls in the period."""
    firsts = first_purchases(orders, order_kinds)
    return set(firsts.index[period.contains(firsts)].tolist())


@dataclass(frozen=True)
class RetentionCounts:
    """The sets behind the retention KPIs of one period (kept so reports can show n, not just %)."""

    start_active: frozenset[int]  # S
    end_active: frozenset[int]  # E
    new: frozenset[int]  # N
    lapsed_at_start: frozenset[int]  # bought before start, not active at start
    bought_in_period: frozenset[int]

    @property
    def retained(self) -> frozenset[int]:
        return self.start_active & self.end_active

    @property
    def lost(self) -> frozenset[int]:
        return self.start_active - self.end_active

    @property
    def won_back(self) -> frozenset[int]:
        return self.lapsed_at_start & self.bought_in_period

    @property
    def active_during(self) -> frozenset[int]:
        """Customers active at some instant of the period: ``S`` plus everyone who bought in it.

        Active at some t in ``[start, end]`` means a purchase in ``(t − k, t]``, i.e. one in
        ``(start − k, end]``: either before the start and still counting (``S``) or in the period.
        """
        return self.start_active | self.bought_in_period


def retention_counts(
    orders: pd.DataFrame, period: Period, inactive_days: float = DEFAULT_INACTIVE_DAYS, order_kinds: Iterable[str] = ORDER_KINDS
) -> RetentionCounts:
    kinds = tuple(order_kinds)
    p = purchases(orders, kinds)
    firsts = first_purchases(orders, kinds)
    start_active = active_customers(orders, period.start, inactive_days, kinds)
    before_start = set(firsts.index[(firsts <= period.start).to_numpy(dtype=bool)].tolist())
    return RetentionCounts(
        start_active=frozenset(start_active),
        end_active=frozenset(active_customers(orders, period.end, inactive_days, kinds)),
        new=frozenset(new_customers(orders, period, kinds)),
        lapsed_at_start=frozenset(before_start - start_active),
        bought_in_period=frozenset(p["customer_id"].to_numpy()[period.contains(p["ordered_at"])].tolist()),
    )


def _pct(num: float, den: float) -> float:
    return float("nan") if den == 0 else 100.0 * num / den


def retention_rate(counts: RetentionCounts) -> float:
    """``100 × (E − N) / S``."""
    return _pct(len(counts.end_active) - len(counts.new), len(counts.start_active))


def churn_rate(counts: RetentionCounts) -> float:
    """``100 × |S not active at end| / S``."""
    return _pct(len(counts.lost), len(counts.start_active))


def win_back_rate(counts: RetentionCounts) -> float:
    """``100 × |lapsed at start who bought in the period| / |lapsed at start|``."""
    return _pct(len(counts.won_back), len(counts.lapsed_at_start))


def retention_cost(retention_spend: float, counts: RetentionCounts) -> float:
    """Retention spend per retained customer (``S ∩ E``); NaN if nobody was retained."""
    retained = len(counts.retained)
    return float("nan") if retained == 0 else float(retention_spend) / retained


def repurchase_rate(orders: pd.DataFrame, period: Period, order_kinds: Iterable[str] = ORDER_KINDS) -> float:
    """``100 × customers with ≥ 2 purchases in the period / customers with ≥ 1``.

    Purchases at the same instant are one purchase (a basket split into two order rows is not a
    repurchase), as in the purchase-sequence indicators; on CDNOW this is what gives the published
    946 repeat buyers rather than 959.
    """
    p = purchases(orders, order_kinds)
    inside = p.loc[period.contains(p["ordered_at"]), ["customer_id", "ordered_at"]].drop_duplicates()
    counts = inside["customer_id"].value_counts()
    return _pct(int(np.count_nonzero(counts.to_numpy() >= 2)), len(counts))


def repurchase_rate_by_period(
    orders: pd.DataFrame, grid: PeriodGrid, order_kinds: Iterable[str] = ORDER_KINDS
) -> list[float]:
    """:func:`repurchase_rate` of every period of ``grid`` at once (same-instant purchases are one)."""
    p = purchases(orders, order_kinds)
    at = grid.positions(p["ordered_at"])
    inside = at >= 0
    at, who, when = at[inside], p["customer_id"].to_numpy()[inside], stamp_values(p["ordered_at"])[0][inside]
    order = np.lexsort((when, who, at))
    at, who, when = at[order], who[order], when[order]
    # one entry per (period, customer, instant), then per (period, customer): how many instants
    distinct = np.ones(len(at), dtype=bool)
    distinct[1:] = (at[1:] != at[:-1]) | (who[1:] != who[:-1]) | (when[1:] != when[:-1])
    at, who = at[distinct], who[distinct]
    first = np.ones(len(at), dtype=bool)
    first[1:] = (at[1:] != at[:-1]) | (who[1:] != who[:-1])
    starts = np.flatnonzero(first)
    instants = np.diff(np.r_[starts, len(at)])
    buyers = grid.counts(at[starts])
    repeaters = grid.counts(at[starts][instants >= 2])
    return [_pct(int(r), int(b)) for r, b in zip(repeaters, buyers, strict=True)]
