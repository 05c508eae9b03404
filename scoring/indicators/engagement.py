"""Rate indicators over cases and activities: complaint rate and interaction rate.

Both are "events per ``per_days`` days of exposure in the window", where exposure is the part of the
window the customer existed (from ``created_at``), floored at ``min_exposure_days``. Dividing by the
full window would make a customer created last week look as quiet as one ignored all year; the floor
stops one complaint in a customer's first day from reading as 30 complaints a month.
"""

from __future__ import annotations

import numpy as np

from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData
from scoring.indicators.registry import register

__all__: list[str] = []

_RATE_DEFAULTS = {"per_days": 30, "min_exposure_days": 30}


def _rate(data: ScoringData, p: IndicatorParams, frame: str, mask: np.ndarray) -> IndicatorOutput:
    events = data.count(frame, mask)
    exposure = data.exposure_days(p.window_days, float(p["min_exposure_days"]))
    return IndicatorOutput(events / exposure * float(p["per_days"]))


@register(
    "complaint_rate",
    unit="complaints per 30 days",
    summary="Complaint cases opened in the window per `per_days` days of the customer's exposure.",
    defaults={**_RATE_DEFAULTS, "priorities": None},
)
def complaint_rate(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    cases = data.frame("cases")
    mask = cases["is_complaint"].to_numpy(dtype=bool) & data.in_window("cases", "opened_at", p.window_days)
    if p["priorities"] is not None:
        mask &= data.is_in("cases", "priority", p["priorities"])
    return _rate(data, p, "cases", mask)


@register(
    "interaction_rate",
    unit="activities per 30 days",
    summary="Activities (optionally of given kinds/direction) in the window per `per_days` days of exposure.",
    defaults={**_RATE_DEFAULTS, "kinds": None, "direction": None},
)
def interaction_rate(data: ScoringData, p: IndicatorParams) -> IndicatorOutput:
    mask = data.in_window("activities", "occurred_at", p.window_days)
    if p["kinds"] is not None:
        mask &= data.is_in("activities", "kind", p["kinds"])
    if p["direction"] is not None:
        mask &= data.is_in("activities", "direction", [p["direction"]])
    return _rate(data, p, "activities", mask)
