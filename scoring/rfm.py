"""RFM quintile scores (1–5) with a fixed, documented tie rule.

Tie rule: among customers with at least one purchase, sort by ``(value, customer_id)``; a customer's
rank is its 1-based position ``k`` of ``n`` and its score is ``ceil(5·k/n)``. Ordinal ranks always
produce five equal-sized groups (±1) even when integer frequencies tie massively — ``qcut`` on raw
values would fail on duplicate edges — and breaking ties by id makes the result independent of row
order. R is reversed so that the most recent buyer gets 5 for any ``n``: it ranks ``−days since the
last purchase`` (equal recencies: the lower id gets the lower R).

Recency looks at all history up to as_of; frequency and monetary use ``rfm.window_days`` (the
config's window by default; ``null`` for all history).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.config import RFMSpec
from scoring.indicators import IndicatorParams, ScoringData, get_kind, resolve_params

__all__ = ["RFMScores", "quintile_scores", "rfm_scores"]


def quintile_scores(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``ceil(5·k/n)`` where ``k`` is the position in the ``(value, id)`` order; int64, same shape."""
    n = values.size
    order = np.lexsort((ids, values))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1, dtype=np.int64)
    return (5 * rank + n - 1) // n  # integer ceil(5·rank/n), exact for any n


@dataclass(frozen=True)
class RFMScores:
    """R, F, M as nullable ``Int64`` Series aligned to the customers frame, plus the raw values."""

    r: pd.Series
    f: pd.Series
    m: pd.Series
    has_orders: np.ndarray
    raw: pd.DataFrame


def _raw(data: ScoringData, kind: str, window: float) -> np.ndarray:
    spec = get_kind(kind)
    params = resolve_params(spec, {}, default_window=0)
    return spec.compute(data, IndicatorParams(window_days=window, values=params.values)).values


def rfm_scores(data: ScoringData, spec: RFMSpec) -> RFMScores:
    window = float("inf") if spec.window_days is None else float(spec.window_days)
    recency = _raw(data, "recency", window)
    frequency = _raw(data, "frequency", window)
    monetary = _raw(data, "monetary", window)
    has_orders = ~np.isnan(recency)
    ids = data.customer_ids.to_numpy()[has_orders]

    def scored(values: np.ndarray) -> pd.Series:
        out = np.zeros(data.n, dtype=np.int64)
        out[has_orders] = quintile_scores(values[has_orders], ids)
        return pd.Series(pd.arrays.IntegerArray(out, ~has_orders), copy=False)

    raw = pd.DataFrame({"recency_days": recency, "frequency": frequency, "monetary": monetary})
    return RFMScores(
        r=scored(-recency),
        f=scored(frequency),
        m=scored(monetary),
        has_orders=has_orders,
        raw=raw,
    )
