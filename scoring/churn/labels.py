"""Churn labels at a snapshot date: who was a live customer at t, and who churned in (t, t + horizon].

Labels are computed from the same frames the features come from, so a model trained on the store
learns exactly the churn the config defines. Only customers that are live at t are eligible: a
customer who already left cannot churn again, and including them would inflate every AUC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.churn.definition import ChurnDefinition
from scoring.frames import CRMFrames

__all__ = ["SnapshotLabels", "churn_labels", "last_event_before"]

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class SnapshotLabels:
    """Aligned with ``frames.customers``: ``eligible`` (live at t) and ``churned`` (in (t, t + h])."""

    customer_id: np.ndarray
    eligible: np.ndarray
    churned: np.ndarray


def _events(frames: CRMFrames) -> pd.DataFrame:
    """Every dated sign of life: orders and activities."""
    parts = [
        pd.DataFrame(
            {
                "customer_id": frames.orders["customer_id"],
                "at": frames.orders["ordered_at"],
            }
        ),
        pd.DataFrame(
            {
                "customer_id": frames.activities["customer_id"],
                "at": frames.activities["occurred_at"],
            }
        ),
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(
            {
                "customer_id": pd.Series(dtype="int64"),
                "at": pd.Series(dtype="datetime64[us, UTC]"),
            }
        )
    return pd.concat(parts, ignore_index=True)


def last_event_before(frames: CRMFrames, at: pd.Timestamp) -> pd.Series:
    """Each customer's newest order or activity at or before ``at`` (NaT when none), by customer id."""
    events = _events(frames)
    ids = pd.Index(frames.customers["customer_id"].to_numpy(np.int64))
    past = events[events["at"] <= at]
    last = past.groupby("customer_id")["at"].max()
    return last.reindex(ids)


def _inactivity(
    frames: CRMFrames, t: pd.Timestamp, d: ChurnDefinition
) -> tuple[np.ndarray, np.ndarray]:
    # Live at t: seen within the last k days. Churned by t + h: not seen in the k days before t + h.
    # (A customer who returns after a gap longer than k days counts as churned and won back.)
    k = d.inactivity_days * DAY
    end = t + d.horizon_days * DAY
    last_t = last_event_before(frames, t)
    last_end = last_event_before(frames, end)
    eligible = (last_t > t - k).to_numpy(dtype=bool, na_value=False)
    churned = ~(last_end > end - k).to_numpy(dtype=bool, na_value=False)
    return eligible, churned


def _p_alive(
    frames: CRMFrames, t: pd.Timestamp, d: ChurnDefinition
) -> tuple[np.ndarray, np.ndarray]:
    from scoring.clv import FitError, fit_bgnbd, rfm_summary

    end = t + d.horizon_days * DAY
    ids = frames.customers["customer_id"].to_numpy(np.int64)

    def alive_at(at: pd.Timestamp) -> np.ndarray:
        orders = frames.orders[frames.orders["ordered_at"] <= at]
        if orders.empty:
            return np.full(len(ids), np.nan)
        summary = rfm_summary(orders, "customer_id", "ordered_at", None, at)
        summary = summary[
            summary["T"] > 0
        ]  # first order on the day itself: no age to fit yet
        try:
            fit = fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
        except FitError as exc:
            raise ValueError(
                f"churn.kind p_alive: the BG/NBD fit on orders up to {at.date()} failed: {exc}"
            ) from None
        p = pd.Series(
            fit.params.p_alive(summary["x"], summary["t_x"], summary["T"]),
            index=summary.index,
        )
        return p.reindex(ids).to_numpy(dtype=np.float64)

    before, after = alive_at(t), alive_at(end)
    eligible = before >= d.p_alive_threshold  # NaN (no orders yet) compares False
    churned = ~(after >= d.p_alive_threshold)
    return eligible, churned


def _contract_end(
    frames: CRMFrames, t: pd.Timestamp, d: ChurnDefinition
) -> tuple[np.ndarray, np.ndarray]:
    if "contract_end" not in frames.customers.columns:
        raise ValueError(
            "churn.kind contract_end: frames.customers has no 'contract_end' column"
        )
    ends = pd.to_datetime(frames.customers["contract_end"], utc=True)
    eligible = ~(ends <= t).to_numpy(dtype=bool, na_value=False)
    churned = ((ends > t) & (ends <= t + d.horizon_days * DAY)).to_numpy(
        dtype=bool, na_value=False
    )
    return eligible, churned


def churn_labels(
    frames: CRMFrames, as_of: pd.Timestamp, definition: ChurnDefinition
) -> SnapshotLabels:
    """Labels at snapshot ``as_of``; the data must reach ``as_of + horizon`` for them to mean anything."""
    t = pd.Timestamp(as_of)
    if t.tzinfo is None:
        raise ValueError(
            f"as_of must be timezone-aware (UTC), got naive {t.isoformat()}"
        )
    rule = {
        "inactivity": _inactivity,
        "p_alive": _p_alive,
        "contract_end": _contract_end,
    }[definition.kind]
    eligible, churned = rule(frames, t.tz_convert("UTC"), definition)
    created = frames.customers["created_at"]
    eligible = eligible & (created <= t).to_numpy(dtype=bool, na_value=True)
    return SnapshotLabels(
        customer_id=frames.customers["customer_id"].to_numpy(np.int64),
        eligible=eligible,
        churned=churned & eligible,
    )
