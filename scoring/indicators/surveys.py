"""Indicators over survey answers: per-customer CSAT and latest NPS answer.

An answer counts only if it was given on the scale the indicator expects (``scale_min``/``scale_max``
of the row). Mixing a 1–10 CSAT into a 1–5 one would silently change what "satisfied" means, so an
admin with both scales configures two indicators instead.
"""

from __future__ import annotations

import numpy as np

from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import register
from scoring.portfolio import nps_class

__all__: list[str] = []

_SURVEYS = "surveys"


def _answers(data: ScoringData, survey: str, scale_min: float, scale_max: float, window: float) -> np.ndarray:
    frame = data.frame(_SURVEYS)
    rows: np.ndarray = (
        data.is_in(_SURVEYS, "survey", [survey])
        & (frame["scale_min"].to_numpy(dtype=np.float64) == scale_min)
        & (frame["scale_max"].to_numpy(dtype=np.float64) == scale_max)
        & data.in_window(_SURVEYS, "responded_at", window)
    )
    return rows


@register(
    "csat",
    unit="% satisfied",
    summary="Share (0–100) of the customer's CSAT answers in the window that are in the satisfied set.",
    defaults={"survey": "csat", "scale_min": 1, "scale_max": 5, "satisfied": (4, 5), "min_responses": 1},
)
def csat(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    mask = _answers(data, str(p["survey"]), float(p["scale_min"]), float(p["scale_max"]), p.window_days)
    score = data.frame(_SURVEYS)["score"].to_numpy(dtype=np.float64)
    happy = np.isin(score, np.asarray(list(p["satisfied"]), dtype=np.float64)).astype(np.float64)
    answers = data.count(_SURVEYS, mask)
    satisfied = data.total(_SURVEYS, mask, happy)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(answers >= max(1, int(p["min_responses"])), 100.0 * satisfied / answers, np.nan)
    return IndicatorOutput(values)


@register(
    "nps",
    unit="0–10 answer",
    summary="The customer's latest NPS answer (0–10) in the window; labelled promoter/passive/detractor.",
    defaults={"survey": "nps"},
)
def nps(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    mask = _answers(data, str(p["survey"]), 0.0, 10.0, p.window_days)
    pos = data.positions(_SURVEYS)[mask]
    age = data.age_days(_SURVEYS, "responded_at")[mask]
    score = data.frame(_SURVEYS)["score"].to_numpy(dtype=np.float64)[mask]
    # Per customer: smallest age (latest answer) first; ties on the timestamp go to the higher score,
    # so the result never depends on row order.
    order = np.lexsort((-score, age, pos))
    pos, score = pos[order], score[order]
    first = np.ones(pos.size, dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    values = np.full(data.n, np.nan)
    values[pos[first]] = score[first]
    return IndicatorOutput(values, labels=nps_class(values))
