"""Reporting periods: ``start < t ≤ end``, the same half-open convention as indicator windows.

Closed on the right so that a period ending at as_of counts an event stamped exactly at as_of, and
consecutive periods share no instant, so monthly figures add up to the quarter's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = ["PERIOD_KINDS", "Period", "calendar_periods", "period_label", "periods"]

#: The calendar periods reports are split into, with their pandas frequency.
PERIOD_KINDS: Mapping[str, str] = {"month": "MS", "quarter": "QS", "year": "YS"}


def _utc(value: datetime | pd.Timestamp, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {ts.isoformat()}")
    return ts.tz_convert("UTC")


@dataclass(frozen=True, init=False)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp

    def __init__(self, start: datetime | pd.Timestamp, end: datetime | pd.Timestamp) -> None:
        s, e = _utc(start, "start"), _utc(end, "end")
        if e <= s:
            raise ValueError(f"a period must end after it starts: {s.isoformat()} .. {e.isoformat()}")
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    @property
    def days(self) -> float:
        return (self.end - self.start) / pd.Timedelta(days=1)

    def contains(self, stamps: pd.Series) -> np.ndarray:
        """Which timestamps fall in ``start < t ≤ end`` (missing ones never do)."""
        inside: np.ndarray = np.array((stamps > self.start) & (stamps <= self.end), dtype=bool)  # writable copy
        return inside

    @property
    def label(self) -> str:
        return f"{self.start.date().isoformat()}..{self.end.date().isoformat()}"


def periods(start: datetime | pd.Timestamp, end: datetime | pd.Timestamp, freq: str = "MS") -> list[Period]:
    """Consecutive periods between two dates at a pandas frequency (``MS`` months, ``QS`` quarters…)."""
    edges = pd.date_range(_utc(start, "start"), _utc(end, "end"), freq=freq)
    stamps = [_utc(start, "start"), *[e for e in edges if _utc(start, "start") < e < _utc(end, "end")], _utc(end, "end")]
    return [Period(a, b) for a, b in pairwise(stamps)]


def _midnight(day: date) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, time(), tzinfo=UTC))


def calendar_periods(kind: str, first_day: date, last_day: date) -> list[Period]:
    """Whole days ``first_day`` … ``last_day`` (both included), split at calendar month, quarter or year starts.

    Users name days, not instants: "from 2025-01-01 to 2025-03-31" means all of March 31, so the
    range runs from ``first_day`` 00:00 to the midnight after ``last_day`` (UTC). The first and last
    periods are partial when the range does not start or end on a boundary.
    """
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
    if last_day < first_day:
        raise ValueError(f"from {first_day.isoformat()} is after to {last_day.isoformat()}")
    if last_day == date.max:
        raise ValueError(f"to {last_day.isoformat()} is the last day a date can hold; its end cannot be represented")
    return periods(_midnight(first_day), _midnight(last_day + timedelta(days=1)), PERIOD_KINDS[kind])


def period_label(period: Period, kind: str) -> str:
    """``2025-01``, ``2025-Q1`` or ``2025`` for a whole calendar period; else the days it covers.

    A partial period is labelled with its first and last day (``2025-01-15..2025-01-31``), both
    included, so a label never suggests more data than the period holds.
    """
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
    start, end = period.start, period.end
    whole = start == start.normalize() and end == end.normalize()
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    if whole and start.day == 1 and (start.month - 1) % months == 0 and end == start + pd.DateOffset(months=months):
        if kind == "month":
            return start.strftime("%Y-%m")
        if kind == "quarter":
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        return str(start.year)
    if whole:
        return f"{start.date().isoformat()}..{(end - pd.Timedelta(days=1)).date().isoformat()}"
    return period.label
