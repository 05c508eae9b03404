"""The churn model trained on the store's own history, persisted, and compared with the ceiling.

The sample CRM records each customer's true monthly churn hazard (``sample_truth``). Its AUC on the
held-out snapshot is reported as the issue's "ceiling"; measured on seeds 1, 7 and 42 at 1,500
customers the model scored 0.85–0.87 and the hazard 0.70–0.75. The model beats the hazard because
the generator's customers fade *before* they churn (fewer orders and activities), which a
behavioural model sees and a constant hazard does not — so the hazard is the ceiling of a model
that sees only who the customer is, not of one that sees what they do. The test pins both sides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from connector.files import FileSource
from connector.load import load_source
from crmscore.churn_model import (
    TrainedChurnModel,
    latest_model_path,
    load_model,
    save_model,
    train_from_store,
)
from crmscore.sample import generate
from scoring.churn import ChurnDefinition, churn_metrics, train_churn_model


def test_the_store_trained_model_beats_chance_and_is_reported_beside_the_true_hazard(
    engine: Engine, tmp_path: Path
) -> None:
    generate(tmp_path / "sample", customers=1500, seed=42)
    load_source(engine, FileSource(tmp_path / "sample", source="sample"))
    trained = train_from_store(
        engine,
        definition=ChurnDefinition(horizon_days=90, inactivity_days=90),
        snapshots=6,
    )
    assert trained.rows["test"] > 500 and trained.metrics.churners >= 30
    assert trained.metrics.roc_auc > 0.75  # measured 0.85 on this seed; chance is 0.5
    assert (
        trained.ceiling_auc is not None
        and 0.6 < trained.ceiling_auc < trained.metrics.roc_auc
    )
    assert (
        trained.metrics.roc_auc < 0.95
    )  # higher would mean the label leaked into the features
    assert (
        trained.metrics.pr_auc > trained.metrics.churners / trained.metrics.customers
    )  # beats the base rate
    assert trained.metrics.calibration["customers"].sum() == trained.rows["test"]
    assert (
        "customer_id" not in trained.model.features
        and "snapshot" not in trained.model.features
    )


def _tiny_trained() -> TrainedChurnModel:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 400)
    table = pd.DataFrame({"recency": x, "churned": rng.uniform(0, 1, 400) < x})
    model = train_churn_model(table, "churned")
    return TrainedChurnModel(
        model=model,
        definition=ChurnDefinition(),
        snapshots=[pd.Timestamp("2025-01-01", tz="UTC")],
        config_name="Test",
        metrics=churn_metrics(table["churned"], model.predict_proba(table)),
        ceiling_auc=None,
        rows={"train": 320, "calibrate": 80, "test": 0},
    )


def test_saved_models_get_increasing_versions_and_load_back_with_their_metadata(
    tmp_path: Path,
) -> None:
    trained = _tiny_trained()
    v1, _ = save_model(trained, tmp_path / "models")
    v2, p2 = save_model(trained, tmp_path / "models")
    assert (v1, v2) == (1, 2)
    assert latest_model_path(tmp_path / "models") == p2
    model, meta = load_model(p2)
    probe = pd.DataFrame({"recency": [0.1, 0.9]})
    assert model.predict_proba(probe) == pytest.approx(
        trained.model.predict_proba(probe)
    )
    assert (
        meta["version"] == 2
        and meta["features"] == ["recency"]
        and meta["definition"]["horizon_days"] == 90
    )
    assert p2.with_suffix(".json").is_file()


def test_asking_for_a_model_in_an_empty_folder_says_to_train_one(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="no churn model saved here yet"):
        latest_model_path(tmp_path)
