"""The typed scoring configuration: what the engine needs, with every default filled in.

This is built from a config document that ``crmscore.config`` has already checked (JSON Schema plus
semantic rules, with file positions in the messages), so it only has to be correct for valid input.
It stays free of I/O so scoring remains pure; the original document is kept as ``raw`` because the
pipeline stores exactly what the admin wrote as a config version.

The defaults here are the ones the JSON Schema documents under ``default``; a test keeps them equal.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "DEFAULT_NEUTRAL",
    "DEFAULT_WINDOW_DAYS",
    "Band",
    "IndicatorSpec",
    "MissingPolicy",
    "Normalise",
    "RFMSpec",
    "ScoreRange",
    "ScoringConfig",
    "SegmentRule",
    "SegmentSpec",
]

DEFAULT_WINDOW_DAYS = 365
DEFAULT_NEUTRAL = 50.0


@dataclass(frozen=True)
class Normalise:
    """How a raw indicator value becomes a 0–100 score (before the direction is applied)."""

    method: str = "minmax"  # minmax | percentile
    min: float | None = None  # minmax: fixed lower bound (else the portfolio minimum)
    max: float | None = None  # minmax: fixed upper bound (else the portfolio maximum)
    clip: bool = True  # minmax: clamp values outside the bounds to 0 / 100


@dataclass(frozen=True)
class MissingPolicy:
    """What a customer without a value for an indicator gets."""

    policy: str = "exclude"  # exclude (renormalise the other weights) | default (use ``score``)
    score: float | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    kind: str
    weight: float
    label: str = ""
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    direction: str = "higher_is_better"  # higher_is_better | lower_is_better
    normalise: Normalise = Normalise()
    missing: MissingPolicy = MissingPolicy()


@dataclass(frozen=True)
class Band:
    name: str
    min: float
    color: str | None = None


@dataclass(frozen=True)
class ScoreRange:
    """An inclusive range of RFM scores (1–5)."""

    min: int = 1
    max: int = 5


@dataclass(frozen=True)
class SegmentRule:
    name: str
    r: ScoreRange = ScoreRange()
    f: ScoreRange = ScoreRange()
    m: ScoreRange = ScoreRange()


@dataclass(frozen=True)
class SegmentSpec:
    kind: str = "preset"  # preset | rules
    preset: str | None = "rfm_rf_10"
    rules: tuple[SegmentRule, ...] = ()
    otherwise: str = "Others"
    no_purchases: str = "No Purchases"


@dataclass(frozen=True)
class RFMSpec:
    """``window_days`` bounds frequency and monetary; ``None`` means all history up to as_of."""

    window_days: int | None = DEFAULT_WINDOW_DAYS


DEFAULT_BANDS: tuple[Band, ...] = (
    Band("At risk", 0, "#d9534f"),
    Band("Watch", 40, "#f0ad4e"),
    Band("Healthy", 60, "#5cb85c"),
    Band("Champion", 80, "#1f7a4d"),
)


@dataclass(frozen=True)
class ScoringConfig:
    indicators: tuple[IndicatorSpec, ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS
    version: int = 1
    name: str = ""
    window_days: int = DEFAULT_WINDOW_DAYS
    rfm: RFMSpec = RFMSpec()
    segments: SegmentSpec = SegmentSpec()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ScoringConfig:
        """Build from a validated config document (plain dicts/lists as parsed from YAML/JSON)."""
        window = int(doc.get("window_days", DEFAULT_WINDOW_DAYS))
        bands = tuple(Band(b["name"], float(b["min"]), b.get("color")) for b in doc.get("bands", ()))
        rfm_doc = doc.get("rfm", {})
        return cls(
            version=int(doc.get("version", 1)),
            name=str(doc.get("name", "")),
            window_days=window,
            indicators=tuple(_indicator(d) for d in doc["indicators"]),
            bands=bands or DEFAULT_BANDS,
            rfm=RFMSpec(window_days=rfm_doc.get("window_days", window)),
            segments=_segments(doc.get("segments", {})),
            raw=copy.deepcopy(dict(doc)),
        )


def _indicator(d: Mapping[str, Any]) -> IndicatorSpec:
    norm = d.get("normalise", {})
    miss = d.get("missing", {})
    return IndicatorSpec(
        key=d["key"],
        kind=d["kind"],
        weight=float(d["weight"]),
        label=d.get("label", d["key"]),
        description=d.get("description", ""),
        params=MappingProxyType(copy.deepcopy(dict(d.get("params", {})))),
        direction=d.get("direction", "higher_is_better"),
        normalise=Normalise(
            method=norm.get("method", "minmax"),
            min=_opt_float(norm.get("min")),
            max=_opt_float(norm.get("max")),
            clip=bool(norm.get("clip", True)),
        ),
        missing=MissingPolicy(policy=miss.get("policy", "exclude"), score=_opt_float(miss.get("score"))),
    )


def _range(d: Mapping[str, Any] | None) -> ScoreRange:
    d = d or {}
    return ScoreRange(int(d.get("min", 1)), int(d.get("max", 5)))


def _segments(d: Mapping[str, Any]) -> SegmentSpec:
    kind = d.get("kind", "preset")
    return SegmentSpec(
        kind=kind,
        preset=d.get("preset", "rfm_rf_10") if kind == "preset" else None,
        rules=tuple(
            SegmentRule(r["name"], _range(r.get("r")), _range(r.get("f")), _range(r.get("m")))
            for r in d.get("rules", ())
        ),
        otherwise=d.get("otherwise", "Others"),
        no_purchases=d.get("no_purchases", "No Purchases"),
    )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)
