"""The retention figures of many periods from one sort of the purchases.

:func:`scoring.kpis.retention.retention_counts` builds the sets behind one period's rates by
filtering every purchase several times, and "lapsed at start" holds every past buyer; over 240
monthly periods of millions of orders that is most of a KPI table's time. Here purchases are sorted
by time once, so "active at t" (a purchase in ``(t − inactive_days, t]``) is one contiguous slice
found by binary search, and each boundary is computed once even when it ends one period and starts
the next. Only the sizes the rates need are kept; the definitions, and so every count, are those of
:mod:`scoring.kpis.retention` (``S``, ``E``, ``N``, lapsed at start, bought in the period):

* retained ``= |S ∩ E|``, lost ``= |S| − retained``;
* lapsed at start ``= |bought before start| − |S|``, since everyone active at start bought before it;
* won back ``= |{bought in the period, first purchase ≤ start} − S|``;
* customers of the period (active during it) ``= S ∪ bought in the period``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.kpis.period_rows import PeriodGrid, floor_stamp, stamp_values
from scoring.kpis.retention import (
    DEFAULT_INACTIVE_DAYS,
    ORDER_KINDS,
    first_purchases,
    purchases,
)

__all__ = ["RetentionFigures", "RetentionSweep"]


def _pct(num: float, den: float) -> float:
    return float("nan") if den == 0 else 100.0 * num / den


@dataclass(frozen=True)
class RetentionFigures:
    """One period's retention sizes, and the two id sets other KPIs need (sorted, unique)."""

    start_active: int  # |S|
    end_active: int  # |E|
    new: np.ndarray  # N
    retained: int  # |S ∩ E|
    lapsed_at_start: int
    won_back: int
    active_during: np.ndarray  # S ∪ bought in the period

    @property
    def retention_rate(self) -> float:
        """As :func:`scoring.kpis.retention.retention_rate`: ``100 × (E − N) / S``."""
        return _pct(self.end_active - len(self.new), self.start_active)

    @property
    def churn_rate(self) -> float:
        """As :func:`scoring.kpis.retention.churn_rate`: ``100 × |S not active at end| / S``."""
        return _pct(self.start_active - self.retained, self.start_active)

    @property
    def win_back_rate(self) -> float:
        """As :func:`scoring.kpis.retention.win_back_rate`."""
        return _pct(self.won_back, self.lapsed_at_start)

    def retention_cost(self, retention_spend: float) -> float:
        """As :func:`scoring.kpis.retention.retention_cost`: spend per retained customer, NaN if none."""
        return float("nan") if self.retained == 0 else float(retention_spend) / self.retained


class RetentionSweep:
    """Purchases sorted by time and each buyer's first purchase, made once for any number of periods."""

    def __init__(
        self,
        orders: pd.DataFrame,
        inactive_days: float = DEFAULT_INACTIVE_DAYS,
        order_kinds: Iterable[str] = ORDER_KINDS,
    ) -> None:
        kinds = tuple(order_kinds)
        self._inactive = pd.Timedelta(days=inactive_days)
        self._purchases = purchases(orders, kinds)
        values, self._unit = stamp_values(self._purchases["ordered_at"])
        ids = self._purchases["customer_id"].to_numpy()
        real = values != np.iinfo(np.int64).min
        by_time = np.argsort(values[real], kind="stable")
        self._times, self._ids = values[real][by_time], ids[real][by_time]
        self.firsts = first_purchases(orders, kinds)  # each buyer's first purchase, indexed by customer_id
        first_values, first_unit = stamp_values(self.firsts)
        self._first_ids = self.firsts.index.to_numpy()  # sorted: groupby sorts its keys
        self._first_values, self._first_unit = first_values, first_unit
        self._sorted_firsts = np.sort(first_values[first_values != np.iinfo(np.int64).min])
        self._active: dict[pd.Timestamp, np.ndarray] = {}

    def active_at(self, at: pd.Timestamp) -> np.ndarray:
        """Customers with a purchase in ``(at − inactive_days, at]``, sorted (remembered per instant)."""
        if at not in self._active:
            lo = np.searchsorted(self._times, floor_stamp(at - self._inactive, self._unit), side="right")
            hi = np.searchsorted(self._times, floor_stamp(at, self._unit), side="right")
            self._active[at] = np.unique(self._ids[lo:hi])
        return self._active[at]

    def figures(self, grid: PeriodGrid) -> list[RetentionFigures]:
        """The figures of each period of ``grid``, in its order."""
        bought_in = grid.per_period(self._purchases["customer_id"].to_numpy(), grid.positions(self._purchases["ordered_at"]))
        new_in = grid.per_period(self._first_ids, grid.positions(self.firsts))  # ids stay sorted: row order
        out = []
        for period, bought_rows, new in zip(grid.periods, bought_in, new_in, strict=True):
            bought = np.unique(bought_rows)
            start, end = self.active_at(period.start), self.active_at(period.end)
            start_at = floor_stamp(period.start, self._first_unit)
            bought_before = int(np.searchsorted(self._sorted_firsts, start_at, side="right"))
            first_of_bought = self._first_values[np.searchsorted(self._first_ids, bought)]
            returning = bought[first_of_bought <= start_at]  # bought in the period, first bought before it
            out.append(
                RetentionFigures(
                    start_active=len(start),
                    end_active=len(end),
                    new=new,
                    retained=len(np.intersect1d(start, end, assume_unique=True)),
                    lapsed_at_start=bought_before - len(start),
                    won_back=len(returning) - len(np.intersect1d(returning, start, assume_unique=True)),
                    active_during=np.union1d(start, bought),
                )
            )
        return out
