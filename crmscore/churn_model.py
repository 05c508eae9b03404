"""Churn model ↔ store and disk: training data from the store's history, persisted model versions.

Models are files, not table rows: a fitted scikit-learn pipeline is a pickle that only this code
reads, and keeping it beside a JSON sidecar (version, training metadata, held-out metrics) lets an
admin inspect or delete a model without touching the database. Versions are integers, one more than
the newest file in the folder; which folder, and reading models back, is ``crmscore.model_files``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sqlalchemy import Connection, Engine, and_, select

from crmscore.config import DEFAULT_CONFIG_PATH, load_config
from crmscore.config_versions import active_version
from crmscore.model_files import latest_model_path, load_model, model_versions
from crmscore.pipeline import data_as_of, load_scoring_frames
from scoring.churn import (
    LABEL,
    SNAPSHOT,
    ChurnDefinition,
    ChurnMetrics,
    ChurnModel,
    churn_dataset,
    churn_metrics,
    roc_auc,
    snapshot_dates,
    time_split,
    train_churn_model,
)
from scoring.config import ScoringConfig
from store import tables as t

__all__ = [
    "TrainedChurnModel",
    "ceiling_auc",
    "latest_model_path",
    "load_model",
    "save_model",
    "store_config",
    "train_from_store",
]

NOT_FEATURES = ("customer_id", SNAPSHOT)


@dataclass
class TrainedChurnModel:
    model: ChurnModel
    definition: ChurnDefinition
    snapshots: list[pd.Timestamp]
    config_name: str
    metrics: (
        ChurnMetrics  # on the newest snapshot, never seen in training or calibration
    )
    ceiling_auc: (
        float | None
    )  # the sample generator's true hazard on the same rows, when known
    rows: dict[str, int]

    def metadata(self) -> dict[str, Any]:
        return {
            "kind": self.model.kind,
            "definition": vars(self.definition),
            "definition_text": self.definition.describe(),
            "snapshots": [s.isoformat() for s in self.snapshots],
            "config": self.config_name,
            "features": self.model.features,
            "rows": self.rows,
            "train_churn_rate": self.model.train_churn_rate,
            "calibration": None
            if self.model.calibrator is None
            else self.model.calibrator.method,
            "metrics": self.metrics.as_dict(),
            "ceiling_auc": self.ceiling_auc,
            "sklearn_version": sklearn.__version__,
        }


def store_config(conn: Connection) -> ScoringConfig:
    """The active config version, else the shipped default (nothing is saved or activated)."""
    current = active_version(conn)
    return (
        ScoringConfig.from_dict(current.body)
        if current is not None
        else load_config(DEFAULT_CONFIG_PATH)
    )


def ceiling_auc(
    conn: Connection, customer_ids: np.ndarray, churned: np.ndarray
) -> float | None:
    """ROC AUC of the sample generator's true churn hazard on these customers; None outside a sample CRM."""
    c, s = t.customers.c, t.sample_truth.c
    rows = conn.execute(
        select(c.id, s.churn_hazard).select_from(
            t.customers.join(
                t.sample_truth,
                and_(s.source == c.source, s.customer_external_id == c.external_id),
            )
        )
    ).all()
    if not rows:
        return None
    hazard = pd.Series(
        [r[1] for r in rows], index=[r[0] for r in rows], dtype="float64"
    )
    return roc_auc(churned, hazard.reindex(customer_ids).to_numpy(dtype=np.float64))


def train_from_store(
    engine: Engine,
    *,
    config: ScoringConfig | None = None,
    definition: ChurnDefinition | None = None,
    snapshots: int = 6,
    model: str = "logistic",
) -> TrainedChurnModel:
    """Train on the store's history: features and labels at ``snapshots`` dates one horizon apart,
    the newest held out for testing and the one before it for calibration."""
    definition = definition or ChurnDefinition()
    with engine.connect() as conn:
        cfg = config or store_config(conn)
        frames = load_scoring_frames(conn)
        if frames.customers.empty:
            raise ValueError("the store holds no customers; load a source first")
        dates = snapshot_dates(pd.Timestamp(data_as_of(frames)), definition, snapshots)
        data = churn_dataset(frames, cfg, dates, definition)
        split = time_split(data)
        trained = train_churn_model(
            split.train,
            LABEL,
            exclude=NOT_FEATURES,
            calibration=split.calibrate,
            model=model,
        )
        p = trained.predict_proba(split.test)
        y = split.test[LABEL].to_numpy(dtype=bool)
        ceiling = ceiling_auc(conn, split.test["customer_id"].to_numpy(np.int64), y)
    return TrainedChurnModel(
        model=trained,
        definition=definition,
        snapshots=dates,
        config_name=cfg.name,
        metrics=churn_metrics(y, p),
        ceiling_auc=ceiling,
        rows={
            "train": len(split.train),
            "calibrate": len(split.calibrate),
            "test": len(split.test),
        },
    )


def save_model(trained: TrainedChurnModel, models_dir: Path) -> tuple[int, Path]:
    """Write ``churn-v<N>.joblib`` and its ``.json`` metadata; returns (version, model path)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    version = max(model_versions(models_dir), default=0) + 1
    meta = {
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(),
        **trained.metadata(),
    }
    path = models_dir / f"churn-v{version}.joblib"
    joblib.dump({"model": trained.model, "metadata": meta}, path)
    path.with_suffix(".json").write_text(
        json.dumps(meta, indent=2, default=str), encoding="utf-8"
    )
    return version, path
