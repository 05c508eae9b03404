"""Indicators over orders: recency, frequency, monetary value and average order value.

"Purchases" are the order rows whose ``kind`` is in the ``order_kinds`` param (orders and invoices
by default; set it to one of them if your CRM records the same sale as both). Refunds (``kind ==
'refund'``, negative amounts) never count as purchases but do reduce the net monetary value.
Formulas and edge cases are in docs/indicators.md.
"""

from __future__ import annotations

import numpy as np

from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import register

__all__ = ["PURCHASE_DEFAULTS", "purchase_rows", "window_rows"]

_ORDERS = "orders"
PURCHASE_DEFAULTS = {"order_kinds": ("order", "invoice")}
_PURCHASE_DEFAULTS = PURCHASE_DEFAULTS


def purchase_rows(data: ScoringData, p: IndicatorParams) -> np.ndarray:
    """Order rows that are purchases (their kind is in ``order_kinds``)."""
    return data.is_in(_ORDERS, "kind", p["order_kinds"])


def window_rows(data: ScoringData, p: IndicatorParams) -> np.ndarray:
    """Order rows in the indicator's window whose customer is known."""
    return data.in_window(_ORDERS, "ordered_at", p.window_days)


_purchases = purchase_rows
_window = window_rows


@register(
    "recency",
    unit="days",
    summary="Days since the customer's last purchase (any time up to as_of); missing if none.",
    windowed=False,
    defaults=_PURCHASE_DEFAULTS,
)
def recency(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    age = data.age_days(_ORDERS, "ordered_at")
    mask = _purchases(data, p) & (age >= 0) & (data.positions(_ORDERS) >= 0)
    return IndicatorOutput(data.minimum(_ORDERS, mask, age))


@register(
    "frequency",
    unit="orders",
    summary="Number of purchases in the window (refunds excluded); 0 if none.",
    defaults=_PURCHASE_DEFAULTS,
)
def frequency(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    return IndicatorOutput(data.count(_ORDERS, _purchases(data, p) & _window(data, p)))


@register(
    "monetary",
    unit="amount",
    summary="Net amount in the window: purchases plus (negative) refunds; 0 if none.",
    defaults=_PURCHASE_DEFAULTS,
)
def monetary(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    counted = _purchases(data, p) | data.is_in(_ORDERS, "kind", ["refund"])
    amount = data.frame(_ORDERS)["amount"].to_numpy(dtype=np.float64)
    return IndicatorOutput(data.total(_ORDERS, counted & _window(data, p), amount))


@register(
    "average_order_value",
    unit="amount",
    summary="Purchase amount in the window divided by the number of purchases; missing if none.",
    defaults=_PURCHASE_DEFAULTS,
)
def average_order_value(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    mask = _purchases(data, p) & _window(data, p)
    amount = data.frame(_ORDERS)["amount"].to_numpy(dtype=np.float64)
    count = data.count(_ORDERS, mask)
    total = data.total(_ORDERS, mask, amount)
    with np.errstate(invalid="ignore", divide="ignore"):
        return IndicatorOutput(np.where(count > 0, total / count, np.nan))
