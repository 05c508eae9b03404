"""Portfolio-level satisfaction metrics with the published formulas (NPS, CSAT).

These are the numbers admins compare with their survey vendor, so they follow the vendors exactly:
NPS = %promoters − %detractors on a 0–10 scale (Reichheld 2003), CSAT = share of answers in the
"satisfied" set × 100 (Delighted: 4 and 5 on a 1–5 scale). No rounding: display code rounds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["DETRACTOR", "PASSIVE", "PROMOTER", "csat", "nps", "nps_class"]

PROMOTER = "promoter"
PASSIVE = "passive"
DETRACTOR = "detractor"
_PROMOTER_MIN = 9.0
_PASSIVE_MIN = 7.0


def _clean(scores: Iterable[float]) -> np.ndarray:
    values = pd.Series(list(scores) if not isinstance(scores, pd.Series) else scores, dtype="float64")
    present: np.ndarray = values.dropna().to_numpy()
    return present


def nps_class(scores: np.ndarray) -> np.ndarray:
    """Promoter (9–10), passive (7–8) or detractor (0–6) per score; None where the score is NaN."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.select(
        [scores >= _PROMOTER_MIN, scores >= _PASSIVE_MIN, scores >= 0], [PROMOTER, PASSIVE, DETRACTOR], ""
    ).astype(object)
    labels[np.isnan(scores) | (labels == "")] = None
    return labels


def nps(scores: Iterable[float]) -> float:
    """Net Promoter Score in −100…+100 from 0–10 answers (NaN answers ignored; NaN if none)."""
    values = _clean(scores)
    if values.size == 0:
        return float("nan")
    promoters = np.count_nonzero(values >= _PROMOTER_MIN)
    detractors = np.count_nonzero(values < _PASSIVE_MIN)
    return 100.0 * (promoters - detractors) / values.size


def csat(scores: Iterable[float], satisfied: Iterable[float] = frozenset({4, 5})) -> float:
    """CSAT in 0…100: answers whose score is in ``satisfied`` over all answers (NaN if none)."""
    values = _clean(scores)
    if values.size == 0:
        return float("nan")
    hits = np.isin(values, np.asarray(list(satisfied), dtype=np.float64))
    return 100.0 * np.count_nonzero(hits) / values.size
