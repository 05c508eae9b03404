"""What customers buy: orders (and refunds) with their lines, and B2B sales opportunities.

Persons buy often and little, companies seldom and a lot. Most lines come from a customer's
favourite category; loyal (low-hazard) customers spread over more categories, which is what a
cross-sell indicator sees. Refunds grow more frequent as a customer heads for churn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmscore.sample import words as w
from crmscore.sample.events import events
from crmscore.sample.population import Cohort
from crmscore.sample.text import DAY, concat, ids, iso

__all__ = ["Purchases", "opportunity_rows", "purchases"]

_SEASON = 0.25  # B2C demand swings ±25% over the year, peaking mid-December
_CATEGORIES = len(w.PRODUCT_CATEGORIES)


@dataclass
class Purchases:
    orders: pd.DataFrame
    lines: pd.DataFrame
    n_orders: int  # positive orders (refunds not included), for the running id counter
    n_refunds: int


def _season(t: np.ndarray) -> np.ndarray:
    day_of_year = (t / DAY) % 365.25
    return 1.0 + _SEASON * np.cos(2 * np.pi * (day_of_year - 350) / 365.25)


def purchases(rng: np.random.Generator, c: Cohort, *, first_order: int, first_line: int, first_refund: int) -> Purchases:
    n = c.n
    base = np.where(c.b2b, 0.9, 2.1) * np.exp(rng.normal(0.0, 0.5, n)) * (0.8 + 0.4 * c.loyalty)
    peak = 1.0 + _SEASON

    def accept(who: np.ndarray, t: np.ndarray) -> np.ndarray:
        seasonal = np.where(c.b2b[who], peak, _season(t))
        return c.vitality(who, t) * seasonal / peak

    who, t = events(rng, c, base * peak, accept)
    m = len(who)
    b2b = c.b2b[who]

    # Lines: 1–3 per order, companies tend to more.
    u = rng.random(m)
    per = np.where(b2b, 1 + (u > 0.3) + (u > 0.7), 1 + (u > 0.6) + (u > 0.9))
    order_of_line = np.repeat(np.arange(m), per)
    k = len(order_of_line)
    cust = who[order_of_line]
    stray = rng.random(k) < 0.3 + 0.55 * c.loyalty[cust]  # chance of leaving the favourite category
    category = np.where(stray, rng.integers(0, _CATEGORIES, k), c.favourite[cust])
    product = category * 6 + rng.integers(0, 6, k)
    quantity = np.where(c.b2b[cust], 1 + rng.poisson(8.0, k), 1 + rng.poisson(0.3, k))
    unit = w.PRODUCT_PRICES[product] * np.exp(rng.normal(0.0, 0.05, k)) * np.where(c.b2b[cust], 0.9, 1.0)
    line_amount = np.round(quantity * unit, 2)
    amount = np.round(np.bincount(order_of_line, weights=line_amount, minlength=m), 2)

    order_ids = ids("O", np.arange(first_order, first_order + m), 8)
    cancelled = rng.random(m) < np.where(b2b, 0.02, 0.03)
    unpaid = b2b & (t > c.as_of - 30 * DAY) & (rng.random(m) < 0.6)
    status = np.where(cancelled, "cancelled", np.where(b2b, np.where(unpaid, "open", "paid"), "completed"))
    currency = w.COUNTRY_CURRENCY[c.country[who]]
    modified = np.minimum(t + (rng.random(m) * 3 * DAY).astype(np.int64), c.as_of)

    # Refunds: a few orders come back, more of them as the customer sours; never after churn.
    refund = ~cancelled & (rng.random(m) < 0.02 + 0.1 * c.decline(who, t))
    refund_at = t + (rng.uniform(2, 30, m) * DAY).astype(np.int64)
    refund &= refund_at < c.end[who]
    share = np.where(rng.random(m) < 0.6, 1.0, rng.uniform(0.2, 0.8, m))
    r = int(refund.sum())

    orders = pd.DataFrame(
        {
            "external_id": np.concatenate([order_ids, ids("R", np.arange(first_refund, first_refund + r), 8)]).astype(object),
            "customer_external_id": np.concatenate([c.ids[who], c.ids[who[refund]]]).astype(object),
            "kind": np.concatenate([np.where(b2b, "invoice", "order"), np.full(r, "refund")]).astype(object),
            "ordered_at": iso(np.concatenate([t, refund_at[refund]])),
            "amount": np.concatenate([amount, -np.round(amount[refund] * share[refund], 2)]),
            "currency": np.concatenate([currency, currency[refund]]).astype(object),
            "status": np.concatenate([status, np.full(r, "refunded")]).astype(object),
            "modified_at": iso(np.concatenate([modified, refund_at[refund]])),
        }
    )
    lines = pd.DataFrame(
        {
            "external_id": ids("OL", np.arange(first_line, first_line + k), 9).astype(object),
            "order_external_id": order_ids[order_of_line].astype(object),
            "product": w.PRODUCTS[product].astype(object),
            "category": w.PRODUCT_CATEGORIES[category].astype(object),
            "quantity": quantity,
            "amount": line_amount,
            "modified_at": iso(modified[order_of_line]),
        }
    )
    return Purchases(orders=orders, lines=lines, n_orders=m, n_refunds=r)


_OPEN_STAGES = np.array(["Prospecting", "Qualification", "Proposal", "Negotiation"])


def opportunity_rows(rng: np.random.Generator, c: Cohort, first_number: int) -> pd.DataFrame:
    """Deals with company customers; fading customers win fewer of them."""
    rate = np.where(c.b2b, 0.12, 0.0)
    who, t = events(rng, c, rate)
    m = len(who)
    close = t + (rng.uniform(14, 120, m) * DAY).astype(np.int64)
    decided = close <= np.minimum(c.as_of, c.churn_at[who])
    lost_to_churn = ~decided & (c.churn_at[who] <= c.as_of)  # the customer left before deciding
    won = decided & (rng.random(m) < 0.5 - 0.35 * c.decline(who, close))
    status = np.where(won, "won", np.where(decided | lost_to_churn, "lost", "open"))
    stage = np.where(
        status == "won",
        "Closed Won",
        np.where(status == "lost", "Closed Lost", _OPEN_STAGES[rng.integers(0, len(_OPEN_STAGES), m)]),
    )
    closed_at = np.where(lost_to_churn, c.churn_at[who], close)
    category = w.PRODUCT_CATEGORIES[rng.integers(0, _CATEGORIES, m)]
    return pd.DataFrame(
        {
            "external_id": ids("OP", np.arange(first_number, first_number + m), 7).astype(object),
            "customer_external_id": c.ids[who].astype(object),
            "name": concat(c.names[who], " - ", category, " deal").astype(object),
            "amount": np.round(np.exp(rng.normal(np.log(15_000), 0.8, m)), -1).astype(np.int64),
            "stage": stage.astype(object),
            "status": status.astype(object),
            "created_at": iso(t),
            "expected_close_at": iso(close),
            "closed_at": iso(closed_at, missing=status == "open"),
            "modified_at": iso(np.where(status == "open", t, closed_at)),
        }
    )
