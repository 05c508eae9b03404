"""Per-customer churn drivers: which features push this customer's risk up, and which pull it down.

For the logistic model the log-odds are a sum, so each feature's share is exact and needs no SHAP:
``coef × (prepared value − training mean of the prepared value)``, i.e. how far this customer's
standardised value sits from the average training customer, times how much the model cares.
One-hot columns and missing flags are summed back onto the table column they came from.

Gradient-boosted models have no such additive form, so their drivers are occlusion effects against
a reference customer stored with the model (training median / most frequent category per feature):
``logit p(x) − logit p(x with feature f set to the reference's f)``, the question a CRM user asks
("how much lower would the risk be if this were typical?"). Interactions make these effects, unlike
the logistic shares, not add up to the customer's log-odds; they are exactly 0 for a feature at its
reference value. The reference is fixed at training time, so a customer's drivers never depend on
who else is being scored. Models saved before the reference existed get no drivers (see
``drivers_unavailable``): occluding against anything else would be a guess.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logit

from scoring.churn.model import ChurnModel, _frame

__all__ = ["driver_contributions", "driver_slots", "drivers_unavailable", "top_drivers"]

# Probabilities are kept this far from 0 and 1 before the logit, so a saturated model gives large
# finite contributions rather than infinities.
_CLIP = 1e-9


def drivers_unavailable(model: ChurnModel) -> str | None:
    """Why ``model`` gives no per-customer drivers, in words for a run note; None when it gives them."""
    if model.kind == "logistic" or getattr(model, "reference", None) is not None:
        return None
    return (
        f"this {model.kind} model was saved without the reference customer its drivers are measured "
        "against, so it gives no per-customer drivers (retrain it to get them)"
    )


def _logit(p: np.ndarray) -> np.ndarray:
    return np.asarray(logit(np.clip(np.asarray(p, dtype=np.float64), _CLIP, 1 - _CLIP)), dtype=np.float64)


def _occlusion(model: ChurnModel, reference: dict[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    """One ``predict_proba`` over all rows per feature: the log-odds lost by setting it to the reference."""
    frame = _frame(table, model.numeric, model.categorical)
    base = _logit(model.pipeline.predict_proba(frame)[:, 1])
    out = pd.DataFrame(index=table.index)
    for feature in model.features:
        occluded = frame.copy()
        occluded[feature] = pd.Series([reference[feature]] * len(frame), index=frame.index, dtype=frame[feature].dtype)
        out[feature] = base - _logit(model.pipeline.predict_proba(occluded)[:, 1])
    return out


def driver_contributions(model: ChurnModel, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` × model features: each feature's contribution to the log-odds of churn
    (logistic: additive share against the average training customer; otherwise: occlusion effect
    against the stored reference customer). A model without drivers is a ValueError saying why."""
    if model.kind != "logistic":
        reference = getattr(model, "reference", None)
        if reference is None:
            raise ValueError(drivers_unavailable(model))
        return _occlusion(model, reference, table)
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


def driver_slots(values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a contributions matrix: the columns of the ``n`` largest positive then the ``n``
    most negative contributions, as ``(column index, contribution)`` arrays of shape (rows, 2n);
    index −1 (contribution NaN) where a row has fewer drivers in that direction. Strongest first."""
    values = np.asarray(values, dtype=np.float64)
    k = min(n, values.shape[1])
    slots_idx, slots_val = [], []
    for sign in (1.0, -1.0):
        order = np.argsort(-sign * values, axis=1, kind="stable")[:, :k]
        picked = np.take_along_axis(values, order, axis=1)
        keep = sign * picked > 0
        slots_idx.append(np.where(keep, order, -1))
        slots_val.append(np.where(keep, picked, np.nan))
    return np.concatenate(slots_idx, axis=1), np.concatenate(slots_val, axis=1)


def top_drivers(model: ChurnModel, table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Long table: row (index label in ``table``), direction (up = raises risk, down = lowers it),
    rank (1 = strongest), feature, contribution (log-odds). Zero contributions are left out."""
    contrib = driver_contributions(model, table)
    idx, val = driver_slots(contrib.to_numpy(), n)
    names = np.asarray(contrib.columns)
    k = idx.shape[1] // 2
    rows = []
    for slot in range(idx.shape[1]):
        keep = idx[:, slot] >= 0
        rows.append(
            pd.DataFrame(
                {
                    "row": contrib.index[keep],
                    "direction": "up" if slot < k else "down",
                    "rank": slot % k + 1,
                    "feature": names[idx[keep, slot]],
                    "contribution": val[keep, slot],
                }
            )
        )
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["row", "direction", "rank"], kind="stable")
        .reset_index(drop=True)
    )
