"""Raw indicator values → 0–100 scores, with the direction applied.

Each method is registered by name so more can be added without touching the engine. Missing values
(NaN) stay missing; the missing-value policy is applied later, by the engine, because it is about
weights as much as about scores. Point tiers give the score directly, so the direction is not
applied to them (the admin already said which values deserve which points).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from scoring.config import Normalise

__all__ = ["DIRECTIONLESS", "DIRECTIONS", "METHODS", "normalise"]

Method = Callable[[np.ndarray, Normalise], np.ndarray]
DIRECTIONS = ("higher_is_better", "lower_is_better")


def _minmax(values: np.ndarray, spec: Normalise) -> np.ndarray:
    """Linear between the bounds; a bound not given is the portfolio's min/max of present values.

    Degenerate ranges: when every customer has the same value nobody is better than anybody, so all
    get the neutral 50; when every value is at or below a fixed ``min`` they all get 0, and at or
    above a fixed ``max`` 100 (both bounds fixed are validated to satisfy min < max).
    """
    present = values[~np.isnan(values)]
    if present.size == 0:
        return np.full(values.shape, np.nan)
    lo = float(present.min()) if spec.min is None else spec.min
    hi = float(present.max()) if spec.max is None else spec.max
    if hi > lo:
        scores = (values - lo) / (hi - lo) * 100.0
        return np.clip(scores, 0.0, 100.0) if spec.clip else scores
    flat = 0.0 if spec.min is not None else 100.0 if spec.max is not None else 50.0
    return np.where(np.isnan(values), np.nan, flat)


def _percentile(values: np.ndarray, spec: Normalise) -> np.ndarray:
    """Percent rank among customers with a value: lowest 0, highest 100, ties share their mean rank."""
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    n = int(present.sum())
    if n == 1:
        out[present] = 50.0
    elif n > 1:
        ranks = pd.Series(values[present]).rank(method="average").to_numpy()
        out[present] = (ranks - 1.0) / (n - 1) * 100.0
    return out


def _zscore(values: np.ndarray, spec: Normalise) -> np.ndarray:
    """``50 + 50 · clip(z, ±clip_z) / clip_z`` with ``z = (v − mean) / std`` over present values.

    The population standard deviation (ddof 0) is used; when every value is the same (std 0)
    everybody gets the neutral 50. Clipping keeps one outlier from squeezing everyone else together.
    """
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    if not present.any():
        return out
    mean, std = float(values[present].mean()), float(values[present].std())
    if std == 0:
        out[present] = 50.0
        return out
    z = np.clip((values[present] - mean) / std, -spec.clip_z, spec.clip_z)
    out[present] = 50.0 + 50.0 * z / spec.clip_z
    return out


def _tiers(values: np.ndarray, spec: Normalise) -> np.ndarray:
    """The points of the first tier whose ``max`` (inclusive, as in ChurnZero) is ≥ the value.

    The last tier has no ``max`` and catches everything above; validation ensures that.
    """
    bounds = np.asarray([np.inf if t.max is None else t.max for t in spec.tiers], dtype=np.float64)
    points = np.asarray([t.points for t in spec.tiers], dtype=np.float64)
    idx = np.clip(np.searchsorted(bounds, values, side="left"), 0, len(points) - 1)
    return np.where(np.isnan(values), np.nan, points[idx])


METHODS: Mapping[str, Method] = MappingProxyType(
    {"minmax": _minmax, "percentile": _percentile, "zscore": _zscore, "tiers": _tiers}
)
#: Methods whose output is already "higher is better" as configured; ``direction`` is not applied.
DIRECTIONLESS = frozenset({"tiers"})


def normalise(values: np.ndarray, spec: Normalise, direction: str = "higher_is_better") -> np.ndarray:
    """Scores in 0–100 (higher always better after ``direction``); NaN where ``values`` is NaN."""
    try:
        method = METHODS[spec.method]
    except KeyError:
        raise ValueError(f"unknown normalise method {spec.method!r}; known: {', '.join(METHODS)}") from None
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; known: {', '.join(DIRECTIONS)}")
    scores = method(np.asarray(values, dtype=np.float64), spec)
    flip = direction == "lower_is_better" and spec.method not in DIRECTIONLESS
    return 100.0 - scores if flip else scores
