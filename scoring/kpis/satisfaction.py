"""Satisfaction KPIs for a period: portfolio CSAT and NPS, complaints and the complaint rate.

CSAT and NPS use the published formulas of :mod:`scoring.portfolio` over every answer given in the
period (a customer who answered twice counts twice, as in the survey vendors' own reports). Only
answers on the configured scale count, so a 1–10 answer never shifts a 1–5 CSAT.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from scoring.kpis.periods import Period
from scoring.portfolio import csat, nps

__all__ = ["complaint_count", "complaint_rate", "period_csat", "period_nps"]


def _answers(surveys: pd.DataFrame, period: Period, survey: str, scale: tuple[float, float]) -> np.ndarray:
    mask = (
        period.contains(surveys["responded_at"])
        & (surveys["survey"] == survey).to_numpy(dtype=bool)
        & (surveys["scale_min"] == scale[0]).to_numpy(dtype=bool)
        & (surveys["scale_max"] == scale[1]).to_numpy(dtype=bool)
    )
    answers: np.ndarray = surveys.loc[mask, "score"].to_numpy(dtype=np.float64)
    return answers


def period_csat(
    surveys: pd.DataFrame,
    period: Period,
    *,
    survey: str = "csat",
    scale: tuple[float, float] = (1, 5),
    satisfied: Iterable[float] = (4, 5),
) -> tuple[float, int]:
    """``(CSAT, answers)``: ``100 × answers in satisfied / answers`` given in the period; NaN without any."""
    answers = _answers(surveys, period, survey, scale)
    return csat(answers, satisfied=frozenset(satisfied)), int(answers.size)


def period_nps(surveys: pd.DataFrame, period: Period, *, survey: str = "nps") -> tuple[float, int]:
    """``(NPS, answers)``: ``100 × (promoters − detractors) / answers`` on 0–10, given in the period."""
    answers = _answers(surveys, period, survey, (0, 10))
    return nps(answers), int(answers.size)


def _complaints(cases: pd.DataFrame, period: Period) -> pd.DataFrame:
    mask = period.contains(cases["opened_at"]) & cases["is_complaint"].to_numpy(dtype=bool)
    opened: pd.DataFrame = cases.loc[mask]
    return opened


def complaint_count(cases: pd.DataFrame, period: Period) -> int:
    """Complaint cases opened in the period."""
    return len(_complaints(cases, period))


def complaint_rate(cases: pd.DataFrame, period: Period, base: Collection[int]) -> float:
    """``100 × customers of base who opened a complaint in the period / |base|``; NaN for an empty base.

    ``base`` is the period's customers (see ``RetentionCounts.active_during``). A share of customers
    rather than complaints per customer: one angry customer filing ten cases is one unhappy customer.
    """
    if len(base) == 0:
        return float("nan")
    complainers = set(_complaints(cases, period)["customer_id"].tolist())
    return 100.0 * len(complainers & set(base)) / len(base)
