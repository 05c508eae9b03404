"""Indicators about what a customer is worth: revenue share, historical CLV and cross-sell breadth.

Historical CLV reuses :func:`scoring.clv.historical_clv` so the per-customer number and the CLV
module agree to the cent; predictive CLV (BG/NBD × Gamma-Gamma) and churn risk are fitted models and
arrive as their own kinds with the predictive-scoring work (see docs/indicators.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.clv.simple import historical_clv as _historical_clv
from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.purchases import PURCHASE_DEFAULTS, purchase_rows, window_rows
from scoring.indicators.registry import register

__all__: list[str] = []

_ORDERS = "orders"
_DAYS_PER_YEAR = 365.0


@register(
    "customer_contribution",
    unit="% of revenue",
    summary="The customer's net amount in the window as a share (0-100) of the whole portfolio's net amount in the window.",
    defaults=PURCHASE_DEFAULTS,
)
def customer_contribution(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    counted = (purchase_rows(data, p) | data.is_in(_ORDERS, "kind", ["refund"])) & window_rows(data, p)
    amount = data.frame(_ORDERS)["amount"].to_numpy(dtype=np.float64)
    net = data.total(_ORDERS, counted, amount)
    total = float(net.sum())
    if total <= 0:  # no revenue (or refunds outweigh it): a share of nothing is not a number
        return IndicatorOutput(np.full(data.n, np.nan))
    return IndicatorOutput(100.0 * net / total)


@register(
    "historical_clv",
    unit="amount",
    summary="Average order value × purchases per year × gross margin × lifespan in years, from the window's purchases.",
    defaults={**PURCHASE_DEFAULTS, "gross_margin": 0.3, "lifespan_years": 3},
)
def historical_clv(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    mask = purchase_rows(data, p) & window_rows(data, p)
    amount = data.frame(_ORDERS)["amount"].to_numpy(dtype=np.float64)
    count = data.count(_ORDERS, mask)
    total = data.total(_ORDERS, mask, amount)
    has = count > 0
    values = np.full(data.n, np.nan)
    values[has] = _historical_clv(
        total[has] / count[has],
        count[has] * _DAYS_PER_YEAR / p.window_days,
        float(p["gross_margin"]),
        float(p["lifespan_years"]),
    )
    return IndicatorOutput(values)


@register(
    "cross_sell",
    unit="categories",
    summary="Number of distinct product categories in the customer's order lines in the window; 0 if none.",
    reads=("order_lines",),
)
def cross_sell(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    lines = data.frame("order_lines")
    if lines.empty:
        return IndicatorOutput(np.zeros(data.n))
    mask = data.in_window("order_lines", "ordered_at", p.window_days)
    codes, _ = pd.factorize(lines["category"])  # a missing category is code -1: not a category
    mask &= codes >= 0
    pairs = pd.DataFrame({"pos": data.positions("order_lines")[mask], "cat": codes[mask]}).drop_duplicates()
    return IndicatorOutput(np.bincount(pairs["pos"].to_numpy(), minlength=data.n).astype(np.float64))
