"""Customer contribution, historical CLV and cross-sell against values worked out by hand."""

from __future__ import annotations

import math

import pytest

NAN = math.nan


@pytest.fixture
def shop(build):
    return build.frames(
        customers=build.customers([1, 2, 3]),
        orders=build.orders(
            [
                (1, 10, 300.0),
                (1, 100, 100.0),
                (1, 20, -100.0, "refund"),
                (2, 50, 200.0),
                (2, 400, 5000.0),  # outside the window
            ]
        ),
        order_lines=build.order_lines(
            [
                (1, 10, "shoes"),
                (1, 10, "socks"),
                (1, 100, "shoes"),
                (2, 50, "hats"),
                (2, 400, "coats"),  # outside the window
                (3, 5, None),  # no category: not counted
            ]
        ),
    )


def test_contribution_is_the_customers_share_of_net_revenue_in_percent(build, shop):
    # net: 1 -> 300 + 100 - 100 = 300; 2 -> 200; total 500
    assert build.indicator(shop, "customer_contribution") == pytest.approx({1: 60.0, 2: 40.0, 3: 0.0})


def test_contribution_is_missing_when_the_portfolio_has_no_revenue(build):
    frames = build.frames(customers=build.customers([1]), orders=build.orders([(1, 5, -10.0, "refund")]))
    assert math.isnan(build.indicator(frames, "customer_contribution")[1])


def test_historical_clv_is_aov_times_yearly_purchases_times_margin_times_lifespan(build, shop):
    # 1: AOV (300 + 100) / 2 = 200; 2 purchases in 365 days = 2 a year; × 0.3 × 3 = 360
    # 2: AOV 200, 1 a year -> 200 × 1 × 0.3 × 3 = 180
    assert build.indicator(shop, "historical_clv") == pytest.approx({1: 360.0, 2: 180.0, 3: NAN}, nan_ok=True)


def test_historical_clv_margin_lifespan_and_window_are_parameters(build, shop):
    # 1 over 73 days: 1 purchase (300) -> 5 a year; 300 × 5 × 0.5 × 2 = 1500
    values = build.indicator(shop, "historical_clv", {"gross_margin": 0.5, "lifespan_years": 2}, window_days=73)
    assert values[1] == pytest.approx(1500.0)
    assert values[2] == pytest.approx(200 * 5 * 0.5 * 2)


def test_cross_sell_counts_distinct_categories_in_the_window(build, shop):
    assert build.indicator(shop, "cross_sell") == {1: 2.0, 2: 1.0, 3: 0.0}


def test_cross_sell_without_order_lines_is_zero(build):
    frames = build.frames(customers=build.customers([1, 2]))
    assert build.indicator(frames, "cross_sell") == {1: 0.0, 2: 0.0}
