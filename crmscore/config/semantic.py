"""Rules JSON Schema cannot express: uniqueness, ordering, and relations between fields.

These run on documents that may also have schema errors, so every check looks before it leaps
(``isinstance`` first) and simply skips parts that are the wrong shape — the schema layer has
already reported those. References between parts (scorecards → indicators, conditions → fields,
formulas → each other) are checked in ``crmscore.config.references``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from crmscore.config.bands import bands_findings
from crmscore.config.formulas import formula_cycle_findings
from crmscore.config.references import reference_findings
from crmscore.config.schema import Finding, Path
from scoring.customer_fields import condition_fields
from scoring.fields import FIELDS

__all__ = ["semantic_findings"]

#: Names an indicator key may not take: they already mean something in formulas and conditions.
RESERVED_KEYS = frozenset(FIELDS) | frozenset(condition_fields(()))


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dicts(doc: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    items = doc.get(key) if isinstance(doc, dict) else None
    return [(i, d) for i, d in enumerate(items) if isinstance(d, dict)] if isinstance(items, list) else []


def _non_finite(node: Any, path: Path) -> Iterator[Finding]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _non_finite(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _non_finite(v, path + (i,))
    elif isinstance(node, float) and not math.isfinite(node):
        yield Finding(path, f"must be a finite number, got {node}")


def _indicators(doc: Any) -> Iterator[Finding]:
    first_use: dict[str, int] = {}
    for i, ind in _dicts(doc, "indicators"):
        key = ind.get("key")
        if isinstance(key, str) and key in RESERVED_KEYS:
            yield Finding(("indicators", i, "key"), f"{key!r} is a built-in field name; choose another key")
        if isinstance(key, str):
            if key in first_use:
                yield Finding(("indicators", i, "key"), f"duplicate indicator key {key!r} (also indicators[{first_use[key]}])")
            else:
                first_use[key] = i
        norm = ind.get("normalise")
        if isinstance(norm, dict) and _num(norm.get("min")) and _num(norm.get("max")) and norm["min"] >= norm["max"]:
            yield Finding(
                ("indicators", i, "normalise", "max"),
                f"max ({norm['max']}) must be greater than min ({norm['min']})",
            )
        if isinstance(norm, dict) and norm.get("method") == "tiers":
            yield from _tiers(norm.get("tiers"), ("indicators", i, "normalise", "tiers"))
            if ind.get("direction") == "lower_is_better":
                yield Finding(
                    ("indicators", i, "direction"),
                    "direction does not apply to tiers: give each tier the points it deserves instead",
                )
        params = ind.get("params")
        if ind.get("kind") == "csat" and isinstance(params, dict):
            yield from _csat_params(params, ("indicators", i, "params"))


def _tiers(tiers: Any, path: Path) -> Iterator[Finding]:
    if not isinstance(tiers, list):
        return
    previous: Any = None
    for j, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            continue
        last = j == len(tiers) - 1
        top = tier.get("max")
        if top is None and not last:
            yield Finding(path + (j,), "only the last tier may leave out max (it catches every value above)", at_key=True)
        elif top is not None and last:
            yield Finding(path + (j, "max"), "leave max out of the last tier so that every value above the others gets points")
        if _num(top) and _num(previous) and top <= previous:
            yield Finding(path + (j, "max"), f"tiers must go from low to high: {top} is not above the previous tier's max ({previous})")
        if _num(top):
            previous = top


def _csat_params(params: dict[str, Any], path: Path) -> Iterator[Finding]:
    lo, hi = params.get("scale_min", 1), params.get("scale_max", 5)
    if not (_num(lo) and _num(hi)):
        return
    if lo >= hi:
        yield Finding(path + ("scale_max",), f"scale_max ({hi}) must be greater than scale_min ({lo})")
        return
    satisfied = params.get("satisfied")
    if isinstance(satisfied, list):
        for j, s in enumerate(satisfied):
            if _num(s) and not lo <= s <= hi:
                yield Finding(path + ("satisfied", j), f"{s} is outside the answer scale {lo}–{hi}")


def _bands(doc: Any) -> Iterator[Finding]:
    yield from bands_findings(doc.get("bands") if isinstance(doc, dict) else None, ("bands",))


def _segments(doc: Any) -> Iterator[Finding]:
    segments = doc.get("segments") if isinstance(doc, dict) else None
    for i, rule in _dicts(segments, "rules"):
        for dim in ("r", "f", "m"):
            rng = rule.get(dim)
            if isinstance(rng, dict) and _num(rng.get("min")) and _num(rng.get("max")) and rng["min"] > rng["max"]:
                yield Finding(
                    ("segments", "rules", i, dim, "max"),
                    f"max ({rng['max']}) is below min ({rng['min']})",
                )


def semantic_findings(doc: Any) -> list[Finding]:
    """Every semantic problem in ``doc`` (which may also break the schema)."""
    return [*_non_finite(doc, ()), *_indicators(doc), *_bands(doc), *_segments(doc), *reference_findings(doc), *formula_cycle_findings(doc)]
