"""Repurchase, up-sell rate and win-back against values worked out by hand."""

from __future__ import annotations

import math

import pytest

NAN = math.nan


@pytest.fixture
def history(build):
    """Purchases in time order (days before as_of):

    1: 500 (100), 300 (80), 20 (120), 10 (150)  -> back after 280 days; 2 of 2 in-window are bigger
    2: 40 (50), 40 (30) same instant, 5 (60)    -> merged 80 then 60: no up-sell, 2 purchases
    3: 100 (10) and a refund                    -> one purchase
    4: 900 (10)                                 -> bought long ago only
    5: nothing
    """
    return build.frames(
        customers=build.customers([1, 2, 3, 4, 5]),
        orders=build.orders(
            [
                (1, 500, 100.0),
                (1, 300, 80.0),
                (1, 20, 120.0),
                (1, 10, 150.0),
                (2, 40, 50.0),
                (2, 40, 30.0),
                (2, 5, 60.0),
                (3, 100, 10.0),
                (3, 50, -10.0, "refund"),
                (4, 900, 10.0),
                (1, -3, 999.0),  # after as_of: ignored
            ]
        ),
    )


def test_repurchase_is_one_for_two_or_more_purchases_in_the_window(build, history):
    assert build.indicator(history, "repurchase") == pytest.approx({1: 1.0, 2: 1.0, 3: 0.0, 4: NAN, 5: NAN}, nan_ok=True)


def test_repurchase_threshold_is_a_parameter(build, history):
    # 1 has 2 purchases in 365 days (20 and 10 days ago; 300 is inside too: 3), 2 has 2 (merged basket + 1)
    assert build.indicator(history, "repurchase", {"min_purchases": 3}) == pytest.approx(
        {1: 1.0, 2: 0.0, 3: 0.0, 4: NAN, 5: NAN}, nan_ok=True
    )


def test_up_sell_rate_is_the_share_of_purchases_bigger_than_the_previous_one(build, history):
    # 1 in window: 300 (80 after 100: no), 20 (120 after 80: yes), 10 (150 after 120: yes) -> 2/3
    # 2: merged 80 at 40 days (no previous), 60 after 80: no -> 0/1
    # 3: one purchase, no previous -> missing
    assert build.indicator(history, "up_sell_rate") == pytest.approx(
        {1: 200 / 3, 2: 0.0, 3: NAN, 4: NAN, 5: NAN}, nan_ok=True
    )


def test_up_sell_can_require_a_minimum_increase(build, history):
    # +50 % needed: 120 > 80 × 1.5 = 120? no (not strictly); 150 > 180? no
    assert build.indicator(history, "up_sell_rate", {"min_increase_percent": 50})[1] == 0.0
    # +25 %: 120 > 100 yes; 150 > 150 no -> 1/3
    assert build.indicator(history, "up_sell_rate", {"min_increase_percent": 25})[1] == pytest.approx(100 / 3)


def test_win_back_flags_a_purchase_after_a_long_gap(build, history):
    # 1: 300 -> 20 is a 280-day gap inside the window; 2, 3: no gap; 4 bought only 900 days ago
    assert build.indicator(history, "win_back") == pytest.approx({1: 1.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: NAN}, nan_ok=True)


def test_win_back_gap_is_a_parameter_and_inclusive(build, history):
    assert build.indicator(history, "win_back", {"gap_days": 280})[1] == 1.0
    assert build.indicator(history, "win_back", {"gap_days": 280.5})[1] == 0.0


def test_the_gap_must_end_inside_the_window(build, history):
    # with a 15-day window 1's return (20 days ago) is outside it
    assert build.indicator(history, "win_back", window_days=15)[1] == 0.0
