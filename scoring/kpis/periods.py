"""Reporting periods: ``start < t ≤ end``, the same half-open convention as indicator windows.

Closed on the right so that a period ending at as_of counts an event stamped exactly at as_of, and
consecutive periods share no instant, so monthly figures add up to the quarter's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = ["Period", "periods"]


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
