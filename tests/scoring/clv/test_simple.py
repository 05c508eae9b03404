"""The simple CLV formulas, labelled, with the worked examples users check them against."""

from __future__ import annotations

import pytest

from scoring.clv import (
    CLV_METHODS,
    CLVInputError,
    historical_clv,
    retention_clv,
    retention_margin_multiple,
)


def test_retention_80_percent_at_10_percent_discount_is_worth_2_67_margins() -> None:
    assert round(float(retention_margin_multiple(0.8, 0.1)), 2) == 2.67


def test_retention_clv_is_margin_times_multiple_minus_acquisition_cost() -> None:
    assert float(retention_clv(100.0, 0.8, 0.1, acquisition_cost=50.0)) == pytest.approx(100 * 0.8 / 0.3 - 50)


def test_historical_clv_is_aov_times_yearly_purchases_times_margin_times_lifespan() -> None:
    assert historical_clv([50.0, 20.0], [4, 10], 0.3, 3).tolist() == pytest.approx([180.0, 180.0])


def test_all_three_methods_are_labelled_for_side_by_side_reports() -> None:
    assert set(CLV_METHODS) == {"historical", "retention", "probabilistic"}
    assert "r / (1 + i − r)" in CLV_METHODS["retention"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: retention_margin_multiple(1.0, 0.0), "infinite"),
        (lambda: retention_margin_multiple(1.2, 0.1), "retention_rate must be between 0 and 1"),
        (lambda: historical_clv(50, 4, 1.3, 3), "gross_margin must be between 0 and 1"),
        (lambda: historical_clv(50, float("nan"), 0.3, 3), "purchases_per_year must be finite"),
    ],
)
def test_impossible_inputs_are_refused_with_the_reason(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CLVInputError, match=message):
        call()
