"""The typed scoring configuration: what the engine needs, with every default filled in.

This is built from a config document that ``crmscore.config`` has already checked (JSON Schema,
semantic rules and formula compilation, with file positions in the messages), so it only has to be
correct for valid input. It stays free of I/O so scoring remains pure; the original document is kept
as ``raw`` because the pipeline stores exactly what the admin wrote as a config version.

The defaults here are the ones the JSON Schema documents under ``default``; a test keeps them equal.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from scoring.alerts.rules import AlertRule, parse_alert_rule
from scoring.conditions import Condition, parse_condition
from scoring.schemes import DEFAULT_BANDS, Band, Scheme
from scoring.scorecards import (
    DEFAULT_NEUTRAL,
    Scorecard,
    implicit_scorecard,
    parse_scorecard,
)

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_NEUTRAL",
    "DEFAULT_WINDOW_DAYS",
    "FORMULA_KIND",
    "Band",
    "IndicatorSpec",
    "MissingPolicy",
    "Normalise",
    "RFMSpec",
    "Scheme",
    "ScoreRange",
    "ScoringConfig",
    "SegmentRule",
    "SegmentSpec",
    "Tier",
    "ValueTiers",
]

DEFAULT_WINDOW_DAYS = 365
FORMULA_KIND = "formula"


@dataclass(frozen=True)
class Tier:
    """Values up to ``max`` (inclusive; ``None`` = no upper limit) get ``points`` (0–100)."""

    max: float | None
    points: float


@dataclass(frozen=True)
class Normalise:
    """How a raw indicator value becomes a 0–100 score (before the direction is applied)."""

    method: str = "minmax"  # minmax | percentile | zscore | tiers
    min: float | None = None  # minmax: fixed lower bound (else the portfolio minimum)
    max: float | None = None  # minmax: fixed upper bound (else the portfolio maximum)
    clip: bool = True  # minmax: clamp values outside the bounds to 0 / 100
    clip_z: float = 3.0  # zscore: z-scores are clipped to ±clip_z, which map to 0 and 100
    tiers: tuple[Tier, ...] = ()  # tiers: value ranges → points, first matching tier wins


@dataclass(frozen=True)
class MissingPolicy:
    """What a customer without a value for an indicator gets."""

    policy: str = "exclude"  # exclude (renormalise the other weights) | default (``score``) | penalise (0)
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
    expression: str | None = None  # kind: formula only


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
    when: Condition | None = None  # extra condition over indicators and customer fields


@dataclass(frozen=True)
class ValueTiers:
    """High value = top ``high_value_percent`` % of buyers by ``measure``; Potential = other buyers
    with R ≥ ``potential_min_r``; Low value = the remaining buyers."""

    measure: str | None = None  # an indicator key; None = RFM monetary
    high_value_percent: float = 20.0
    potential_min_r: int = 4
    high_value: str = "High value"
    potential: str = "Potential"
    low_value: str = "Low value"


@dataclass(frozen=True)
class SegmentSpec:
    kind: str = "preset"  # preset | rules | value_tiers
    preset: str | None = "rfm_rf_10"
    rules: tuple[SegmentRule, ...] = ()
    otherwise: str = "Others"
    no_purchases: str = "No Purchases"
    value_tiers: ValueTiers = ValueTiers()


@dataclass(frozen=True)
class RFMSpec:
    """``window_days`` bounds frequency and monetary; ``None`` means all history up to as_of."""

    window_days: int | None = DEFAULT_WINDOW_DAYS


@dataclass(frozen=True)
class ScoringConfig:
    indicators: tuple[IndicatorSpec, ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS
    version: int = 1
    name: str = ""
    window_days: int = DEFAULT_WINDOW_DAYS
    rfm: RFMSpec = RFMSpec()
    segments: SegmentSpec = SegmentSpec()
    scorecards: tuple[Scorecard, ...] = ()  # () = the implicit one-group scorecard (see ``cards``)
    alerts: tuple[AlertRule, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def cards(self) -> tuple[Scorecard, ...]:
        """The scorecards in force: the configured ones, or the implicit one built from the weights."""
        if self.scorecards:
            return self.scorecards
        triples = [(i.key, i.label, i.weight) for i in self.indicators]
        return (implicit_scorecard(triples, Scheme(self.bands)),)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ScoringConfig:
        """Build from a validated config document (plain dicts/lists as parsed from YAML/JSON)."""
        window = int(doc.get("window_days", DEFAULT_WINDOW_DAYS))
        bands = tuple(_band(b) for b in doc.get("bands", ())) or DEFAULT_BANDS
        rfm_doc = doc.get("rfm", {})
        return cls(
            version=int(doc.get("version", 1)),
            name=str(doc.get("name", "")),
            window_days=window,
            indicators=tuple(_indicator(d) for d in doc["indicators"]),
            bands=bands,
            rfm=RFMSpec(window_days=rfm_doc.get("window_days", window)),
            segments=_segments(doc.get("segments", {})),
            scorecards=tuple(parse_scorecard(s, Scheme(bands), _scheme) for s in doc.get("scorecards", ())),
            alerts=tuple(parse_alert_rule(a) for a in doc.get("alerts", ())),
            raw=copy.deepcopy(dict(doc)),
        )


def _band(b: Mapping[str, Any]) -> Band:
    return Band(b["name"], float(b["min"]), b.get("color"), _opt_float(b.get("max")), b.get("grade"))


def _scheme(d: Mapping[str, Any]) -> Scheme:
    return Scheme(bands=tuple(_band(b) for b in d["bands"]), kind=d.get("kind", "numeric"))


def _indicator(d: Mapping[str, Any]) -> IndicatorSpec:
    norm = d.get("normalise", {})
    miss = d.get("missing", {})
    return IndicatorSpec(
        key=d["key"],
        kind=d["kind"],
        weight=float(d.get("weight", 1)),
        label=d.get("label", d["key"]),
        description=d.get("description", ""),
        params=MappingProxyType(copy.deepcopy(dict(d.get("params", {})))),
        direction=d.get("direction", "higher_is_better"),
        normalise=Normalise(
            method=norm.get("method", "minmax"),
            min=_opt_float(norm.get("min")),
            max=_opt_float(norm.get("max")),
            clip=bool(norm.get("clip", True)),
            clip_z=float(norm.get("clip_z", 3.0)),
            tiers=tuple(Tier(_opt_float(t.get("max")), float(t["points"])) for t in norm.get("tiers", ())),
        ),
        missing=MissingPolicy(policy=miss.get("policy", "exclude"), score=_opt_float(miss.get("score"))),
        expression=d.get("expression"),
    )


def _range(d: Mapping[str, Any] | None) -> ScoreRange:
    d = d or {}
    return ScoreRange(int(d.get("min", 1)), int(d.get("max", 5)))


def _value_tiers(d: Mapping[str, Any]) -> ValueTiers:
    names = d.get("names", {})
    base = ValueTiers()
    return ValueTiers(
        measure=d.get("measure"),
        high_value_percent=float(d.get("high_value_percent", base.high_value_percent)),
        potential_min_r=int(d.get("potential_min_r", base.potential_min_r)),
        high_value=names.get("high_value", base.high_value),
        potential=names.get("potential", base.potential),
        low_value=names.get("low_value", base.low_value),
    )


def _segments(d: Mapping[str, Any]) -> SegmentSpec:
    kind = d.get("kind", "preset")
    return SegmentSpec(
        kind=kind,
        preset=d.get("preset", "rfm_rf_10") if kind == "preset" else None,
        rules=tuple(
            SegmentRule(
                r["name"],
                _range(r.get("r")),
                _range(r.get("f")),
                _range(r.get("m")),
                parse_condition(r["when"]) if "when" in r else None,
            )
            for r in d.get("rules", ())
        ),
        otherwise=d.get("otherwise", "Others"),
        no_purchases=d.get("no_purchases", "No Purchases"),
        value_tiers=_value_tiers(d) if kind == "value_tiers" else ValueTiers(),
    )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)
