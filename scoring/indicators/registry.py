"""The library of indicator kinds, keyed by ``kind``.

A config names a kind and passes parameters; the engine looks the kind up here. Adding an indicator
to the product means registering one function — no engine change — and adding its parameters to the
config schema (a test keeps the two lists equal).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scoring.frames import ON_DEMAND_FRAMES
from scoring.indicators.context import IndicatorOutput, IndicatorParams, ScoringData

__all__ = ["Compute", "IndicatorKind", "get_kind", "kinds", "register", "resolve_params"]

Compute = Callable[[ScoringData, IndicatorParams], IndicatorOutput]


@dataclass(frozen=True)
class IndicatorKind:
    kind: str
    compute: Compute
    defaults: Mapping[str, Any]
    windowed: bool
    unit: str
    summary: str
    reads: frozenset[str] = frozenset()  # on-demand frames (scoring.frames.ON_DEMAND_FRAMES) it needs


_REGISTRY: dict[str, IndicatorKind] = {}


def register(
    kind: str,
    *,
    unit: str,
    summary: str,
    windowed: bool = True,
    defaults: Mapping[str, Any] | None = None,
    reads: Collection[str] = (),
) -> Callable[[Compute], Compute]:
    """Decorator adding ``compute`` to the library under ``kind``.

    ``reads`` names the on-demand frames (``scoring.frames.ON_DEMAND_FRAMES``) the kind uses: the
    store reads those only when a configured indicator needs them.
    """
    unknown = set(reads) - set(ON_DEMAND_FRAMES)
    if unknown:
        raise ValueError(f"indicator kind {kind!r}: reads names {sorted(unknown)}, not on-demand frames {list(ON_DEMAND_FRAMES)}")

    def add(compute: Compute) -> Compute:
        if kind in _REGISTRY:
            raise ValueError(f"indicator kind {kind!r} is registered twice")
        _REGISTRY[kind] = IndicatorKind(
            kind=kind,
            compute=compute,
            defaults=MappingProxyType(dict(defaults or {})),
            windowed=windowed,
            unit=unit,
            summary=summary,
            reads=frozenset(reads),
        )
        return compute

    return add


def kinds() -> Mapping[str, IndicatorKind]:
    return MappingProxyType(_REGISTRY)


def get_kind(kind: str) -> IndicatorKind:
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown indicator kind {kind!r}; known kinds: {known}") from None


def resolve_params(kind: IndicatorKind, params: Mapping[str, Any], default_window: int) -> IndicatorParams:
    """Merge the kind's defaults with the configured params; ``window_days`` falls back to the config's."""
    values = {**kind.defaults, **{k: v for k, v in params.items() if k != "window_days"}}
    window = int(params.get("window_days", default_window))
    return IndicatorParams(window_days=window, values=MappingProxyType(values))
