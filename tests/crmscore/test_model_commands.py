"""``crmscore model report`` and ``crmscore model abtest`` as a user runs them.

``model train`` and ``model backtest`` need a loaded store; tests/crmscore/test_churn_model.py
covers what they call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from crmscore.churn_model import TrainedChurnModel, save_model
from crmscore.commands.model import model
from scoring.churn import ChurnDefinition, churn_metrics, train_churn_model


def _tiny_trained() -> TrainedChurnModel:
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 300)
    table = pd.DataFrame({"recency": x, "churned": rng.uniform(0, 1, 300) < x})
    fitted = train_churn_model(table, "churned")
    return TrainedChurnModel(
        model=fitted,
        definition=ChurnDefinition(),
        snapshots=[pd.Timestamp("2025-01-01", tz="UTC")],
        config_name="Test",
        metrics=churn_metrics(table["churned"], fitted.predict_proba(table)),
        ceiling_auc=None,
        rows={"train": 240, "calibrate": 60, "test": 0},
    )


def test_report_prints_auc_pr_auc_and_the_calibration_table_of_the_newest_model(
    tmp_path: Path,
) -> None:
    trained = _tiny_trained()
    save_model(trained, tmp_path / "m")
    save_model(trained, tmp_path / "m")
    result = CliRunner().invoke(model, ["report", "--models-dir", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "churn model v2 (logistic" in result.output
    assert (
        f"ROC AUC {trained.metrics.roc_auc:.3f}   PR AUC {trained.metrics.pr_auc:.3f}"
        in result.output
    )
    assert "mean predicted" in result.output
    assert "true-hazard" not in result.output  # not a sample CRM: no ceiling to show


def test_report_without_a_saved_model_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(model, ["report", "--models-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "no churn model saved here yet" in result.output


def test_abtest_reads_a_csv_and_prints_the_verdict(tmp_path: Path) -> None:
    file = tmp_path / "ab.csv"
    pd.DataFrame({"arm": ["A"] * 3 + ["B"] * 3, "retained": [1, 1, 0, 0, 0, 1]}).to_csv(
        file, index=False
    )
    result = CliRunner().invoke(
        model,
        [
            "abtest",
            str(file),
            "--group-col",
            "arm",
            "--treatment",
            "A",
            "--control",
            "B",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Sample too small: 3 treatment and 3 control customers" in result.output
    assert "Retention: no significant difference (+33.33 pts" in result.output
