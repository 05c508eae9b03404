"""Per-customer churn drivers: which features push this customer's risk up, and which pull it down.

For the logistic model the log-odds are a sum, so each feature's share is exact and needs no SHAP:
``coef × (prepared value − training mean of the prepared value)``, i.e. how far this customer's
standardised value sits from the average training customer, times how much the model cares.
One-hot columns and missing flags are summed back onto the table column they came from.
Gradient-boosted models have no such additive form; ``top_drivers`` refuses them rather than guess.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.churn.model import ChurnModel, _frame

__all__ = ["driver_contributions", "top_drivers"]


def driver_contributions(model: ChurnModel, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` × model features: each feature's contribution to the log-odds of churn."""
    if model.kind != "logistic":
        raise ValueError(
            f"drivers are defined for the logistic model only, not {model.kind!r}"
        )
    prepared = model.pipeline.named_steps["prepare"].transform(
        _frame(table, model.numeric, model.categorical)
    )
    coef = model.pipeline.named_steps["model"].coef_[0]
    parts = (np.asarray(prepared, dtype=np.float64) - model.center) * coef
    owners = np.asarray(model.prepared_feature_owner())
    out = pd.DataFrame(index=table.index)
    for feature in model.features:
        out[feature] = parts[:, owners == feature].sum(axis=1)
    return out


def top_drivers(model: ChurnModel, table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Long table: row (index label in ``table``), direction (up = raises risk, down = lowers it),
    rank (1 = strongest), feature, contribution (log-odds). Zero contributions are left out."""
    contrib = driver_contributions(model, table)
    values = contrib.to_numpy()
    names = np.asarray(contrib.columns)
    rows = []
    k = min(n, values.shape[1])
    for direction, sign in (("up", 1.0), ("down", -1.0)):
        order = np.argsort(-sign * values, axis=1, kind="stable")[:, :k]
        picked = np.take_along_axis(values, order, axis=1)
        for rank in range(k):
            keep = sign * picked[:, rank] > 0
            rows.append(
                pd.DataFrame(
                    {
                        "row": contrib.index[keep],
                        "direction": direction,
                        "rank": rank + 1,
                        "feature": names[order[keep, rank]],
                        "contribution": picked[keep, rank],
                    }
                )
            )
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["row", "direction", "rank"], kind="stable")
        .reset_index(drop=True)
    )
