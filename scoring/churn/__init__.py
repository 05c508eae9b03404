"""Churn risk: labels from the config's churn definition, indicator-value features at snapshot dates,
a calibrated scikit-learn model, its metrics and per-customer drivers.

Pure like the rest of ``scoring``; persisting a model and reading the store live in
``crmscore.churn_model``.
"""

from scoring.churn.apply import ChurnRisk, apply_churn_model, unusable_rows
from scoring.churn.dataset import (
    LABEL,
    SNAPSHOT,
    TimeSplit,
    churn_dataset,
    snapshot_dates,
    time_split,
)
from scoring.churn.definition import CHURN_KINDS, ChurnDefinition
from scoring.churn.drivers import (
    driver_contributions,
    driver_slots,
    drivers_unavailable,
    top_drivers,
)
from scoring.churn.evaluate import (
    ChurnMetrics,
    calibration_table,
    churn_metrics,
    roc_auc,
)
from scoring.churn.features import result_features, snapshot_features
from scoring.churn.labels import SnapshotLabels, churn_labels, last_event_before
from scoring.churn.model import (
    MODEL_KINDS,
    ChurnModel,
    cross_validate_churn,
    label_vector,
    train_churn_model,
)

__all__ = [
    "CHURN_KINDS",
    "LABEL",
    "MODEL_KINDS",
    "SNAPSHOT",
    "ChurnDefinition",
    "ChurnMetrics",
    "ChurnModel",
    "ChurnRisk",
    "SnapshotLabels",
    "TimeSplit",
    "apply_churn_model",
    "calibration_table",
    "churn_dataset",
    "churn_labels",
    "churn_metrics",
    "cross_validate_churn",
    "driver_contributions",
    "driver_slots",
    "drivers_unavailable",
    "label_vector",
    "last_event_before",
    "result_features",
    "roc_auc",
    "snapshot_dates",
    "snapshot_features",
    "time_split",
    "top_drivers",
    "train_churn_model",
    "unusable_rows",
]
