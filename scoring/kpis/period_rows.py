"""Which period each row falls in, found once for a whole list of periods.

A KPI table over 240 monthly periods that filtered every frame once per period and KPI would read
millions of orders thousands of times. Instead each row gets the position of its period with one
binary search on the period boundaries; counts are then one ``bincount``, and one stable sort by
position gives every period's values as a contiguous slice — in row order, so a sum over a slice
adds the same numbers in the same order as a sum over the rows a period's mask keeps, and gives the
same bits.

That needs periods that do not overlap; :func:`disjoint_layers` splits any list into runs that don't.
Comparisons are exact whatever the time units: a boundary is floored to the unit of the stamps it is
compared with, and for a stamp ``t`` in that unit ``t > b ⟺ t > floor(b)`` and ``t ≤ b ⟺ t ≤ floor(b)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from scoring.kpis.periods import Period

__all__ = ["PeriodGrid", "disjoint_layers", "floor_stamp", "stamp_values"]

_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_INT64 = np.iinfo(np.int64)


def stamp_values(stamps: pd.Series) -> tuple[np.ndarray, str]:
    """``(int64 values, unit)`` of timezone-aware stamps, in UTC; a missing stamp is the int64 minimum (NaT).

    An empty column may be untyped (a store query with no rows), so it gives no values rather than an error.
    """
    if len(stamps) == 0:
        return np.empty(0, dtype=np.int64), "ns"
    naive = stamps.dt.tz_convert(None).to_numpy()
    unit = np.datetime_data(naive.dtype)[0]
    values: np.ndarray = naive.view(np.int64)
    return values, unit


def floor_stamp(at: pd.Timestamp, unit: str) -> int:
    """``at`` floored to ``unit`` as an integer of that unit, clamped to the range of real stamps.

    Clamping cannot change a comparison: every real stamp lies inside the range (the minimum is NaT).
    """
    value = int(at.asm8.astype(np.int64)) * _NS_PER[at.unit]
    return min(max(value // _NS_PER[unit], _INT64.min + 1), _INT64.max)


def disjoint_layers(periods: Sequence[Period]) -> list[list[int]]:
    """Positions of ``periods`` split into layers of pairwise disjoint periods, each sorted by start.

    Calendar periods make one layer; overlapping ones (rolling windows, a period listed twice) make
    more, each still computed in one pass.
    """
    layers: list[list[int]] = []
    ends: list[pd.Timestamp] = []
    for i in sorted(range(len(periods)), key=lambda i: (periods[i].start, periods[i].end)):
        for k, end in enumerate(ends):
            if end <= periods[i].start:
                layers[k].append(i)
                ends[k] = periods[i].end
                break
        else:
            layers.append([i])
            ends.append(periods[i].end)
    return layers


class PeriodGrid:
    """Disjoint periods sorted by start: which of them each stamp falls in, and per-period counts and sums."""

    def __init__(self, periods: Sequence[Period]) -> None:
        for a, b in pairwise(periods):
            if b.start < a.end:
                raise ValueError(f"periods must be sorted and disjoint: {a.label} then {b.label}")
        self.periods = list(periods)

    def positions(self, stamps: pd.Series) -> np.ndarray:
        """For each stamp, the position of the period holding it (``start < t ≤ end``), or -1."""
        values, unit = stamp_values(stamps)
        starts, ends = self.bounds(unit)
        at = np.searchsorted(ends, values, side="left")  # the first period ending at or after t
        inside = at < len(ends)
        inside[inside] &= values[inside] > starts[at[inside]]
        inside &= values != _INT64.min  # NaT is in no period
        out: np.ndarray = np.where(inside, at, -1)
        return out

    def bounds(self, unit: str) -> tuple[np.ndarray, np.ndarray]:
        """Each period's start and end floored to ``unit`` (see the module docstring)."""
        starts = np.array([floor_stamp(p.start, unit) for p in self.periods], dtype=np.int64)
        ends = np.array([floor_stamp(p.end, unit) for p in self.periods], dtype=np.int64)
        return starts, ends

    def per_period(self, values: np.ndarray, positions: np.ndarray) -> list[np.ndarray]:
        """``values`` of the rows in each period (``positions`` as :meth:`positions` gives), in row order."""
        order = np.argsort(positions, kind="stable")
        cuts = np.searchsorted(positions[order], np.arange(len(self.periods) + 1), side="left")
        grouped = values[order]
        return [grouped[cuts[k] : cuts[k + 1]] for k in range(len(self.periods))]

    def counts(self, positions: np.ndarray) -> np.ndarray:
        """How many rows fall in each period."""
        counted: np.ndarray = np.bincount(positions[positions >= 0], minlength=len(self.periods))
        return counted

    def sums(self, values: np.ndarray, positions: np.ndarray) -> list[float]:
        """Each period's sum of ``values`` as ``Series.sum`` makes it: NaN counted as 0, rows added in order.

        Same numbers in the same order through the same numpy reduction, so the same bits as summing the
        rows a period's mask keeps (dropping the NaNs instead would regroup the pairwise sum).
        """
        return [float(np.where(np.isnan(part), 0.0, part).sum()) for part in self.per_period(values, positions)]
