"""Segments: RFM maps (ordered rules over R/F/M score ranges, first match wins) and value tiers.

Segments are data, not code, because the "standard" maps disagree with each other (see
docs/indicators.md). Two maps ship as presets; a config can instead give its own ordered rules,
each optionally narrowed by a condition over indicators and customer fields, or use value tiers
(high value / potential / low value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from scoring.conditions import Fields, holds
from scoring.config import ScoreRange, SegmentRule, SegmentSpec, ValueTiers

__all__ = ["PRESETS", "RFM_RANGES", "RFM_RF_10", "assign_segments", "matches", "rules_for", "value_tiers"]


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


def value_tiers(
    measure: np.ndarray, r: np.ndarray, ids: np.ndarray, has_orders: np.ndarray, spec: ValueTiers
) -> np.ndarray:
    """High value / Potential / Low value per buyer (None for customers without purchases).

    High value: the top ``ceil(n · high_value_percent / 100)`` of the ``n`` buyers with a measure,
    ranked by ``(measure, customer_id)`` as RFM ranks are (equal values: the higher id ranks
    higher). Potential: other buyers with R ≥ ``potential_min_r``. Low value: everyone else.
    """
    buyers = np.asarray(has_orders, dtype=bool)
    measure = np.asarray(measure, dtype=np.float64)
    ranked = buyers & ~np.isnan(measure)
    n = int(ranked.sum())
    top = int(np.ceil(n * spec.high_value_percent / 100.0 - 1e-9)) if n else 0
    high = np.zeros(measure.shape, dtype=bool)
    if top:
        idx = np.flatnonzero(ranked)
        order = np.lexsort((ids[idx], measure[idx]))
        high[idx[order[n - top :]]] = True
    out = np.where(high, spec.high_value, np.where(np.asarray(r) >= spec.potential_min_r, spec.potential, spec.low_value))
    out = out.astype(object)
    out[~buyers] = None
    return out


def assign_segments(
    r: np.ndarray,
    f: np.ndarray,
    m: np.ndarray,
    has_orders: np.ndarray,
    spec: SegmentSpec,
    *,
    fields: Fields | None = None,
    measure: np.ndarray | None = None,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """Segment name per customer. ``r``/``f``/``m`` are 1–5 where ``has_orders`` (anything elsewhere).

    ``fields`` feed rule conditions; ``measure`` and ``ids`` are what value tiers rank by.
    """
    r, f, m = (np.asarray(x, dtype=np.int64) for x in (r, f, m))
    if spec.kind == "value_tiers":
        if measure is None or ids is None:
            raise ValueError("value tiers need the measure and the customer ids")
        out = value_tiers(measure, r, np.asarray(ids), has_orders, spec.value_tiers)
    else:
        rules: Sequence[SegmentRule] = rules_for(spec)
        names = np.asarray([rule.name for rule in rules] + [spec.otherwise], dtype=object)
        columns = []
        for rule in rules:
            hit = matches(rule, r, f, m)
            if rule.when is not None:
                if fields is None:
                    raise ValueError(f"segment rule {rule.name!r} has a condition but no fields were given")
                hit &= holds(rule.when, fields, r.size)
            columns.append(hit)
        hit_matrix = np.column_stack(columns + [np.ones(r.shape, dtype=bool)])
        out = names[np.argmax(hit_matrix, axis=1)]  # argmax finds the first True: first match wins
    out[~np.asarray(has_orders, dtype=bool)] = spec.no_purchases
    return out
