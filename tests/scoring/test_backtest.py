"""The health-score backtest and suggested weights, on hand-built portfolios.

Snapshot t = AS_OF; times are days before t (negative = after t). Churn = no order or activity for
more than 30 days, looked at 60 days after t: a customer stays if seen in (t + 30, t + 60].
"""

from __future__ import annotations

import numpy as np
import pytest

from crmscore.config import config_from_dict
from scoring.backtest import (
    backtest_health,
    band_churn_rates,
    health_auc,
    nonnegative_logistic,
    suggest_weights,
)
from scoring.churn import ChurnDefinition

DEF = ChurnDefinition(kind="inactivity", horizon_days=60, inactivity_days=30)
RECENCY = {
    "key": "recency",
    "kind": "recency",
    "weight": 1,
    "direction": "lower_is_better",
    "normalise": {"method": "minmax", "min": 0, "max": 365},
}


def portfolio(build):  # type: ignore[no-untyped-def]
    # c1, c2 come back after t; c3, c5 go quiet; c4 was already gone (last seen 45 days before t).
    return build.frames(
        customers=build.customers([1, 2, 3, 4, 5]),
        orders=build.orders(
            [
                (1, 7, 10.0),
                (1, -55, 10.0),
                (2, 12, 10.0),
                (2, -50, 10.0),
                (3, 22, 10.0),
                (4, 45, 10.0),
                (5, 10, 10.0),
                (5, -10, 10.0),
            ]
        ),
    )


def test_low_health_ranking_churners_first_gives_the_hand_computed_auc() -> None:
    # churner at health 30 outranks non-churners at 90 and 80 but not 20: 2 of 3 pairs.
    assert health_auc([90, 80, 30, 20], [False, False, True, False]) == pytest.approx(
        2 / 3
    )


def test_customers_without_a_health_score_are_left_out_of_the_auc() -> None:
    assert health_auc([90, np.nan, 30], [False, True, True]) == pytest.approx(1.0)


def test_churn_rate_per_band_counts_customers_and_churners() -> None:
    table = band_churn_rates(
        ["Good", "Good", "At risk", "At risk", "At risk"],
        [False, False, True, False, True],
    )
    assert table.to_dict(orient="list") == {
        "band": ["Good", "At risk"],
        "customers": [2, 3],
        "churned": [0, 2],
        "churn_rate": [0.0, pytest.approx(2 / 3)],
    }


def test_backtest_scores_at_t_and_counts_churn_in_the_following_horizon(build) -> None:  # type: ignore[no-untyped-def]
    result = backtest_health(
        portfolio(build), build.config([RECENCY]), build.as_of, DEF
    )
    # eligible: 1, 2, 3, 5 (4 was gone at t); churned: 3 and 5.
    assert (result.customers, result.churned) == (4, 2)
    # recency (days): stayers 7, 12; churners 22 (beats both) and 10 (beats 7): 3 of 4 pairs.
    assert result.auc == pytest.approx(0.75)
    assert result.bands["customers"].sum() == 4
    assert result.bands["churned"].sum() == 2


def test_nonnegative_logistic_zeroes_a_feature_that_points_the_wrong_way() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (400, 2))
    y = rng.uniform(0, 1, 400) < 1 / (1 + np.exp(-(4 * x[:, 0] - 4 * x[:, 1])))
    coef, _ = nonnegative_logistic(x, y)
    assert coef[0] > 1.0
    assert coef[1] == 0.0


def test_suggested_weights_are_non_negative_and_the_draft_validates(build) -> None:  # type: ignore[no-untyped-def]
    frequency = {
        "key": "frequency",
        "kind": "frequency",
        "weight": 1,
        "normalise": {"method": "percentile"},
    }
    config = build.config([RECENCY, frequency], name="Test")
    weights, draft = suggest_weights(portfolio(build), config, build.as_of, DEF)
    assert set(weights) == {"recency", "frequency"}
    assert all(w >= 0 for w in weights.values())
    assert max(weights.values()) == 10.0
    checked = config_from_dict(draft)
    assert [i.weight for i in checked.indicators] == [
        weights["recency"],
        weights["frequency"],
    ]
    assert config.indicators[0].weight == 1  # the input config is untouched
