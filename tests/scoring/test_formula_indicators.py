"""``kind: formula`` indicators: computed from fields and other indicators, in dependency order."""

from __future__ import annotations

import math

import pytest

from scoring import score_customers
from scoring.config import IndicatorSpec
from scoring.engine import formula_order

NAN = math.nan


@pytest.fixture
def shop(build):
    return build.frames(
        customers=build.customers([1, 2, 3]),
        orders=build.orders([(1, 10, 100.0), (1, 20, 50.0), (1, 30, -30.0, "refund"), (2, 5, 80.0)]),
        surveys=build.surveys([(1, "nps", 9, 3), (3, "nps", 4, 3)]),
    )


def _values(result, key):
    rows = result.indicators[result.indicators["key"] == key]
    return dict(zip(rows["customer_id"], rows["value"], strict=True))


def formula(key, expression, **extra):
    return {"key": key, "kind": "formula", "expression": expression, "weight": 1, **extra}


def test_a_formula_over_canonical_fields_is_computed_per_customer(build, shop):
    config = build.config([formula("net_per_order", "revenue_window / max(orders_window, 1)")])
    result = score_customers(shop, config, build.as_of)
    # 1: (100 + 50 - 30) / 2; 2: 80 / 1; 3: 0 / max(0, 1)
    assert _values(result, "net_per_order") == pytest.approx({1: 60.0, 2: 80.0, 3: 0.0})


def test_a_formula_can_use_other_indicators_and_other_formulas_in_any_order(build, shop):
    indicators = [
        formula("doubled", "per_order * 2"),  # listed before what it uses
        formula("per_order", "monetary / frequency"),
        {"key": "monetary", "kind": "monetary", "weight": 1},
        {"key": "frequency", "kind": "frequency", "weight": 1},
    ]
    result = score_customers(shop, build.config(indicators), build.as_of)
    # 3 has no orders: 0 / 0 is missing, never an error, and missing stays missing
    assert _values(result, "per_order") == pytest.approx({1: 60.0, 2: 80.0, 3: NAN}, nan_ok=True)
    assert _values(result, "doubled") == pytest.approx({1: 120.0, 2: 160.0, 3: NAN}, nan_ok=True)


def test_missing_inputs_follow_the_formula_rules_and_coalesce_fills_them(build, shop):
    indicators = [
        {"key": "nps", "kind": "nps", "weight": 1},
        formula("nps_or_neutral", "coalesce(nps, 7)"),
        formula("promoter", "nps >= 9"),
    ]
    result = score_customers(shop, build.config(indicators), build.as_of)
    assert _values(result, "nps_or_neutral") == {1: 9.0, 2: 7.0, 3: 4.0}
    assert _values(result, "promoter") == pytest.approx({1: 1.0, 2: NAN, 3: 0.0}, nan_ok=True)


def test_formula_values_are_normalised_and_weighted_like_any_indicator(build, shop):
    config = build.config(
        [formula("orders", "orders_window", normalise={"method": "minmax", "min": 0, "max": 4})]
    )
    result = score_customers(shop, config, build.as_of)
    assert result.scores.set_index("customer_id")["health_score"].to_dict() == pytest.approx({1: 50.0, 2: 25.0, 3: 0.0})


def test_formula_order_puts_each_formula_after_the_formulas_it_uses():
    specs = (
        IndicatorSpec("c", "formula", 1, expression="b + a"),
        IndicatorSpec("b", "formula", 1, expression="a * 2"),
        IndicatorSpec("a", "formula", 1, expression="orders_window"),
        IndicatorSpec("r", "recency", 1),
    )
    assert formula_order(specs) == [2, 1, 0]


def test_a_cycle_that_slipped_past_validation_is_refused_not_looped_on():
    specs = (IndicatorSpec("a", "formula", 1, expression="b"), IndicatorSpec("b", "formula", 1, expression="a"))
    with pytest.raises(ValueError, match="cycle"):
        formula_order(specs)
