"""The two back-of-the-envelope CLV formulas users meet first, next to the probabilistic one.

They answer different questions, so each is labelled (:data:`CLV_METHODS`) and none is presented
as "the" CLV: the historical formula extrapolates past averages; the retention formula values a
constant-margin customer under a constant retention rate over an infinite horizon (Gupta &
Lehmann 2003); the probabilistic one (:func:`scoring.clv.value.customer_lifetime_value`) predicts
each customer from their own purchase history.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scoring.clv.errors import CLVInputError

__all__ = ["CLV_METHODS", "historical_clv", "retention_clv", "retention_margin_multiple"]

FloatArray = NDArray[np.float64]

#: Label and formula of each CLV method the engine exposes, for reports that put them side by side.
CLV_METHODS: Mapping[str, str] = {
    "historical": "Historical CLV = AOV × purchases per year × gross margin × lifespan in years",
    "retention": "Retention-based CLV (Gupta & Lehmann 2003) = m · r / (1 + i − r) − AC",
    "probabilistic": "Probabilistic CLV = BG/NBD or Pareto/NBD purchases × Gamma-Gamma spend × margin, discounted monthly",
}


def _array(value: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(arr)):
        raise CLVInputError(f"{name} must be finite numbers")
    return arr


def historical_clv(
    average_order_value: ArrayLike,
    purchases_per_year: ArrayLike,
    gross_margin: ArrayLike,
    lifespan_years: ArrayLike,
) -> FloatArray:
    """AOV × purchases per year × gross margin × expected lifespan in years (no discounting)."""
    aov = _array(average_order_value, "average_order_value")
    freq = _array(purchases_per_year, "purchases_per_year")
    margin = _array(gross_margin, "gross_margin")
    life = _array(lifespan_years, "lifespan_years")
    if np.any(freq < 0) or np.any(life < 0):
        raise CLVInputError("purchases_per_year and lifespan_years must be >= 0")
    if np.any((margin < 0) | (margin > 1)):
        raise CLVInputError("gross_margin must be between 0 and 1")
    return aov * freq * margin * life


def retention_margin_multiple(retention_rate: ArrayLike, discount_rate: ArrayLike) -> FloatArray:
    """r / (1 + i − r): how many periods' margin a customer is worth (2.67 for r = 0.8, i = 0.1).

    The first margin is counted after one period, as in Gupta & Lehmann's formula.
    """
    r = _array(retention_rate, "retention_rate")
    i = _array(discount_rate, "discount_rate")
    if np.any((r < 0) | (r > 1)):
        raise CLVInputError("retention_rate must be between 0 and 1")
    if np.any(i < 0):
        raise CLVInputError("discount_rate must be >= 0")
    if np.any(1 + i - r <= 0):
        raise CLVInputError("retention_rate 1 with discount_rate 0 makes the value infinite")
    return r / (1 + i - r)


def retention_clv(
    margin: ArrayLike,
    retention_rate: ArrayLike,
    discount_rate: ArrayLike,
    acquisition_cost: ArrayLike = 0.0,
) -> FloatArray:
    """m · r / (1 + i − r) − AC, with constant per-period margin m, retention r and discount rate i."""
    return _array(margin, "margin") * retention_margin_multiple(retention_rate, discount_rate) - _array(
        acquisition_cost, "acquisition_cost"
    )
