"""Retention, churn, win-back, retention cost and repurchase on the hand-built portfolio."""

from __future__ import annotations

import math

import pytest

from scoring.kpis import (
    active_customers,
    churn_rate,
    new_customers,
    repurchase_rate,
    retention_cost,
    retention_counts,
    retention_rate,
    win_back_rate,
)

from .conftest import Q1, ts


def test_active_customers_bought_within_the_inactivity_window(orders):
    assert active_customers(orders, ts("2025-01-01"), 90) == {1, 2}
    assert active_customers(orders, ts("2025-04-01"), 90) == {1, 3, 5, 6}


def test_new_customers_made_their_first_purchase_in_the_period(orders):
    assert new_customers(orders, Q1) == {5, 6}


def test_retention_rate_is_end_minus_new_over_start(orders):
    counts = retention_counts(orders, Q1, 90)
    assert (len(counts.start_active), len(counts.end_active), len(counts.new)) == (2, 4, 2)
    assert retention_rate(counts) == pytest.approx(100 * (4 - 2) / 2)


def test_churn_counts_start_customers_not_active_at_the_end(orders):
    # (E - N)/S credits C's comeback to retention; churn only sees that B left: the gap is documented.
    counts = retention_counts(orders, Q1, 90)
    assert counts.lost == {2} and counts.retained == {1}
    assert churn_rate(counts) == pytest.approx(50.0)


def test_win_back_success_is_lapsed_customers_who_bought_again(orders):
    counts = retention_counts(orders, Q1, 90)
    assert counts.lapsed_at_start == {3, 4} and counts.won_back == {3}
    assert win_back_rate(counts) == pytest.approx(50.0)


def test_retention_cost_is_spend_per_retained_customer(orders):
    assert retention_cost(300.0, retention_counts(orders, Q1, 90)) == pytest.approx(300.0)


def test_repurchase_rate_is_buyers_with_two_purchases_over_buyers(orders):
    # buyers in Q1: A 1, C 1, E 2, F 1 (G only refunded)
    assert repurchase_rate(orders, Q1) == pytest.approx(25.0)


def test_rates_with_an_empty_denominator_are_missing_not_an_error(orders):
    empty = orders.iloc[0:0]
    counts = retention_counts(empty, Q1, 90)
    assert all(math.isnan(v) for v in (retention_rate(counts), churn_rate(counts), win_back_rate(counts)))
    assert math.isnan(repurchase_rate(empty, Q1)) and math.isnan(retention_cost(10.0, counts))
