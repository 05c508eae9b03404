"""Probabilistic CLV: expected purchases (BG/NBD or Pareto/NBD) × expected spend (Gamma-Gamma) × margin, discounted.

The convention is lifetimes' ``customer_lifetime_value``, because that is what users compare
against: the horizon is cut into months, each month's expected purchases are the increase of the
cumulative conditional expectation over that month, and month ``m`` is discounted by
``(1 + monthly_discount_rate) ** m``.

A month is 30 days. ``time_unit_days`` says how long one unit of the model's time axis is (7
for a summary in weeks), so a month spans ``30 / time_unit_days`` units. lifetimes instead takes
a ``freq`` label and trusts it: its Quickstart passes ``freq="D"`` with the *weekly* CDNOW
summary, so each of its "months" is really 30 weeks. Passing ``time_unit_days=1`` on weekly data
reproduces those published figures exactly; ``time_unit_days=7`` gives the true 12 months.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scoring.clv.errors import CLVInputError
from scoring.clv.gammagamma import GammaGamma

__all__ = ["DAYS_PER_MONTH", "TransactionModel", "customer_lifetime_value"]

FloatArray = NDArray[np.float64]

DAYS_PER_MONTH = 30.0


class TransactionModel(Protocol):
    """Anything that predicts cumulative expected purchases: :class:`BGNBD` and :class:`ParetoNBD` do."""

    def conditional_expected_purchases(
        self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...


def customer_lifetime_value(
    transactions: TransactionModel,
    spend: GammaGamma,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    zbar: ArrayLike,
    *,
    time_unit_days: float,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
) -> FloatArray:
    """Discounted expected profit of each customer over the next ``months`` months.

    ``margin`` turns expected revenue into profit (1.0 keeps revenue, as lifetimes does).
    """
    if not time_unit_days > 0:
        raise CLVInputError(f"time_unit_days must be > 0, got {time_unit_days!r}")
    if int(months) != months or months < 1:
        raise CLVInputError(f"months must be a whole number >= 1, got {months!r}")
    if not monthly_discount_rate > -1:
        raise CLVInputError(f"monthly_discount_rate must be > -1, got {monthly_discount_rate!r}")
    if not 0 <= margin <= 1:
        raise CLVInputError(f"margin must be between 0 and 1, got {margin!r}")
    per_month = DAYS_PER_MONTH / time_unit_days
    value = spend.conditional_expected_spend(x, zbar) * margin
    clv = np.zeros_like(value)
    previous = np.zeros_like(value)
    for month in range(1, int(months) + 1):
        cumulative = transactions.conditional_expected_purchases(month * per_month, x, t_x, T)
        clv = clv + value * (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return clv
