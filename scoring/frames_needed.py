"""Which on-demand frames a config needs, so the store can skip reading the others.

Kept apart from the engine because the store edge (``crmscore.frames``) asks it *before* any
frame exists: it looks only at the configured indicator kinds, never at data.
"""

from __future__ import annotations

from scoring.config import FORMULA_KIND, ScoringConfig
from scoring.frames import ON_DEMAND_FRAMES
from scoring.indicators import get_kind

__all__ = ["unread_frames"]


def unread_frames(config: ScoringConfig) -> frozenset[str]:
    """The on-demand frames no indicator of ``config`` reads (formulas combine indicators only)."""
    needed: set[str] = set()
    for spec in config.indicators:
        if spec.kind != FORMULA_KIND:
            needed |= get_kind(spec.kind).reads
    return frozenset(ON_DEMAND_FRAMES) - needed
