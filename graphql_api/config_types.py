"""What the active config defines: indicators, bands, scorecards, segments; and config versions.

Built from the stored config document through ``scoring.config.ScoringConfig`` (the same parser the
engine uses), so the API shows exactly what scoring does — defaults included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

__all__ = [
    "Band",
    "ConfigIssue",
    "ConfigVersion",
    "IndicatorDefinition",
    "Scorecard",
    "ScorecardGroup",
    "Segment",
    "WeightedIndicator",
    "definitions_of",
    "segments_of",
]


@strawberry.type(description="A configured indicator: how a raw value becomes a 0–100 score.")
class IndicatorDefinition:
    key: str
    label: str
    kind: str = strawberry.field(description="The indicator kind (recency, csat, formula, ...).")
    description: str
    weight: float
    direction: str = strawberry.field(description="higher_is_better or lower_is_better.")
    normalise: JSON = strawberry.field(description="method, bounds or tiers.")
    missing: JSON = strawberry.field(description="What a customer without a value gets.")
    expression: str | None = strawberry.field(description="The formula of a formula indicator.")


@strawberry.type(description="A band of a scoring scheme: scores from `min` (inclusive) up to the next band.")
class Band:
    name: str
    min: float
    max: float | None
    color: str | None
    grade: str | None


@strawberry.type
class WeightedIndicator:
    indicator: str
    weight: float


@strawberry.type
class ScorecardGroup:
    key: str
    label: str
    weight: float
    indicators: list[WeightedIndicator]


@strawberry.type(description="A scorecard: grouped, weighted indicators, a display scheme, and who it is for.")
class Scorecard:
    key: str
    label: str
    default: bool
    scheme_kind: str = strawberry.field(description="numeric, colour or grade: what a UI shows first.")
    aggregate: str = strawberry.field(
        description="weighted_mean (the groups' weighted mean) or worst_of (the lowest group score; group "
        "weights unused, and contributions are each indicator's share within its group)."
    )
    bands: list[Band]
    groups: list[ScorecardGroup]
    applies_to: JSON = strawberry.field(description="segments / customerKinds / sources it is for; null = anyone.")
    contributions: JSON = strawberry.field(description="indicator key -> nominal % of the health score.")


@strawberry.type(description="A segment customers can be placed in by the active config.")
class Segment:
    name: str
    rule: JSON = strawberry.field(description="The RFM ranges (and condition) that place a customer here; null for fallbacks.")


@strawberry.type(description="One problem in a config: where (file:line:col and JSON path) and what.")
class ConfigIssue:
    file: str
    line: int
    column: int
    path: str
    message: str

    @classmethod
    def of(cls, issue: Any) -> ConfigIssue:
        return cls(file=issue.file, line=issue.line, column=issue.col, path=issue.path, message=issue.message)


@strawberry.type(description="A stored, immutable config version.")
class ConfigVersion:
    id: int
    name: str
    checksum: str
    author: str | None
    comment: str | None
    created_at: datetime
    active: bool
    yaml: str = strawberry.field(description="The config as canonical YAML.")
    diff: str = strawberry.field(description="Unified diff against the version saved before it.")

    @classmethod
    def of(cls, v: Any) -> ConfigVersion:
        return cls(
            id=v.id,
            name=v.name,
            checksum=v.checksum,
            author=v.author,
            comment=v.comment,
            created_at=v.created_at,
            active=v.active,
            yaml=v.yaml,
            diff=v.diff,
        )


def _band(b: Any) -> Band:
    return Band(name=b.name, min=b.min, max=b.max, color=b.color, grade=b.grade)


def definitions_of(config: Any) -> tuple[list[IndicatorDefinition], list[Band], list[Scorecard]]:
    """From a ``ScoringConfig``."""
    indicators = [
        IndicatorDefinition(
            key=i.key,
            label=i.label,
            kind=i.kind,
            description=i.description,
            weight=i.weight,
            direction=i.direction,
            normalise={
                "method": i.normalise.method,
                "min": i.normalise.min,
                "max": i.normalise.max,
                "clip": i.normalise.clip,
                "clipZ": i.normalise.clip_z,
                "tiers": [{"max": t.max, "points": t.points} for t in i.normalise.tiers],
            },
            missing={"policy": i.missing.policy, "score": i.missing.score},
            expression=i.expression,
        )
        for i in config.indicators
    ]
    cards = [
        Scorecard(
            key=c.key,
            label=c.label,
            default=c.default,
            scheme_kind=c.scheme.kind,
            aggregate=c.aggregate,
            bands=[_band(b) for b in c.scheme.bands],
            groups=[
                ScorecardGroup(
                    key=g.key,
                    label=g.label,
                    weight=g.weight,
                    indicators=[WeightedIndicator(indicator=w.key, weight=w.weight) for w in g.indicators],
                )
                for g in c.groups
            ],
            applies_to=None
            if c.when is None
            else {"segments": c.when.segments, "customerKinds": c.when.customer_kinds, "sources": c.when.sources},
            contributions=c.contributions(),
        )
        for c in config.cards
    ]
    return indicators, [_band(b) for b in config.bands], cards


def segments_of(config: Any) -> list[Segment]:
    from scoring.segments import rules_for

    spec = config.segments
    if spec.kind == "value_tiers":
        t = spec.value_tiers
        names: list[tuple[str, Any]] = [(t.high_value, None), (t.potential, None), (t.low_value, None)]
    else:
        names = [
            (
                r.name,
                {"r": [r.r.min, r.r.max], "f": [r.f.min, r.f.max], "m": [r.m.min, r.m.max], "when": r.when is not None},
            )
            for r in rules_for(spec)
        ]
        names.append((spec.otherwise, None))
    names.append((spec.no_purchases, None))
    seen: dict[str, Any] = {}
    for name, rule in names:
        seen.setdefault(name, rule)
    return [Segment(name=n, rule=r) for n, r in seen.items()]
