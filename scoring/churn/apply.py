"""Applying a trained churn model to customers: a probability and the model's own drivers, or a reason.

A risk is only given where the model can honestly produce one. The model learned how to treat a
missing value only for the features that were missing in its training rows (the imputer's missing
flag, the "(missing)" text category); a customer missing any *other* feature, or holding a text value
the model never saw, would get an imputed — made-up — input, so they get no risk and a reason
instead. Customers who already churned by the model's definition get none either: the model was
trained on live customers only and says nothing about someone who has already left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.churn.drivers import (
    driver_contributions,
    driver_slots,
    drivers_unavailable,
)
from scoring.churn.model import ChurnModel

__all__ = ["MAX_OCCLUSION_ROWS", "ChurnRisk", "apply_churn_model", "unusable_rows"]

#: Occlusion drivers (every model but the logistic) cost one prediction per feature; they are
#: computed for this many of the highest-risk customers, the ones someone will ask "why" about.
#: About 6 s at 13 features on two cores, instead of minutes for a million customers.
MAX_OCCLUSION_ROWS = 20_000

_MISSING_CATEGORY = "(missing)"  # the fill value of the model's text imputer


@dataclass(frozen=True)
class ChurnRisk:
    """Aligned with the table the model was applied to.

    ``probability``: calibrated churn probability, NaN where ``reason`` says why there is none.
    Drivers are columnar (building them as dicts per customer took six times as long as applying
    the model): per row and slot — the strongest ``k`` up, then the strongest ``k`` down —
    ``driver_feature`` (index into ``features``, −1 for an empty slot), ``driver_contribution``
    (log-odds), ``driver_value`` (the customer's number, NaN when missing or text) and
    ``driver_category`` (the customer's text value of a text feature, else None). All four are
    None when the model gives no per-customer drivers, and ``no_drivers`` then says why.
    ``driver_rows`` (None: every rated row) marks the rows whose drivers were computed, when an
    occlusion model's drivers were limited to the highest-risk customers (:data:`MAX_OCCLUSION_ROWS`).
    ``drivers_of(i)`` reads one row as dicts.
    """

    customer_id: np.ndarray
    probability: np.ndarray
    reason: list[str | None]
    features: list[str]
    driver_feature: np.ndarray | None
    driver_contribution: np.ndarray | None
    driver_value: np.ndarray | None
    driver_category: np.ndarray | None
    no_drivers: str | None = None
    driver_rows: np.ndarray | None = None

    @property
    def rated(self) -> int:
        return int((~np.isnan(self.probability)).sum())

    @property
    def has_drivers(self) -> bool:
        return self.driver_feature is not None

    def slot_directions(self) -> list[str]:
        k = 0 if self.driver_feature is None else self.driver_feature.shape[1] // 2
        return ["up"] * k + ["down"] * k

    def drivers_of(self, row: int) -> list[dict[str, Any]] | None:
        """Row ``row``'s drivers (feature, direction, contribution, value), strongest first, up then
        down; None when it has no probability or the model gives no drivers."""
        feature, contribution, value = self.driver_feature, self.driver_contribution, self.driver_value
        if feature is None or contribution is None or value is None or np.isnan(self.probability[row]):
            return None
        if self.driver_rows is not None and not self.driver_rows[row]:
            return None
        out = []
        for slot, direction in enumerate(self.slot_directions()):
            f = int(feature[row, slot])
            if f < 0:
                continue
            number = float(value[row, slot])
            category = None if self.driver_category is None else self.driver_category[row, slot]
            out.append(
                {
                    "feature": self.features[f],
                    "direction": direction,
                    "contribution": float(contribution[row, slot]),
                    "value": category if category is not None else None if np.isnan(number) else number,
                }
            )
        return out


def unusable_rows(model: ChurnModel, table: pd.DataFrame) -> list[str | None]:
    """Per row, why the model cannot rate it (None: it can). Missing columns are an error, named."""
    absent = [c for c in model.features if c not in table.columns]
    if absent:
        raise ValueError(
            f"the churn model needs feature(s) {', '.join(absent)} that this scoring run does not compute"
        )
    pre = model.pipeline.named_steps["prepare"]
    n = len(table)
    problems: list[list[str]] = [[] for _ in range(n)]
    if model.numeric:
        imputer = pre.named_transformers_["num"].named_steps["impute"]
        flagged = (
            set()
            if imputer.indicator_ is None
            else {model.numeric[i] for i in imputer.indicator_.features_}
        )
        for col in model.numeric:
            if col in flagged:
                continue
            missing = np.flatnonzero(pd.isna(table[col]).to_numpy())
            for i in missing:
                problems[i].append(f"no value for {col}")
    if model.categorical:
        enc = pre.named_transformers_["cat"].named_steps["onehot"]
        for col, cats in zip(model.categorical, enc.categories_, strict=True):
            values = table[col].astype("object")
            text = values.where(values.notna(), _MISSING_CATEGORY).astype("str")
            for i in np.flatnonzero(~text.isin([str(c) for c in cats]).to_numpy()):
                seen = text.iat[i]
                problems[i].append(
                    f"no value for {col}" if seen == _MISSING_CATEGORY else f"{col} {seen!r} was never seen in training"
                )
    return [None if not p else "; ".join(p) for p in problems]


def apply_churn_model(
    model: ChurnModel,
    table: pd.DataFrame,
    *,
    live: np.ndarray | None = None,
    drivers: int = 3,
    max_occlusion_rows: int = MAX_OCCLUSION_ROWS,
) -> ChurnRisk:
    """Rate every row of ``table`` (one row per customer, ``customer_id`` plus the model's features).

    ``live`` (aligned booleans) marks the customers still live by the model's churn definition;
    the others get no probability. ``drivers``: how many drivers up and how many down to keep.
    ``max_occlusion_rows``: for models explained by occlusion, drivers for at most this many of the
    highest-risk rated customers (ties by position); the logistic model's drivers are cheap and
    given to everyone.
    """
    reasons = unusable_rows(model, table)
    if live is not None:
        live = np.asarray(live, dtype=bool)
        if len(live) != len(table):
            raise ValueError(f"live: {len(live)} flags for {len(table)} customers")
        reasons = [
            r if ok else "already churned by the model's definition" if r is None else r
            for r, ok in zip(reasons, live, strict=True)
        ]
    ok = np.array([r is None for r in reasons], dtype=bool)
    n = len(table)
    probability = np.full(n, np.nan)
    rated = table[ok]
    if len(rated):
        probability[ok] = model.predict_proba(rated)
    features = list(model.features)
    no_drivers = drivers_unavailable(model)
    if no_drivers is not None:
        return ChurnRisk(
            table["customer_id"].to_numpy(np.int64), probability, reasons, features, None, None, None, None, no_drivers
        )
    k = min(drivers, len(features))
    feature = np.full((n, 2 * k), -1, dtype=np.int64)
    contribution = np.full((n, 2 * k), np.nan)
    value = np.full((n, 2 * k), np.nan)
    category = np.full((n, 2 * k), None, dtype=object) if model.categorical else None
    explain, explained = ok, rated  # the rows whose drivers are computed: every rated row, unless capped
    driver_rows = None
    if model.kind != "logistic" and int(ok.sum()) > max_occlusion_rows:
        rated_at = np.flatnonzero(ok)
        riskiest = rated_at[np.argsort(-probability[rated_at], kind="stable")[:max_occlusion_rows]]
        explain = np.zeros(n, dtype=bool)
        explain[riskiest] = True
        driver_rows, explained = explain, table[explain]
    if len(explained):
        idx, val = driver_slots(driver_contributions(model, explained).to_numpy(), k)
        feature[explain], contribution[explain] = idx, val
        rows = np.arange(len(explained))[:, None]
        safe = np.maximum(idx, 0)
        numbers = np.column_stack(
            [explained[f].to_numpy(dtype=np.float64, na_value=np.nan) if f in model.numeric
             else np.full(len(explained), np.nan) for f in features]
        )
        value[explain] = np.where(idx >= 0, numbers[rows, safe], np.nan)
        if category is not None:
            texts = np.column_stack(
                [explained[f].astype("object").where(explained[f].notna(), None).to_numpy() if f in model.categorical
                 else np.full(len(explained), None, dtype=object) for f in features]
            )
            category[explain] = np.where(idx >= 0, texts[rows, safe], None)
    return ChurnRisk(
        customer_id=table["customer_id"].to_numpy(np.int64),
        probability=probability,
        reason=reasons,
        features=features,
        driver_feature=feature,
        driver_contribution=contribution,
        driver_value=value,
        driver_category=category,
        driver_rows=driver_rows,
    )
