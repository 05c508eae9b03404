"""How good a churn probability is: ROC AUC, PR AUC and a calibration table.

ROC AUC says how well customers are ranked; PR AUC says the same with the (usually rare) churners
in focus; the calibration table says whether "30 %" means 30 % — which matters once the number is
shown to people and used to decide who gets a retention call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["ChurnMetrics", "calibration_table", "churn_metrics", "roc_auc"]


def roc_auc(y: ArrayLike, score: ArrayLike) -> float:
    """ROC AUC, NaN when only one class is present (rather than raising)."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    keep = ~np.isnan(s)
    y, s = y[keep], s[keep]
    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, s))


def calibration_table(y: ArrayLike, p: ArrayLike, bins: int = 10) -> pd.DataFrame:
    """Equal-width probability bins with at least one customer: bin edges, customers, mean predicted
    probability and observed churn rate."""
    y = np.asarray(y, dtype=bool)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    pred = np.bincount(which, weights=p, minlength=bins)
    obs = np.bincount(which, weights=y.astype(np.float64), minlength=bins)
    has = counts > 0
    return pd.DataFrame(
        {
            "p_from": edges[:-1][has],
            "p_to": edges[1:][has],
            "customers": counts[has].astype(np.int64),
            "mean_predicted": pred[has] / counts[has],
            "observed_rate": obs[has] / counts[has],
        }
    )


@dataclass(frozen=True)
class ChurnMetrics:
    roc_auc: float
    pr_auc: float
    customers: int
    churners: int
    calibration: pd.DataFrame

    def as_dict(self) -> dict[str, object]:
        return {
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "customers": self.customers,
            "churners": self.churners,
            "calibration": self.calibration.to_dict(orient="records"),
        }


def churn_metrics(y: ArrayLike, p: ArrayLike, bins: int = 10) -> ChurnMetrics:
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=np.float64)
    pr = (
        float(average_precision_score(y, p))
        if y.any() and not y.all()
        else float("nan")
    )
    return ChurnMetrics(
        roc_auc=roc_auc(y, p),
        pr_auc=pr,
        customers=len(y),
        churners=int(y.sum()),
        calibration=calibration_table(y, p, bins),
    )
