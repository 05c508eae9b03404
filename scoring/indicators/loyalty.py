"""Indicators about buying again: repurchase, up-sell rate and win-back.

All three look at a customer's purchases in time order, so they share one sorted view of the
purchase history. Purchases at the same instant are merged into one (amounts summed): a basket
split into two order rows is one purchase, and merging makes "the previous purchase" well defined
without inventing an order between rows the CRM stamped identically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.purchases import PURCHASE_DEFAULTS, purchase_rows
from scoring.indicators.registry import register

__all__ = ["PurchaseHistory", "purchase_history"]

_ORDERS = "orders"


@dataclass(frozen=True)
class PurchaseHistory:
    """Every purchase up to as_of, one row per (customer, instant), oldest first per customer.

    ``gap`` is the days since the same customer's previous purchase (NaN for their first), and
    ``prev_amount`` that purchase's amount.
    """

    pos: np.ndarray
    age: np.ndarray
    amount: np.ndarray
    gap: np.ndarray
    prev_amount: np.ndarray


def purchase_history(data: ScoringData, p: IndicatorParams) -> PurchaseHistory:
    """The sorted, merged purchase history (computed once per run and set of order kinds)."""
    return data.memo(("purchase_history", tuple(p["order_kinds"])), lambda: _history(data, p))


def _history(data: ScoringData, p: IndicatorParams) -> PurchaseHistory:
    age = data.age_days(_ORDERS, "ordered_at")
    pos = data.positions(_ORDERS)
    mask = purchase_rows(data, p) & (age >= 0) & (pos >= 0)
    amount = data.frame(_ORDERS)["amount"].to_numpy(dtype=np.float64)[mask] if mask.any() else np.empty(0)
    pos, age = pos[mask], age[mask]
    # Per customer, oldest first: one integer sort on (position, rank of the age) is several times
    # faster than np.lexsort over the float ages; ties are merged below, so their order is moot.
    _, rank = np.unique(-age, return_inverse=True)
    order = np.argsort(pos.astype(np.int64) * max(rank.size, 1) + rank)
    pos, age, amount = pos[order], age[order], amount[order]
    new = np.ones(pos.size, dtype=bool)  # first row of each (customer, instant)
    new[1:] = (pos[1:] != pos[:-1]) | (age[1:] != age[:-1])
    starts = np.flatnonzero(new)
    p_, a_ = pos[starts].astype(np.int64), age[starts].astype(np.float64)
    m_ = np.add.reduceat(amount, starts) if starts.size else np.empty(0)
    same = np.zeros(p_.size, dtype=bool)
    same[1:] = p_[1:] == p_[:-1]
    gap = np.full(p_.size, np.nan)
    prev = np.full(p_.size, np.nan)
    gap[1:] = np.where(same[1:], a_[:-1] - a_[1:], np.nan)
    prev[1:] = np.where(same[1:], m_[:-1], np.nan)
    return PurchaseHistory(pos=p_, age=a_, amount=m_, gap=gap, prev_amount=prev)


def _per_customer(data: ScoringData, pos: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(pos, weights=weights, minlength=data.n).astype(np.float64)


@register(
    "repurchase",
    unit="1 = bought again",
    summary="1 if the customer made at least `min_purchases` purchases in the window, 0 if fewer but at least one; missing if none.",
    defaults={**PURCHASE_DEFAULTS, "min_purchases": 2},
)
def repurchase(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    h = purchase_history(data, p)
    count = _per_customer(data, h.pos[h.age < p.window_days])
    values = np.where(count >= int(p["min_purchases"]), 1.0, 0.0)
    return IndicatorOutput(np.where(count > 0, values, np.nan))


@register(
    "up_sell_rate",
    unit="% of purchases",
    summary="Share (0-100) of the customer's purchases in the window that were larger than their previous purchase.",
    defaults={**PURCHASE_DEFAULTS, "min_increase_percent": 0},
)
def up_sell_rate(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    h = purchase_history(data, p)
    eligible = (h.age < p.window_days) & ~np.isnan(h.prev_amount)
    threshold = h.prev_amount * (1.0 + float(p["min_increase_percent"]) / 100.0)
    with np.errstate(invalid="ignore"):
        larger = eligible & (h.amount > threshold)
    total = _per_customer(data, h.pos[eligible])
    ups = _per_customer(data, h.pos[larger])
    with np.errstate(invalid="ignore", divide="ignore"):
        return IndicatorOutput(np.where(total > 0, 100.0 * ups / total, np.nan))


@register(
    "win_back",
    unit="1 = won back",
    summary="1 if a purchase in the window came at least `gap_days` after the customer's previous one; 0 for other buyers; missing if the customer never bought.",
    defaults={**PURCHASE_DEFAULTS, "gap_days": 180},
)
def win_back(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    h = purchase_history(data, p)
    with np.errstate(invalid="ignore"):
        returned = (h.age < p.window_days) & (h.gap >= float(p["gap_days"]))
    bought = _per_customer(data, h.pos) > 0
    back = _per_customer(data, h.pos[returned]) > 0
    return IndicatorOutput(np.where(bought, back.astype(np.float64), np.nan))
