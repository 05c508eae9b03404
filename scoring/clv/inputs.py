"""Checks on the per-customer arrays every BTYD model takes, with messages that point at the row.

The models are only defined for ``x >= 0`` whole repeat purchases, ``0 <= t_x <= T`` and ``T > 0``;
outside that the likelihood silently turns into NaN or into a wrong finite number, so bad rows
are refused here, before any optimisation, and named by their index label.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from scoring.clv.errors import CLVInputError

__all__ = ["as_float_array", "broadcast_customers", "frequency_recency_age", "horizon", "row_label"]

FloatArray = NDArray[np.float64]


def row_label(values: Any, position: int) -> str:
    """A row's name for an error message: its index label for a Series, else its position."""
    if isinstance(values, pd.Series):
        return f"row {values.index[position]!r}"
    return f"position {position}"


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """A 1-D float array, refusing NaN/inf with the first offending row named."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.argmax(bad))
        raise CLVInputError(f"{name}: {row_label(values, pos)} is {arr[pos]!r}, not a finite number")
    return arr


def _first(mask: NDArray[np.bool_]) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def frequency_recency_age(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validated ``(x, t_x, T, weights)`` float arrays of one common length."""
    xs, txs, Ts = as_float_array(x, "x"), as_float_array(t_x, "t_x"), as_float_array(T, "T")
    ws = np.ones_like(xs) if weights is None else as_float_array(weights, "weights")
    lengths = {"x": len(xs), "t_x": len(txs), "T": len(Ts), "weights": len(ws)}
    if len(set(lengths.values())) != 1:
        raise CLVInputError(f"x, t_x, T and weights must have one length; got {lengths}")
    if len(xs) == 0:
        raise CLVInputError("no customers: x, t_x and T are empty")
    checks: list[tuple[NDArray[np.bool_], Any, FloatArray, str]] = [
        ((xs < 0) | (xs != np.round(xs)), x, xs, "x: {row} is {v!r}; repeat purchases must be a whole number >= 0"),
        (Ts <= 0, T, Ts, "T: {row} is {v!r}; a customer's age must be > 0"),
        (txs < 0, t_x, txs, "t_x: {row} is {v!r}; recency must be >= 0"),
        (txs > Ts * (1 + 1e-12), t_x, txs, "t_x: {row} is {v!r}, after that customer's T; recency must be <= T"),
        ((xs == 0) & (txs != 0), t_x, txs, "t_x: {row} is {v!r} but x is 0; with no repeat purchase t_x must be 0"),
        (ws <= 0, weights, ws, "weights: {row} is {v!r}; weights must be > 0"),
    ]
    for mask, source, arr, template in checks:
        pos = _first(mask)
        if pos is not None:
            raise CLVInputError(template.format(row=row_label(source, pos), v=float(arr[pos])))
    return xs, np.minimum(txs, Ts), Ts, ws


def broadcast_customers(
    x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (x, t_x, T) broadcast to one shape; a Series keeps its labels for error messages."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T))

    def spread(v: ArrayLike) -> Any:
        return v if np.shape(v) == shape and isinstance(v, pd.Series) else np.broadcast_to(np.asarray(v, dtype=np.float64), shape)

    xs, txs, Ts, _ = frequency_recency_age(spread(x), spread(t_x), spread(T))
    return xs.reshape(shape), txs.reshape(shape), Ts.reshape(shape)


def horizon(t: ArrayLike) -> FloatArray:
    """A prediction horizon (any shape), refused unless finite and >= 0."""
    ts = np.asarray(t, dtype=np.float64)
    if np.any(~np.isfinite(ts) | (ts < 0)):
        raise CLVInputError("t: the prediction horizon must be a finite number >= 0")
    return ts
