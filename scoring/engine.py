"""``score_customers``: frames + config + as_of → scores, indicator values and explanations.

Pure: it reads the frames, never writes to them, and does no I/O, so the same inputs always give the
same result and the function can be run for any past ``as_of`` (events after as_of are ignored).
Everything is vectorised over customers; the only Python loops are over the configured indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from scoring.config import ScoringConfig
from scoring.frames import CRMFrames
from scoring.health import assign_bands, health_scores
from scoring.indicators import ScoringData, get_kind, resolve_params
from scoring.normalise import normalise
from scoring.rfm import rfm_scores
from scoring.segments import assign_segments

__all__ = ["ScoreResult", "score_customers"]


@dataclass(frozen=True)
class ScoreResult:
    """What one scoring run produces.

    * ``scores``: one row per customer (in the customers frame's order): customer_id, health_score
      (0–100, NaN when no indicator is available), band, segment, r_score, f_score, m_score (Int64,
      NA without purchases).
    * ``indicators``: one row per customer × configured indicator: customer_id, key (categorical),
      value (raw, NaN if missing), score (0–100 after the missing policy; NaN if excluded), points
      (``w_eff × (score − 50)``; NaN if excluded). ``health = 50 + Σ points`` per customer.
    * ``labels``: text labels some indicators attach (e.g. the NPS class): customer_id, key, label;
      only rows that have a label.
    * ``rfm``: the raw R/F/M inputs: customer_id, recency_days, frequency, monetary.
    """

    scores: pd.DataFrame
    indicators: pd.DataFrame
    labels: pd.DataFrame
    rfm: pd.DataFrame
    config: ScoringConfig
    as_of: pd.Timestamp


def _as_of(as_of: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware (UTC), got naive {ts.isoformat()}")
    return ts.tz_convert("UTC")


def score_customers(frames: CRMFrames, config: ScoringConfig, as_of: datetime) -> ScoreResult:
    """Score every customer in ``frames.customers`` with ``config`` as of ``as_of``."""
    frames.check()
    stamp = _as_of(as_of)
    data = ScoringData(frames, stamp)
    n, k = data.n, len(config.indicators)
    keys = [spec.key for spec in config.indicators]

    values = np.full((n, k), np.nan)
    scores = np.full((n, k), np.nan)
    label_parts: list[pd.DataFrame] = []
    for j, spec in enumerate(config.indicators):
        kind = get_kind(spec.kind)
        out = kind.compute(data, resolve_params(kind, spec.params, config.window_days))
        values[:, j] = out.values
        scores[:, j] = normalise(out.values, spec.normalise, spec.direction)
        if spec.missing.policy == "default":
            scores[np.isnan(out.values), j] = spec.missing.score
        if out.labels is not None:
            has = np.asarray(pd.notna(out.labels), dtype=bool)
            label_parts.append(
                pd.DataFrame(
                    {
                        "customer_id": data.customer_ids.to_numpy()[has],
                        "key": spec.key,
                        "label": pd.array(out.labels[has], dtype="str"),
                    }
                )
            )

    health, points = health_scores(scores, [spec.weight for spec in config.indicators])
    rfm = rfm_scores(data, config.rfm)
    ids = data.customer_ids.to_numpy()
    segment = assign_segments(
        rfm.r.fillna(0).to_numpy(np.int64),
        rfm.f.fillna(0).to_numpy(np.int64),
        rfm.m.fillna(0).to_numpy(np.int64),
        rfm.has_orders,
        config.segments,
    )
    score_frame = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="int64"),
            "health_score": health,
            "band": pd.array(assign_bands(health, config.bands), dtype="str"),
            "segment": pd.array(segment, dtype="str"),
            "r_score": rfm.r.array,
            "f_score": rfm.f.array,
            "m_score": rfm.m.array,
        }
    )
    indicator_frame = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, k).astype(np.int64),
            "key": pd.Categorical.from_codes(np.tile(np.arange(k), n), categories=keys),
            "value": values.ravel(),
            "score": scores.ravel(),
            "points": points.ravel(),
        }
    )
    labels = (
        pd.concat(label_parts, ignore_index=True)
        if label_parts
        else pd.DataFrame(
            {"customer_id": pd.Series(dtype="int64"), "key": pd.Series(dtype="str"), "label": pd.Series(dtype="str")}
        )
    )
    rfm_frame = pd.concat([pd.DataFrame({"customer_id": ids.astype(np.int64)}), rfm.raw], axis=1)
    return ScoreResult(
        scores=score_frame,
        indicators=indicator_frame,
        labels=labels,
        rfm=rfm_frame,
        config=config,
        as_of=stamp,
    )
