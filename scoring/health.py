"""The health score (a weighted mean of indicator scores), its per-indicator points, and bands.

Points make a score explainable: with the neutral score 50, indicator ``i`` contributes
``points_i = w_i × (score_i − 50)`` where ``w_i`` is its weight renormalised over the indicators the
customer has, so ``health = 50 + Σ points_i`` exactly. A positive number is what an indicator added
above neutral, a negative one what it cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.schemes import Band, assign_bands
from scoring.scorecards import DEFAULT_NEUTRAL

__all__ = ["Band", "assign_bands", "health_scores"]


def health_scores(
    scores: np.ndarray, weights: Sequence[float], neutral: float = DEFAULT_NEUTRAL
) -> tuple[np.ndarray, np.ndarray]:
    """Health (n,) and points (n, k) from indicator scores (n, k; NaN = not available) and weights (k,).

    A customer with no available indicator has health NaN and NaN points everywhere.
    """
    scores = np.asarray(scores, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    available = ~np.isnan(scores)
    held = np.where(available, w, 0.0)
    total = held.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = held / total[:, None]
        health = np.where(total > 0, np.where(available, scores, 0.0) @ w / total, np.nan)
    points = np.where(available & (total[:, None] > 0), effective * (scores - neutral), np.nan)
    return health, points
