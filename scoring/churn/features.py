"""Features for churn models: the config's own indicator values at a snapshot date.

Reusing the scoring engine means the model sees what the health score sees (same windows, same
formulas) and nothing from after the snapshot: ``score_customers`` ignores later events.
Raw values are used, not the 0–100 scores, so the model can find its own shape; missing values stay
NaN and are imputed (with a missing flag) inside the model pipeline.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from scoring.config import ScoringConfig
from scoring.engine import ScoreResult, score_customers
from scoring.frames import CRMFrames

__all__ = ["result_features", "snapshot_features"]


def snapshot_features(
    frames: CRMFrames, config: ScoringConfig, as_of: datetime
) -> pd.DataFrame:
    """One row per customer (frames order): customer_id, every indicator's raw value (column = key),
    recency_days / frequency / monetary, health_score, tenure_days and, if known, kind."""
    return result_features(frames, score_customers(frames, config, as_of))


def result_features(frames: CRMFrames, result: ScoreResult) -> pd.DataFrame:
    """``snapshot_features`` of a scoring result already computed (a scoring run applies a trained
    model to its own result this way, so it sees exactly the columns the model was trained on)."""
    keys = [spec.key for spec in result.config.indicators]
    n = len(result.scores)
    values = (
        result.indicators["value"].to_numpy(dtype=np.float64).reshape(n, len(keys))
        if keys
        else np.empty((n, 0))
    )
    table = pd.DataFrame(values, columns=keys)
    table.insert(0, "customer_id", result.scores["customer_id"].to_numpy(np.int64))
    for col in ("recency_days", "frequency", "monetary"):
        if col not in table.columns:
            table[col] = result.rfm[col].to_numpy(dtype=np.float64, na_value=np.nan)
    table["health_score"] = result.scores["health_score"].to_numpy(np.float64)
    created = frames.customers["created_at"]
    table["tenure_days"] = ((result.as_of - created) / pd.Timedelta(days=1)).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    if "kind" in frames.customers.columns:
        table["kind"] = frames.customers["kind"].astype("str").to_numpy()
    return table
