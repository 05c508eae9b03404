"""Checks on a list of bands (the top-level ones and each scorecard scheme's): order, names, ranges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmscore.config.schema import Finding, Path

__all__ = ["bands_findings"]


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def bands_findings(bands: Any, path: Path) -> Iterator[Finding]:
    """Ordering, names and the optional ``max`` of a list of bands at ``path``."""
    items = [(i, b) for i, b in enumerate(bands) if isinstance(b, dict)] if isinstance(bands, list) else []
    names: dict[str, int] = {}
    previous: tuple[str, Any] | None = None  # (name, min) of the band before, min as written
    for i, band in items:
        name, low = band.get("name"), band.get("min")
        if isinstance(name, str):
            if name in names:
                yield Finding(path + (i, "name"), f"duplicate band name {name!r} (also {path[-1]}[{names[name]}])")
            names.setdefault(name, i)
        if not _num(low):
            continue
        if i == 0 and low != 0:
            yield Finding(path + (0, "min"), f"the first band must start at 0, got {low}")
        if previous is not None and low <= previous[1]:
            yield Finding(
                path + (i, "min"),
                f"band {name!r} starts at {low}, not above the previous band {previous[0]!r} ({previous[1]}); "
                "list bands from low to high, each with a different min",
            )
        previous = (str(name), low)
    for pos, (i, band) in enumerate(items):
        nxt = items[pos + 1][1] if pos + 1 < len(items) else None
        top_raw: Any = band.get("max")
        end_raw: Any = nxt.get("min") if nxt is not None else 100
        if not _num(top_raw) or not _num(end_raw):
            continue
        top, end = float(top_raw), float(end_raw)
        name = band.get("name")
        if _num(band.get("min")) and top <= band["min"]:
            yield Finding(path + (i, "max"), f"max ({top_raw}) must be above the band's min ({band['min']})")
        elif top > end:
            yield Finding(path + (i, "max"), f"band {name!r} runs to {top_raw}, overlapping the next band, which starts at {end_raw}")
        elif top < end:
            where = "the next band starts" if nxt is not None else "the scale ends"
            yield Finding(
                path + (i, "max"), f"band {name!r} ends at {top_raw} but {where} at {end_raw}: scores in between would have no band"
            )
