"""Rules JSON Schema cannot express: uniqueness, ordering, and relations between fields.

These run on documents that may also have schema errors, so every check looks before it leaps
(``isinstance`` first) and simply skips parts that are the wrong shape — the schema layer has
already reported those.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from crmscore.config.schema import Finding, Path

__all__ = ["semantic_findings"]


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
        params = ind.get("params")
        if ind.get("kind") == "csat" and isinstance(params, dict):
            yield from _csat_params(params, ("indicators", i, "params"))


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
    bands = _dicts(doc, "bands")
    names: dict[str, int] = {}
    previous: tuple[str, Any] | None = None  # (name, min) of the band before, min as written
    for i, band in bands:
        name, low = band.get("name"), band.get("min")
        if isinstance(name, str):
            if name in names:
                yield Finding(("bands", i, "name"), f"duplicate band name {name!r} (also bands[{names[name]}])")
            names.setdefault(name, i)
        if not _num(low):
            continue
        if i == 0 and low != 0:
            yield Finding(("bands", 0, "min"), f"the first band must start at 0, got {low}")
        if previous is not None and low <= previous[1]:
            yield Finding(
                ("bands", i, "min"),
                f"band {name!r} starts at {low}, not above the previous band {previous[0]!r} ({previous[1]}); "
                "list bands from low to high, each with a different min",
            )
        previous = (str(name), low)


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
    return [*_non_finite(doc, ()), *_indicators(doc), *_bands(doc), *_segments(doc)]
