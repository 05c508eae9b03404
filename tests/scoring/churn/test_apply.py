"""Applying a trained churn model: a probability only where the model can honestly give one."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from scoring.churn import (
    ChurnModel,
    apply_churn_model,
    driver_contributions,
    train_churn_model,
    unusable_rows,
)


def _training(n: int = 600, seed: int = 1) -> pd.DataFrame:
    """recency drives churn; spend is missing for a tenth of the rows (so the model learns a
    missing flag for it); tenure is never missing; plan is text with two values."""
    rng = np.random.default_rng(seed)
    recency = rng.uniform(0, 365, n)
    spend = rng.gamma(2.0, 100.0, n)
    spend[rng.uniform(0, 1, n) < 0.1] = np.nan
    tenure = rng.uniform(30, 900, n)
    plan = rng.choice(["monthly", "yearly"], n)
    logit = -2 + recency / 80 - 1.0 * (plan == "yearly")
    churned = rng.uniform(0, 1, n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {"customer_id": np.arange(n), "recency": recency, "spend": spend, "tenure": tenure, "plan": plan,
         "churned": churned}
    )


@pytest.fixture(scope="module")
def model() -> ChurnModel:
    return train_churn_model(_training(), "churned", exclude=["customer_id"])


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13, 14],
            "recency": [5.0, 300.0, 40.0, 200.0, 100.0],
            "spend": [250.0, np.nan, 80.0, 10.0, 55.0],  # 11: missing, but the model has a flag for it
            "tenure": [400.0, 100.0, np.nan, 700.0, 300.0],  # 12: missing, and the model never saw that
            "plan": ["yearly", "monthly", "monthly", "weekly", "monthly"],  # 13: a plan it never saw
        }
    )


def test_rated_customers_get_the_models_own_calibrated_probability(model: ChurnModel) -> None:
    table = _customers()
    risk = apply_churn_model(model, table)
    rated = [0, 1, 4]
    assert risk.customer_id.tolist() == [10, 11, 12, 13, 14]
    assert risk.probability[rated] == pytest.approx(model.predict_proba(table.iloc[rated]))
    assert risk.rated == 3
    assert risk.probability[1] > risk.probability[0]  # 300 days quiet and monthly vs 5 days and yearly


def test_a_value_the_model_would_have_to_make_up_leaves_the_risk_empty_with_the_reason(model: ChurnModel) -> None:
    risk = apply_churn_model(model, _customers())
    assert np.isnan(risk.probability[[2, 3]]).all()
    assert risk.reason == [None, None, "no value for tenure", "plan 'weekly' was never seen in training", None]
    assert risk.drivers_of(2) is None and risk.drivers_of(3) is None


def test_customers_already_churned_by_the_definition_get_no_risk(model: ChurnModel) -> None:
    live = np.array([True, False, True, True, True])
    risk = apply_churn_model(model, _customers(), live=live)
    assert np.isnan(risk.probability[1])
    assert risk.reason[1] == "already churned by the model's definition"
    assert risk.reason[2] == "no value for tenure"  # the data problem is the reason that is kept
    assert risk.rated == 2


def test_a_feature_column_the_table_lacks_is_an_error_that_names_it(model: ChurnModel) -> None:
    with pytest.raises(ValueError, match="needs feature\\(s\\) spend, plan that this scoring run does not compute"):
        unusable_rows(model, _customers().drop(columns=["spend", "plan"]))


def test_drivers_are_the_models_largest_contributions_up_then_down_with_the_customers_values(
    model: ChurnModel,
) -> None:
    table = _customers()
    risk = apply_churn_model(model, table, drivers=2)
    drivers = risk.drivers_of(1)
    assert drivers is not None and risk.has_drivers
    contributions = driver_contributions(model, table.iloc[[1]]).iloc[0]
    up = contributions[contributions > 0].sort_values(ascending=False)[:2]
    down = contributions[contributions < 0].sort_values()[:2]
    assert [(d["feature"], d["direction"]) for d in drivers] == [
        *((f, "up") for f in up.index), *((f, "down") for f in down.index)
    ]
    assert [d["contribution"] for d in drivers] == pytest.approx([*up.to_numpy(), *down.to_numpy()], abs=1e-6)
    row = table.iloc[1]
    for d in drivers:  # the customer's own value; a missing one stays missing, never the imputed median
        expected = row[d["feature"]]
        assert d["value"] == (None if pd.isna(expected) else expected)
    assert drivers[0]["feature"] == "recency" and drivers[0]["value"] == 300.0  # 300 days quiet pushes most


def test_a_gradient_boosted_model_gives_its_strongest_occlusion_effects_as_drivers() -> None:
    model = train_churn_model(_training(200), "churned", exclude=["customer_id"], model="gradient_boosting")
    table = _customers()
    risk = apply_churn_model(model, table, drivers=2)
    assert risk.has_drivers and risk.no_drivers is None
    assert risk.rated == 3 and risk.drivers_of(2) is None and risk.drivers_of(3) is None
    for row in (0, 1, 4):
        contributions = driver_contributions(model, table.iloc[[row]]).iloc[0]
        up = contributions[contributions > 0].sort_values(ascending=False)[:2]
        down = contributions[contributions < 0].sort_values()[:2]
        drivers = risk.drivers_of(row)
        assert drivers is not None
        assert [(d["feature"], d["direction"]) for d in drivers] == [
            *((f, "up") for f in up.index), *((f, "down") for f in down.index)
        ]
        assert [d["contribution"] for d in drivers] == pytest.approx([*up.to_numpy(), *down.to_numpy()])


def test_occlusion_drivers_are_limited_to_the_highest_risk_customers_and_match_the_full_run() -> None:
    """They cost one prediction per feature, so a large run explains its riskiest customers only."""
    model = train_churn_model(_training(200), "churned", exclude=["customer_id"], model="gradient_boosting")
    table = _training(40, seed=5).drop(columns=["churned"])
    full = apply_churn_model(model, table)
    capped = apply_churn_model(model, table, max_occlusion_rows=5)
    assert np.array_equal(capped.probability, full.probability, equal_nan=True)  # every risk is still given
    riskiest = set(np.argsort(-full.probability, kind="stable")[:5].tolist())
    explained = {i for i in range(len(table)) if capped.drivers_of(i) is not None}
    assert explained == riskiest
    for i in riskiest:
        assert capped.drivers_of(i) == full.drivers_of(i)
    assert capped.driver_rows is not None and full.driver_rows is None


def test_a_gradient_boosted_model_saved_before_drivers_existed_still_rates_customers_without_them(
    tmp_path: Path,
) -> None:
    model = train_churn_model(_training(200), "churned", exclude=["customer_id"], model="gradient_boosting")
    del model.reference  # an old file holds no such attribute at all
    joblib.dump(model, tmp_path / "old.joblib")
    old = joblib.load(tmp_path / "old.joblib")
    assert "reference" not in vars(old)
    risk = apply_churn_model(old, _customers())
    assert risk.rated == 3 and not risk.has_drivers
    assert all(risk.drivers_of(i) is None for i in range(5))
    assert risk.no_drivers is not None and "saved without the reference customer" in risk.no_drivers


def test_live_flags_must_match_the_table(model: ChurnModel) -> None:
    with pytest.raises(ValueError, match="live: 2 flags for 5 customers"):
        apply_churn_model(model, _customers(), live=np.array([True, False]))
