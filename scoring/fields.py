"""Canonical per-customer fields that formulas may use, computed lazily from the frames.

A formula like ``revenue_window / max(orders_window, 1)`` names fields, not tables: these are the
numbers every CRM can supply through the canonical model. Each is computed only when some formula
uses it. ``_window`` fields use the config's ``window_days``; ``_total`` fields all history up to
as_of. Missing (NaN) only where documented (a customer without a creation date has no tenure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from scoring.indicators.context import ScoringData

__all__ = ["FIELDS", "FieldTable"]

_PURCHASE_KINDS = ("order", "invoice")


def _orders(data: ScoringData, window: float | None, kinds: tuple[str, ...]) -> np.ndarray:
    age = data.age_days("orders", "ordered_at")
    mask = data.is_in("orders", "kind", kinds) & (age >= 0) & (data.positions("orders") >= 0)
    if window is not None:
        mask &= age < window
    return mask


def _amount(data: ScoringData) -> np.ndarray:
    return data.frame("orders")["amount"].to_numpy(dtype=np.float64)


def _count(frame: str, column: str) -> Callable[[ScoringData, float], np.ndarray]:
    return lambda d, w: d.count(frame, d.in_window(frame, column, w))


def _open_cases(d: ScoringData, w: float) -> np.ndarray:
    opened = d.age_days("cases", "opened_at")
    closed = d.age_days("cases", "closed_at")
    with np.errstate(invalid="ignore"):
        still_open = (opened >= 0) & ~(closed >= 0) & (d.positions("cases") >= 0)
    return d.count("cases", still_open)


def _first_order_days(d: ScoringData, w: float) -> np.ndarray:
    age = d.age_days("orders", "ordered_at")
    mask = _orders(d, None, _PURCHASE_KINDS)
    out = np.full(d.n, -np.inf)
    np.maximum.at(out, d.positions("orders")[mask], age[mask])
    out[np.isinf(out)] = np.nan
    return out


def _flag(column: str, value: object) -> Callable[[ScoringData, float], np.ndarray]:
    return lambda d, w: (d.frame("customers")[column].to_numpy() == value).astype(np.float64)


# name -> (compute(data, window_days), description)
FIELDS: Mapping[str, tuple[Callable[[ScoringData, float], np.ndarray], str]] = MappingProxyType(
    {
        "tenure_days": (
            lambda d, w: np.where(d.age_days("customers", "created_at") >= 0, d.age_days("customers", "created_at"), np.nan)
            if d.n
            else np.empty(0),
            "days since the customer was created (missing without a creation date)",
        ),
        "is_company": (_flag("kind", "company"), "1 for a company, 0 for a person"),
        "is_active": (_flag("active", True), "1 if the customer is active in the CRM, else 0"),
        "orders_window": (lambda d, w: d.count("orders", _orders(d, w, _PURCHASE_KINDS)), "purchases in the window"),
        "orders_total": (lambda d, w: d.count("orders", _orders(d, None, _PURCHASE_KINDS)), "purchases, all history"),
        "revenue_window": (
            lambda d, w: d.total("orders", _orders(d, w, (*_PURCHASE_KINDS, "refund")), _amount(d)),
            "net amount in the window (purchases plus refunds)",
        ),
        "revenue_total": (
            lambda d, w: d.total("orders", _orders(d, None, (*_PURCHASE_KINDS, "refund")), _amount(d)),
            "net amount, all history",
        ),
        "refunds_window": (
            lambda d, w: -d.total("orders", _orders(d, w, ("refund",)), _amount(d)),
            "refunded amount in the window, as a positive number",
        ),
        "days_since_last_order": (
            lambda d, w: d.minimum("orders", _orders(d, None, _PURCHASE_KINDS), d.age_days("orders", "ordered_at")),
            "days since the latest purchase (missing if none)",
        ),
        "days_since_first_order": (_first_order_days, "days since the first purchase (missing if none)"),
        "cases_window": (_count("cases", "opened_at"), "cases opened in the window"),
        "complaints_window": (
            lambda d, w: d.count(
                "cases", d.in_window("cases", "opened_at", w) & d.frame("cases")["is_complaint"].to_numpy(dtype=bool)
            ),
            "complaint cases opened in the window",
        ),
        "open_cases": (_open_cases, "cases opened by as_of and not closed by then"),
        "activities_window": (_count("activities", "occurred_at"), "activities in the window"),
        "surveys_window": (_count("surveys", "responded_at"), "survey answers in the window"),
    }
)


class FieldTable:
    """Field values for one scoring run, computed on first use and kept for the run."""

    def __init__(self, data: ScoringData, window_days: float) -> None:
        self._data = data
        self._window = float(window_days)
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            compute, _ = FIELDS[name]
            self._cache[name] = np.asarray(compute(self._data, self._window), dtype=np.float64)
        return self._cache[name]
