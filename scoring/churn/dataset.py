"""Training rows from history: features and labels at several snapshot dates, split by time.

Snapshots are spaced one horizon apart and ending one horizon before the data ends, so every
label is fully observed and — for the time split — no training label window overlaps the test
snapshot's future: train on the past, calibrate on the next snapshot, test on the newest.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scoring.churn.definition import ChurnDefinition
from scoring.churn.features import snapshot_features
from scoring.churn.labels import churn_labels
from scoring.config import ScoringConfig
from scoring.frames import CRMFrames

__all__ = [
    "LABEL",
    "SNAPSHOT",
    "TimeSplit",
    "churn_dataset",
    "snapshot_dates",
    "time_split",
]

LABEL = "churned"
SNAPSHOT = "snapshot"


def snapshot_dates(
    data_end: pd.Timestamp, definition: ChurnDefinition, count: int
) -> list[pd.Timestamp]:
    """``count`` dates, oldest first, the newest one horizon before ``data_end``, one horizon apart."""
    if count < 3:
        raise ValueError(
            f"snapshots: need at least 3 (train, calibrate, test), got {count}"
        )
    step = pd.Timedelta(days=definition.horizon_days)
    end = pd.Timestamp(data_end).tz_convert("UTC")
    return [end - step * i for i in range(count, 0, -1)]


def churn_dataset(
    frames: CRMFrames,
    config: ScoringConfig,
    snapshots: list[pd.Timestamp],
    definition: ChurnDefinition,
) -> pd.DataFrame:
    """Eligible customers at every snapshot: ``snapshot``, features (see ``snapshot_features``), ``churned``."""
    parts = []
    for t in snapshots:
        labels = churn_labels(frames, t, definition)
        feats = snapshot_features(frames, config, t.to_pydatetime())
        rows = feats[labels.eligible].copy()
        rows[LABEL] = labels.churned[labels.eligible]
        rows.insert(0, SNAPSHOT, t)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class TimeSplit:
    train: pd.DataFrame
    calibrate: pd.DataFrame
    test: pd.DataFrame


def time_split(dataset: pd.DataFrame) -> TimeSplit:
    """Newest snapshot = test, the one before = calibration, all older = training."""
    dates = sorted(dataset[SNAPSHOT].unique())
    if len(dates) < 3:
        raise ValueError(
            f"time split: need rows at 3 or more snapshot dates, got {len(dates)}"
        )
    snap = dataset[SNAPSHOT]
    return TimeSplit(
        train=dataset[snap < dates[-2]].reset_index(drop=True),
        calibrate=dataset[snap == dates[-2]].reset_index(drop=True),
        test=dataset[snap == dates[-1]].reset_index(drop=True),
    )
