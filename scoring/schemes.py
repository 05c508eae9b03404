"""Scoring schemes: how a 0–100 health score is shown — a number, a colour or a grade — via bands.

A scheme is a list of bands from low to high; a score falls in the band with the highest ``min``
not above it. ``max`` is optional and only there so admins can write ranges the way Gainsight shows
them ("0–40 Poor"); the validator checks each ``max`` equals the next band's ``min`` (no gap, no
overlap) and the last one is 100, so the ``min``s alone always decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_BANDS", "SCHEME_KINDS", "Band", "Scheme", "assign_bands"]

SCHEME_KINDS = ("numeric", "colour", "grade")


@dataclass(frozen=True)
class Band:
    name: str
    min: float
    color: str | None = None
    max: float | None = None
    grade: str | None = None


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("At risk", 0, "#d9534f"),
    Band("Watch", 40, "#f0ad4e"),
    Band("Healthy", 60, "#5cb85c"),
    Band("Champion", 80, "#1f7a4d"),
)


@dataclass(frozen=True)
class Scheme:
    """``kind`` says what a UI shows first: the number, the band colour, or the band grade."""

    bands: tuple[Band, ...] = DEFAULT_BANDS
    kind: str = "numeric"


def assign_bands(health: np.ndarray, bands: Sequence[Band]) -> np.ndarray:
    """The band name per score: the band with the highest ``min`` ≤ score (None for NaN).

    Bands are validated to be sorted with the first at 0; a score below 0 (only possible with
    unclipped normalisation) still falls in the first band rather than in none.
    """
    health = np.asarray(health, dtype=np.float64)
    mins = np.asarray([b.min for b in bands], dtype=np.float64)
    names = np.asarray([b.name for b in bands], dtype=object)
    idx = np.clip(np.searchsorted(mins, health, side="right") - 1, 0, len(bands) - 1)
    out = names[idx]
    out[np.isnan(health)] = None
    return out
