"""Health-score backtest and suggested weights: did the score at t rank the customers who churned?

The backtest scores the portfolio as of a past date t with a config, labels churn in (t, t + h]
by the churn definition, and reports the ROC AUC of *low* health against churn plus the churn
rate per band. Suggested weights come from a logistic regression of "stayed" on the indicators'
0–100 scores with weights constrained to be ≥ 0 (so a higher score never counts against a customer,
which keeps the draft a valid, explainable health score). They are returned as a draft config
dict for the admin to preview and save — never applied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from scoring.churn.definition import ChurnDefinition
from scoring.churn.evaluate import roc_auc
from scoring.churn.labels import churn_labels
from scoring.config import ScoringConfig
from scoring.engine import score_customers
from scoring.frames import CRMFrames

__all__ = [
    "BacktestResult",
    "backtest_health",
    "band_churn_rates",
    "health_auc",
    "nonnegative_logistic",
    "suggest_weights",
]


def health_auc(health: ArrayLike, churned: ArrayLike) -> float:
    """ROC AUC of low health as a churn predictor (customers without a score are left out)."""
    return roc_auc(churned, -np.asarray(health, dtype=np.float64))


def band_churn_rates(bands: ArrayLike, churned: ArrayLike) -> pd.DataFrame:
    """Per band (in first-seen order): customers, churned and churn_rate."""
    frame = pd.DataFrame(
        {
            "band": pd.array(np.asarray(bands, dtype=object), dtype="str"),
            "churned": np.asarray(churned, dtype=bool),
        }
    )
    out = (
        frame.groupby("band", sort=False, dropna=False)["churned"]
        .agg(["size", "sum"])
        .reset_index()
    )
    out.columns = ["band", "customers", "churned"]
    out["churned"] = out["churned"].astype("int64")
    out["churn_rate"] = out["churned"] / out["customers"]
    return out


@dataclass(frozen=True)
class BacktestResult:
    as_of: pd.Timestamp
    definition: ChurnDefinition
    customers: int  # eligible (live at as_of) customers
    churned: int
    auc: float
    bands: pd.DataFrame


def backtest_health(
    frames: CRMFrames,
    config: ScoringConfig,
    as_of: datetime,
    definition: ChurnDefinition,
) -> BacktestResult:
    """Score as of ``as_of`` and compare with churn in (as_of, as_of + horizon]."""
    labels = churn_labels(frames, pd.Timestamp(as_of), definition)
    result = score_customers(frames, config, as_of)
    keep = labels.eligible
    y = labels.churned[keep]
    scores = result.scores[keep]
    order = {b.name: i for i, b in enumerate(config.bands)}
    bands = band_churn_rates(scores["band"].to_numpy(dtype=object), y)
    if order:
        bands = bands.sort_values(
            "band", key=lambda s: s.map(order).fillna(len(order)), kind="stable"
        ).reset_index(drop=True)
    return BacktestResult(
        as_of=result.as_of,
        definition=definition,
        customers=int(keep.sum()),
        churned=int(y.sum()),
        auc=health_auc(scores["health_score"].to_numpy(np.float64), y),
        bands=bands,
    )


def nonnegative_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-3
) -> tuple[np.ndarray, float]:
    """Logistic regression of ``y`` on ``x`` with coefficients ≥ 0 (intercept free), by L-BFGS-B."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, k = x.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:k] + theta[k]
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.sum(np.logaddexp(0.0, z) - y * z) / n + 0.5 * l2 * np.sum(
            theta[:k] ** 2
        )
        g = (p - y) / n
        return float(ll), np.concatenate([x.T @ g + l2 * theta[:k], [g.sum()]])

    bounds = [(0.0, None)] * k + [(None, None)]
    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:k], float(res.x[k])


def suggest_weights(
    frames: CRMFrames,
    config: ScoringConfig,
    as_of: datetime,
    definition: ChurnDefinition,
) -> tuple[dict[str, float], dict[str, Any]]:
    """(weights by indicator key, draft config dict with those weights). Scores are used as x/100,
    missing ones at the neutral 50; weights are scaled so the largest is 10 and rounded to 0.01."""
    labels = churn_labels(frames, pd.Timestamp(as_of), definition)
    result = score_customers(frames, config, as_of)
    keys = [spec.key for spec in config.indicators]
    n = len(result.scores)
    scores = result.indicators["score"].to_numpy(dtype=np.float64).reshape(n, len(keys))
    x = np.nan_to_num(scores[labels.eligible] / 100.0, nan=0.5)
    stayed = ~labels.churned[labels.eligible]
    if stayed.all() or not stayed.any():
        raise ValueError(
            "suggest weights: every eligible customer has the same outcome; nothing to learn from"
        )
    coef, _ = nonnegative_logistic(x, stayed)
    top = coef.max()
    scaled = np.round(coef / top * 10.0, 2) if top > 0 else np.zeros_like(coef)
    weights = {key: float(w) for key, w in zip(keys, scaled, strict=True)}
    draft = copy.deepcopy(config.raw) if config.raw else {"indicators": []}
    for ind in draft.get("indicators", []):
        if ind.get("key") in weights:
            ind["weight"] = weights[ind["key"]]
    draft["name"] = f"{draft.get('name') or 'config'} (suggested weights)"
    return weights, draft
