"""Drivers of a gradient-boosted churn model: occlusion effects against a stored reference customer.

The logistic model's additive drivers are specified in test_model.py; here the model has no
additive form, so a feature's contribution is how much the log-odds fall when it alone is set to
the reference customer's value (training median / most frequent training category).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.churn import (
    ChurnModel,
    driver_contributions,
    drivers_unavailable,
    top_drivers,
    train_churn_model,
)


def _one_signal(n: int, seed: int) -> pd.DataFrame:
    """Churn rises steeply with recency (log-odds −3 at 0 days to +3 at 360) and not at all with noise."""
    rng = np.random.default_rng(seed)
    recency = rng.uniform(0, 365, n)
    noise = rng.normal(0.0, 1.0, n)
    churned = rng.uniform(0, 1, n) < 1 / (1 + np.exp(-(recency - 180) / 60))
    return pd.DataFrame({"recency": recency, "noise": noise, "churned": churned})


def _with_text(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    recency = rng.uniform(0, 365, n)
    spend = rng.gamma(2.0, 100.0, n)
    plan = rng.choice(["monthly", "yearly", "yearly"], n)  # yearly is the most frequent
    logit = -2 + recency / 80 - spend / 300 - 1.0 * (plan == "yearly")
    churned = rng.uniform(0, 1, n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"recency": recency, "spend": spend, "plan": plan, "churned": churned})


@pytest.fixture(scope="module")
def boosted() -> ChurnModel:
    return train_churn_model(_with_text(), "churned", model="gradient_boosting", calibrate=False)


def _log_odds(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def test_the_reference_customer_is_the_training_median_and_most_frequent_category(boosted: ChurnModel) -> None:
    table = _with_text()
    assert boosted.reference == {
        "recency": pytest.approx(table["recency"].median()),
        "spend": pytest.approx(table["spend"].median()),
        "plan": "yearly",
    }


def test_a_features_contribution_is_the_log_odds_lost_by_setting_it_to_the_reference(boosted: ChurnModel) -> None:
    row = pd.DataFrame({"recency": [320.0], "spend": [40.0], "plan": ["monthly"]})
    contributions = driver_contributions(boosted, row).iloc[0]
    assert boosted.reference is not None
    for feature in ("recency", "spend", "plan"):
        occluded = row.copy()
        occluded[feature] = boosted.reference[feature]
        expected = _log_odds(boosted.raw_probability(row)) - _log_odds(boosted.raw_probability(occluded))
        assert contributions[feature] == pytest.approx(expected[0], rel=1e-9, abs=1e-12)
    assert contributions["recency"] > 0  # 320 quiet days against a median of about 180


def test_a_customer_equal_to_the_reference_on_every_feature_has_no_drivers(boosted: ChurnModel) -> None:
    assert boosted.reference is not None
    typical = pd.DataFrame({f: [v] for f, v in boosted.reference.items()})
    assert driver_contributions(boosted, typical).iloc[0].tolist() == [0.0, 0.0, 0.0]
    assert top_drivers(boosted, typical).empty


def test_a_customers_drivers_do_not_depend_on_who_else_is_scored(boosted: ChurnModel) -> None:
    table = _with_text(50, seed=9).drop(columns="churned")
    together = driver_contributions(boosted, table)
    alone = driver_contributions(boosted, table.iloc[[7]])
    assert alone.iloc[0].to_numpy() == pytest.approx(together.iloc[7].to_numpy(), rel=1e-12)


def test_high_risk_customers_are_driven_up_by_the_feature_churn_depends_on_and_not_by_noise() -> None:
    model = train_churn_model(_one_signal(4000, seed=1), "churned", model="gradient_boosting", calibrate=False)
    scored = _one_signal(500, seed=2).drop(columns="churned")
    high = model.raw_probability(scored) > 0.8
    assert high.sum() > 50
    drivers = top_drivers(model, scored[high], n=1)
    top_up = drivers[drivers["direction"] == "up"]
    assert len(top_up) == high.sum()
    assert (top_up["feature"] == "recency").mean() >= 0.95
    # 300 unregularised boosting rounds fit some noise, so "near zero" is judged against the signal.
    size = driver_contributions(model, scored[high]).abs().median()
    assert size["recency"] > 1.0
    assert size["noise"] < 0.2 * size["recency"]


def test_a_boosted_model_saved_without_a_reference_gives_no_drivers_and_says_why(boosted: ChurnModel) -> None:
    old = ChurnModel(**{**vars(boosted), "reference": None})
    why = drivers_unavailable(old)
    assert why == (
        "this gradient_boosting model was saved without the reference customer its drivers are measured "
        "against, so it gives no per-customer drivers (retrain it to get them)"
    )
    with pytest.raises(ValueError, match="saved without the reference customer"):
        driver_contributions(old, _with_text(5).drop(columns="churned"))
    assert drivers_unavailable(boosted) is None


def test_a_logistic_model_needs_no_reference_for_its_drivers() -> None:
    model = train_churn_model(_with_text(), "churned", calibrate=False)
    old = ChurnModel(**{**vars(model), "reference": None})
    table = _with_text(5).drop(columns="churned")
    assert drivers_unavailable(old) is None
    assert driver_contributions(old, table).to_numpy() == pytest.approx(driver_contributions(model, table).to_numpy())
