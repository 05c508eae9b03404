"""Service-desk indicators: mean first-response time and mean resolution time, in hours.

Both average over the customer's cases opened in the window. A case that has not been answered
(or closed) by as_of has no duration yet; by default it is left out, which flatters a desk that
ignores cases, so ``include_open: true`` counts it with the time elapsed so far (a lower bound).
"""

from __future__ import annotations

import numpy as np

from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import register

__all__: list[str] = []

_CASES = "cases"
_HOURS_PER_DAY = 24.0
_DEFAULTS = {"complaints_only": False, "priorities": None, "include_open": False}


def _cases(data: ScoringData, p: IndicatorParams) -> np.ndarray:
    mask = data.in_window(_CASES, "opened_at", p.window_days)
    if p["complaints_only"]:
        mask &= data.frame(_CASES)["is_complaint"].to_numpy(dtype=bool)
    if p["priorities"] is not None:
        mask &= data.is_in(_CASES, "priority", p["priorities"])
    return mask


def _mean_hours(data: ScoringData, p: IndicatorParams, column: str) -> IndicatorOutput:
    mask = _cases(data, p)
    opened = data.age_days(_CASES, "opened_at")
    done = data.age_days(_CASES, column)
    with np.errstate(invalid="ignore"):
        finished = done >= 0  # NaN (never) and after as_of (not yet) are both "not finished"
        hours = np.where(finished, opened - done, opened) * _HOURS_PER_DAY
    counted = mask & (finished | bool(p["include_open"]))
    count = data.count(_CASES, counted)
    total = data.total(_CASES, counted, hours)
    with np.errstate(invalid="ignore", divide="ignore"):
        return IndicatorOutput(np.where(count > 0, total / count, np.nan))


@register(
    "first_response_time",
    unit="hours",
    summary="Mean hours from opening to the first response, over the customer's cases opened in the window.",
    defaults=_DEFAULTS,
)
def first_response_time(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    return _mean_hours(data, p, "first_response_at")


@register(
    "resolution_time",
    unit="hours",
    summary="Mean hours from opening to closing, over the customer's cases opened in the window.",
    defaults=_DEFAULTS,
)
def resolution_time(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    return _mean_hours(data, p, "closed_at")
