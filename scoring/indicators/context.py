"""Per-run precomputation shared by every indicator, and the vectorised per-customer aggregations.

Indicators work on numpy arrays aligned to the customers frame (position ``i`` is the ``i``-th
customer). Each event frame is mapped to those positions once and each timestamp column is turned
into "days before as_of" once, so eight indicators over two million orders cost a handful of
``bincount`` calls instead of eight groupbys. Nothing here writes to the input frames.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from scoring.frames import CRMFrames, FramesError, is_loaded

__all__ = ["IndicatorOutput", "IndicatorParams", "ScoringData"]

_DAY = np.timedelta64(86_400_000_000, "us")
T = TypeVar("T")


@dataclass(frozen=True)
class IndicatorParams:
    """The resolved parameters of one configured indicator (defaults merged in)."""

    window_days: float
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True)
class IndicatorOutput:
    """Raw values per customer position (NaN = missing) and optional text labels (None = none)."""

    values: np.ndarray
    labels: np.ndarray | None = None


class ScoringData:
    """The frames of one scoring run, indexed for fast per-customer aggregation."""

    def __init__(self, frames: CRMFrames, as_of: pd.Timestamp) -> None:
        self.frames = frames
        self.as_of = as_of
        # int64 whatever width the reader chose, so every result frame carries int64 ids.
        self.customer_ids = pd.Index(frames.customers["customer_id"].to_numpy(np.int64))
        self.n = len(self.customer_ids)
        self._positions: dict[str, np.ndarray] = {}
        self._ages: dict[tuple[str, str], np.ndarray] = {}
        self._codes: dict[tuple[str, str], tuple[np.ndarray, pd.Index]] = {}
        self._memo: dict[Hashable, Any] = {}

    def release_caches(self) -> None:
        """Drop the per-row arrays kept for the indicators (positions, ages, codes, memos).

        They are a run's largest working set — about 0.4 GB at a million customers — and are
        rebuilt on demand if a customer field needs them later, so the engine releases them
        once every indicator and segment is computed, before the result frames are built.
        """
        self._positions.clear()
        self._ages.clear()
        self._codes.clear()
        self._memo.clear()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per run and key: for views several indicators share."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

    def frame(self, name: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self.frames, name)
        if not is_loaded(frame):
            raise FramesError(
                f"frames.{name} was not read from the store, but an indicator needs it "
                "(declare it in the indicator kind's register(..., reads=...))"
            )
        return frame

    def positions(self, name: str) -> np.ndarray:
        """Customer position of every row of frame ``name`` (-1 when the customer is unknown)."""
        if name not in self._positions:
            ids = self.frame(name)["customer_id"].to_numpy()
            # int32 halves the largest array a run keeps (one entry per order) at no cost in range
            # below two billion customers; bincount and indexing take it as they take int64.
            small = np.int32 if self.n < np.iinfo(np.int32).max else np.int64
            self._positions[name] = self.customer_ids.get_indexer(ids).astype(small, copy=False)
        return self._positions[name]

    def age_days(self, name: str, column: str) -> np.ndarray:
        """Days from each timestamp in ``name.column`` to as_of (negative = after as_of; NaN = none)."""
        key = (name, column)
        if key not in self._ages and self.frame(name).empty:
            self._ages[key] = np.empty(0, dtype=np.float64)
        if key not in self._ages:
            stamps = self.frame(name)[column].dt.tz_localize(None).to_numpy()
            as_of = np.datetime64(self.as_of.tz_localize(None).as_unit("us"))
            self._ages[key] = (as_of - stamps) / _DAY
        return self._ages[key]

    def is_in(self, name: str, column: str, values: Iterable[str]) -> np.ndarray:
        """Rows of ``name.column`` equal to one of ``values`` (text compared once per run, not per call)."""
        key = (name, column)
        if key not in self._codes:
            series = self.frame(name)[column]
            if isinstance(series.dtype, pd.CategoricalDtype):  # the store's reader: codes already there
                codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
            else:
                codes, uniques = pd.factorize(series)
            self._codes[key] = (codes, pd.Index(uniques))
        codes, uniques = self._codes[key]
        lookup = np.zeros(len(uniques) + 1, dtype=bool)  # the extra last slot is code -1 (missing)
        lookup[:-1] = uniques.isin(list(values))
        hits: np.ndarray = lookup[codes]
        return hits

    def in_window(self, name: str, column: str, window_days: float) -> np.ndarray:
        """Rows whose timestamp falls in (as_of - window_days, as_of] and whose customer is known."""
        age = self.age_days(name, column)
        return (age >= 0) & (age < window_days) & (self.positions(name) >= 0)

    def exposure_days(self, window_days: float, min_days: float) -> np.ndarray:
        """Days each customer existed within the window, floored at ``min_days``.

        A customer created mid-window had less time to complain or to be called; dividing by the full
        window would flatter new customers. Unknown creation dates count as the full window.
        """
        created_age = self.age_days("customers", "created_at")
        exposure = np.where(np.isnan(created_age), window_days, np.minimum(created_age, window_days))
        return np.maximum(exposure, min_days)

    # ---- aggregations over a frame's rows, per customer position --------------------------------

    def count(self, name: str, mask: np.ndarray) -> np.ndarray:
        pos = self.positions(name)[mask]
        return np.bincount(pos, minlength=self.n).astype(np.float64)

    def total(self, name: str, mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
        pos = self.positions(name)[mask]
        return np.bincount(pos, weights=weights[mask], minlength=self.n)

    def minimum(self, name: str, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per-customer minimum of ``values`` over the masked rows (NaN for customers with none)."""
        out = np.full(self.n, np.inf)
        np.minimum.at(out, self.positions(name)[mask], values[mask])
        out[np.isinf(out)] = np.nan
        return out
