"""The indicator library is a registry keyed by kind."""

from __future__ import annotations

import pytest

from scoring.indicators import get_kind, kinds, register, resolve_params

BUILT_IN = {
    "recency",
    "frequency",
    "monetary",
    "average_order_value",
    "csat",
    "nps",
    "complaint_rate",
    "interaction_rate",
    "repurchase",
    "first_response_time",
    "resolution_time",
    "customer_contribution",
    "historical_clv",
    "cross_sell",
    "up_sell_rate",
    "win_back",
}


def test_the_built_in_kinds_are_registered():
    assert set(kinds()) == BUILT_IN


def test_registering_a_kind_twice_is_refused():
    with pytest.raises(ValueError, match="'recency' is registered twice"):
        register("recency", unit="days", summary="again")(lambda data, params: None)  # type: ignore[arg-type,return-value]


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown indicator kind 'recncy'; known kinds: average_order_value"):
        get_kind("recncy")


def test_params_fall_back_to_the_kind_defaults_and_the_config_window():
    p = resolve_params(get_kind("csat"), {"satisfied": [5]}, default_window=90)
    assert p.window_days == 90
    assert p["satisfied"] == [5]
    assert p["scale_max"] == 5


def test_a_window_days_param_wins_over_the_config_window():
    assert resolve_params(get_kind("frequency"), {"window_days": 30}, default_window=365).window_days == 30
