"""RFM segment maps: ordered rules over R/F/M score ranges, first match wins.

Segments are data, not code, because the "standard" maps disagree with each other (see
docs/indicators.md). Two maps ship as presets; a config can instead give its own ordered rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from scoring.config import ScoreRange, SegmentRule, SegmentSpec

__all__ = ["PRESETS", "RFM_RANGES", "RFM_RF_10", "assign_segments", "matches", "rules_for"]


def _rule(name: str, r: tuple[int, int], f: tuple[int, int], m: tuple[int, int] = (1, 5)) -> SegmentRule:
    return SegmentRule(name, ScoreRange(*r), ScoreRange(*f), ScoreRange(*m))


#: Map A: the 10-segment R×F map of the common pandas recipe; its cells partition the 5×5 grid.
RFM_RF_10: tuple[SegmentRule, ...] = (
    _rule("Hibernating", (1, 2), (1, 2)),
    _rule("At Risk", (1, 2), (3, 4)),
    _rule("Can't Lose Them", (1, 2), (5, 5)),
    _rule("About To Sleep", (3, 3), (1, 2)),
    _rule("Need Attention", (3, 3), (3, 3)),
    _rule("Loyal Customers", (3, 4), (4, 5)),
    _rule("Promising", (4, 4), (1, 1)),
    _rule("New Customers", (5, 5), (1, 1)),
    _rule("Potential Loyalists", (4, 5), (2, 3)),
    _rule("Champions", (5, 5), (4, 5)),
)

#: Map B: the R package ``rfm`` (rsquaredacademy) ranges, in its order; unmatched → "otherwise".
RFM_RANGES: tuple[SegmentRule, ...] = (
    _rule("Champions", (4, 5), (4, 5), (4, 5)),
    _rule("Loyal Customers", (2, 5), (3, 5), (3, 5)),
    _rule("Potential Loyalist", (3, 5), (1, 3), (1, 3)),
    _rule("New Customers", (4, 5), (1, 1), (1, 1)),
    _rule("Promising", (3, 4), (1, 1), (1, 1)),
    _rule("Need Attention", (2, 3), (2, 3), (2, 3)),
    _rule("About To Sleep", (2, 3), (1, 2), (1, 2)),
    _rule("At Risk", (1, 2), (2, 5), (2, 5)),
    _rule("Can't Lose Them", (1, 1), (4, 5), (4, 5)),
    _rule("Lost", (1, 2), (1, 2), (1, 2)),
)

PRESETS: Mapping[str, tuple[SegmentRule, ...]] = MappingProxyType(
    {"rfm_rf_10": RFM_RF_10, "rfm_ranges": RFM_RANGES}
)


def rules_for(spec: SegmentSpec) -> tuple[SegmentRule, ...]:
    if spec.kind == "rules":
        return spec.rules
    if spec.preset is None or spec.preset not in PRESETS:
        raise ValueError(f"unknown segment preset {spec.preset!r}; known: {', '.join(PRESETS)}")
    return PRESETS[spec.preset]


def _within(scores: np.ndarray, rng: ScoreRange) -> np.ndarray:
    inside: np.ndarray = (scores >= rng.min) & (scores <= rng.max)
    return inside


def matches(rule: SegmentRule, r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Which (r, f, m) triples fall inside every range of ``rule``."""
    hit: np.ndarray = _within(r, rule.r) & _within(f, rule.f) & _within(m, rule.m)
    return hit


def assign_segments(
    r: np.ndarray, f: np.ndarray, m: np.ndarray, has_orders: np.ndarray, spec: SegmentSpec
) -> np.ndarray:
    """Segment name per customer. ``r``/``f``/``m`` are 1–5 where ``has_orders`` (anything elsewhere)."""
    rules: Sequence[SegmentRule] = rules_for(spec)
    r, f, m = (np.asarray(x, dtype=np.int64) for x in (r, f, m))
    names = np.asarray([rule.name for rule in rules] + [spec.otherwise], dtype=object)
    hit = np.column_stack([matches(rule, r, f, m) for rule in rules] + [np.ones(r.shape, dtype=bool)])
    out: np.ndarray = names[np.argmax(hit, axis=1)]  # argmax finds the first True: first match wins
    out[~np.asarray(has_orders, dtype=bool)] = spec.no_purchases
    return out
