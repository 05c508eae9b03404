"""Satisfaction KPIs for a period: portfolio CSAT and NPS, complaints and the complaint rate.

CSAT and NPS use the published formulas of :mod:`scoring.portfolio` over every answer given in the
period (a customer who answered twice counts twice, as in the survey vendors' own reports). Only
answers on the configured scale count, so a 1–10 answer never shifts a 1–5 CSAT.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np
import pandas as pd

from scoring.kpis.period_rows import PeriodGrid
from scoring.kpis.periods import Period
from scoring.portfolio import csat, nps

__all__ = [
    "complaint_count",
    "complaint_count_by_period",
    "complaint_rate",
    "complaint_rate_by_period",
    "csat_by_period",
    "nps_by_period",
    "period_csat",
    "period_nps",
]


def _on_scale(surveys: pd.DataFrame, survey: str, scale: tuple[float, float]) -> np.ndarray:
    on: np.ndarray = (
        (surveys["survey"] == survey).to_numpy(dtype=bool)
        & (surveys["scale_min"] == scale[0]).to_numpy(dtype=bool)
        & (surveys["scale_max"] == scale[1]).to_numpy(dtype=bool)
    )
    return on


def _answers(surveys: pd.DataFrame, period: Period, survey: str, scale: tuple[float, float]) -> np.ndarray:
    mask = period.contains(surveys["responded_at"]) & _on_scale(surveys, survey, scale)
    answers: np.ndarray = surveys.loc[mask, "score"].to_numpy(dtype=np.float64)
    return answers


def _answers_by_period(surveys: pd.DataFrame, grid: PeriodGrid, survey: str, scale: tuple[float, float]) -> list[np.ndarray]:
    on = _on_scale(surveys, survey, scale)
    scores = surveys["score"].to_numpy(dtype=np.float64)[on]
    return grid.per_period(scores, grid.positions(surveys["responded_at"])[on])


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


def csat_by_period(
    surveys: pd.DataFrame,
    grid: PeriodGrid,
    *,
    survey: str = "csat",
    scale: tuple[float, float] = (1, 5),
    satisfied: Iterable[float] = (4, 5),
) -> list[tuple[float, int]]:
    """:func:`period_csat` of every period of ``grid`` at once."""
    hits = frozenset(satisfied)
    return [(csat(a, satisfied=hits), int(a.size)) for a in _answers_by_period(surveys, grid, survey, scale)]


def nps_by_period(surveys: pd.DataFrame, grid: PeriodGrid, *, survey: str = "nps") -> list[tuple[float, int]]:
    """:func:`period_nps` of every period of ``grid`` at once."""
    return [(nps(a), int(a.size)) for a in _answers_by_period(surveys, grid, survey, (0, 10))]


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


def _complainers_by_period(cases: pd.DataFrame, grid: PeriodGrid) -> list[np.ndarray]:
    complaint = cases["is_complaint"].to_numpy(dtype=bool)
    who = cases["customer_id"].to_numpy()[complaint]
    return grid.per_period(who, grid.positions(cases["opened_at"])[complaint])


def complaint_count_by_period(cases: pd.DataFrame, grid: PeriodGrid) -> list[int]:
    """:func:`complaint_count` of every period of ``grid`` at once."""
    return [len(who) for who in _complainers_by_period(cases, grid)]


def complaint_rate_by_period(cases: pd.DataFrame, grid: PeriodGrid, bases: Sequence[np.ndarray]) -> list[float]:
    """:func:`complaint_rate` of every period of ``grid`` at once; ``bases``: each period's customer ids, unique."""
    rates = []
    for who, base in zip(_complainers_by_period(cases, grid), bases, strict=True):
        shared = np.intersect1d(np.unique(who), base, assume_unique=True)
        rates.append(float("nan") if len(base) == 0 else 100.0 * len(shared) / len(base))
    return rates
