"""Recency, frequency, monetary and average order value against values worked out by hand."""

from __future__ import annotations

import math

import pytest

NAN = math.nan


@pytest.fixture
def shop(build):
    """Customer 1 buys often, 2 twice long ago, 3 only has a refund, 4 never buys; 99 is unknown."""
    return build.frames(
        customers=build.customers([1, 2, 3, 4]),
        orders=build.orders(
            [
                (1, 10, 100.0, "order"),
                (1, 40, 50.0, "invoice"),
                (1, 5, -30.0, "refund"),
                (1, 400, 1000.0, "order"),  # outside the 365-day window
                (2, 200, 20.0),
                (2, 200, 40.0),
                (2, -5, 500.0),  # after as_of: ignored everywhere
                (3, 3, -10.0, "refund"),
                (99, 1, 70.0),  # customer not in the customers frame
            ]
        ),
    )


def test_recency_is_days_since_the_last_purchase_and_ignores_refunds_and_future_orders(build, shop):
    assert build.indicator(shop, "recency") == pytest.approx({1: 10.0, 2: 200.0, 3: NAN, 4: NAN}, nan_ok=True)


def test_recency_looks_at_all_history_not_just_the_window(build):
    frames = build.frames(customers=build.customers([1]), orders=build.orders([(1, 900, 5.0)]))
    assert build.indicator(frames, "recency", window_days=30) == {1: 900.0}


def test_recency_counts_fractions_of_a_day(build):
    frames = build.frames(customers=build.customers([1]), orders=build.orders([(1, 0.25, 5.0)]))
    assert build.indicator(frames, "recency") == pytest.approx({1: 0.25})


def test_frequency_counts_orders_and_invoices_in_the_window_but_not_refunds(build, shop):
    assert build.indicator(shop, "frequency") == {1: 2.0, 2: 2.0, 3: 0.0, 4: 0.0}


def test_order_kinds_param_restricts_what_counts_as_a_purchase(build, shop):
    assert build.indicator(shop, "frequency", {"order_kinds": ["order"]}) == {1: 1.0, 2: 2.0, 3: 0.0, 4: 0.0}


def test_frequency_window_includes_as_of_and_excludes_the_far_edge(build):
    frames = build.frames(
        customers=build.customers([1]),
        orders=build.orders([(1, 0, 1.0), (1, 29.999, 1.0), (1, 30, 1.0), (1, 31, 1.0)]),
    )
    assert build.indicator(frames, "frequency", window_days=30) == {1: 2.0}


def test_monetary_is_net_of_refunds_in_the_window(build, shop):
    assert build.indicator(shop, "monetary") == pytest.approx({1: 120.0, 2: 60.0, 3: -10.0, 4: 0.0})


def test_monetary_with_only_orders_still_subtracts_refunds(build, shop):
    assert build.indicator(shop, "monetary", {"order_kinds": ["order"]}) == pytest.approx(
        {1: 70.0, 2: 60.0, 3: -10.0, 4: 0.0}
    )


def test_average_order_value_is_purchase_amount_over_purchase_count(build, shop):
    assert build.indicator(shop, "average_order_value") == pytest.approx(
        {1: 75.0, 2: 30.0, 3: NAN, 4: NAN}, nan_ok=True
    )


def test_window_days_param_overrides_the_config_window(build, shop):
    assert build.indicator(shop, "frequency", {"window_days": 30}) == {1: 1.0, 2: 0.0, 3: 0.0, 4: 0.0}
