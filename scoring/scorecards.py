"""Scorecards: indicators grouped and weighted, a display scheme, and who each scorecard is for.

As in Gainsight, weights are any non-negative numbers at two levels — indicators within a group,
groups within the scorecard — and are renormalised over what a customer actually has: a group's
score is the weighted mean of its available indicator scores, the health score the weighted mean
of the available group scores. Flattening both levels gives each indicator an *effective weight*
per customer (``group share × share within the group``); these sum to 1, so ``health = 50 + Σ
points`` still holds exactly with ``points = effective weight × (score − 50)``.

A scorecard may instead say ``aggregate: worst_of`` (Totango-style dimensions): the health score
is the lowest available group score, because one failing dimension is what the admin wants to see,
however good the rest. Group scores are computed as above; the effective weights become the
within-group shares of the deciding (lowest) group and 0 elsewhere, so they still sum to 1 and the
points identity holds unchanged. On a tie the first group in config order decides, so the points
never depend on anything but the config. Group weights play no part there.

A config without ``scorecards`` gets one implicit scorecard: a single group holding every indicator
with its own ``weight`` — the first config version's behaviour, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from scoring.schemes import Scheme

__all__ = [
    "AGGREGATES",
    "DEFAULT_AGGREGATE",
    "DEFAULT_NEUTRAL",
    "Aggregate",
    "Criteria",
    "GroupedHealth",
    "Scorecard",
    "ScorecardGroup",
    "Weighted",
    "assign_scorecards",
    "grouped_health",
    "implicit_scorecard",
    "parse_scorecard",
]

#: The score an indicator "adds nothing" at: points are measured from here.
DEFAULT_NEUTRAL = 50.0

#: How a scorecard combines its group scores into the health score.
Aggregate = Literal["weighted_mean", "worst_of"]
AGGREGATES: tuple[Aggregate, ...] = ("weighted_mean", "worst_of")
#: Every scorecard written before ``aggregate`` existed means this.
DEFAULT_AGGREGATE: Aggregate = "weighted_mean"


@dataclass(frozen=True)
class Weighted:
    key: str
    weight: float


@dataclass(frozen=True)
class ScorecardGroup:
    key: str
    label: str
    weight: float
    indicators: tuple[Weighted, ...]


@dataclass(frozen=True)
class Criteria:
    """Who a scorecard is for; every list given must contain the customer's value (``None`` = any)."""

    segments: tuple[str, ...] | None = None
    customer_kinds: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None

    def matches(self, segment: np.ndarray, kind: np.ndarray, source: np.ndarray) -> np.ndarray:
        hit = np.ones(len(segment), dtype=bool)
        for allowed, values in ((self.segments, segment), (self.customer_kinds, kind), (self.sources, source)):
            if allowed is not None:
                hit &= np.isin(np.asarray(values, dtype=object), np.asarray(allowed, dtype=object))
        return hit


@dataclass(frozen=True)
class Scorecard:
    key: str
    label: str
    groups: tuple[ScorecardGroup, ...]
    scheme: Scheme = Scheme()  # noqa: RUF009  (frozen, so sharing the default is safe)
    when: Criteria | None = None
    default: bool = False
    aggregate: Aggregate = DEFAULT_AGGREGATE

    def indicator_keys(self) -> list[str]:
        return [w.key for g in self.groups for w in g.indicators]

    def group_shares(self) -> dict[str, float]:
        """Each group's nominal share of the health score, in % (when every indicator is present).

        Under ``worst_of`` a group is the whole score whenever it is the weakest, so each is 100 %
        and :meth:`contributions` becomes each indicator's share within its group.
        """
        if self.aggregate == "worst_of":
            return {g.key: 100.0 for g in self.groups}
        total = sum(g.weight for g in self.groups)
        return {g.key: (100.0 * g.weight / total if total > 0 else 0.0) for g in self.groups}

    def contributions(self) -> dict[str, float]:
        """Each indicator's nominal share of the health score, in %; they add up to 100.

        Under ``worst_of`` they add up to 100 per group: the share an indicator has when its group
        is the one that decides.
        """
        shares = self.group_shares()
        out: dict[str, float] = {}
        for g in self.groups:
            inner = sum(w.weight for w in g.indicators)
            for w in g.indicators:
                out[w.key] = out.get(w.key, 0.0) + (shares[g.key] * w.weight / inner if inner > 0 else 0.0)
        return out


def implicit_scorecard(indicators: Sequence[tuple[str, str, float]], scheme: Scheme) -> Scorecard:
    """The one-group scorecard of a config without ``scorecards``: (key, label, weight) triples."""
    group = ScorecardGroup("all", "All indicators", 1.0, tuple(Weighted(k, w) for k, _, w in indicators))
    return Scorecard(key="default", label="Default", groups=(group,), scheme=scheme, default=True)


def _opt(values: Any) -> tuple[str, ...] | None:
    return None if values is None else tuple(str(v) for v in values)


def parse_scorecard(d: Mapping[str, Any], default_scheme: Scheme, parse_scheme: Any) -> Scorecard:
    """From a validated config fragment; ``parse_scheme`` builds a :class:`Scheme` from its dict."""
    when = d.get("when")
    return Scorecard(
        key=d["key"],
        label=d.get("label", d["key"]),
        groups=tuple(
            ScorecardGroup(
                key=g["key"],
                label=g.get("label", g["key"]),
                weight=float(g.get("weight", 1)),
                indicators=tuple(Weighted(i["indicator"], float(i.get("weight", 1))) for i in g["indicators"]),
            )
            for g in d["groups"]
        ),
        scheme=parse_scheme(d["scheme"]) if "scheme" in d else default_scheme,
        when=None
        if when is None
        else Criteria(_opt(when.get("segments")), _opt(when.get("customer_kinds")), _opt(when.get("sources"))),
        default=bool(d.get("default", False)),
        aggregate=d.get("aggregate", DEFAULT_AGGREGATE),
    )


def assign_scorecards(
    scorecards: Sequence[Scorecard], segment: np.ndarray, kind: np.ndarray, source: np.ndarray
) -> np.ndarray:
    """Index of each customer's scorecard: the first listed whose criteria match, else the default."""
    n = len(segment)
    default = next(i for i, sc in enumerate(scorecards) if sc.default)
    out = np.full(n, -1, dtype=np.int64)
    for i, sc in enumerate(scorecards):
        if sc.when is not None:
            out[(out < 0) & sc.when.matches(segment, kind, source)] = i
    out[out < 0] = default
    return out


@dataclass(frozen=True)
class GroupedHealth:
    """``health`` (n,), ``points`` (n, k) and ``group_scores`` (n, total groups over all scorecards)."""

    health: np.ndarray
    points: np.ndarray
    group_scores: np.ndarray
    group_index: tuple[tuple[int, str], ...]  # (scorecard index, group key) per group_scores column


def _group_shares(group_scores: np.ndarray, group_totals: np.ndarray, card: Scorecard) -> np.ndarray:
    """Each group's share (n, G) of each customer's health score; rows without any group are NaN.

    ``weighted_mean``: the group weight over the weights of the available groups. ``worst_of``: 1
    for the lowest available group score (the first in config order on a tie — ``argmin`` keeps
    the first), 0 for the others.
    """
    if card.aggregate == "worst_of":
        available = ~np.isnan(group_scores)
        decider = np.argmin(np.where(available, group_scores, np.inf), axis=1)
        share = np.zeros(group_scores.shape)
        share[np.arange(len(share)), decider] = 1.0
        share[~available.any(axis=1)] = np.nan
        return share
    denominator = group_totals.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return group_totals / denominator[:, None]


def _effective(scores: np.ndarray, card: Scorecard, keys: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Effective weights (n, k) and group scores (n, G) for customers scored with ``card``.

    Two passes over the groups — totals first, then the weights — rather than keeping every
    group's (n, k) share matrix for the second step: the same arithmetic in the same order, at a
    million customers some hundreds of MB less.
    """
    n, k = scores.shape
    available = ~np.isnan(scores)
    eff = np.zeros((n, k))
    group_scores = np.full((n, len(card.groups)), np.nan)
    group_totals = np.zeros((n, len(card.groups)))
    weights = []
    for j, g in enumerate(card.groups):
        u = np.zeros(k)
        for w in g.indicators:
            u[keys[w.key]] += w.weight
        weights.append(u)
        total = np.where(available, u, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            group_scores[:, j] = np.where(total > 0, np.where(available, scores, 0.0) @ u / total, np.nan)
        group_totals[:, j] = np.where(total > 0, g.weight, 0.0)
    shares = _group_shares(group_scores, group_totals, card)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, u in enumerate(weights):
            held = np.where(available, u, 0.0)
            total = held.sum(axis=1)
            inner = np.where(total[:, None] > 0, held / total[:, None], 0.0)
            eff += inner * shares[:, j][:, None]
    eff[np.isnan(shares).any(axis=1)] = np.nan
    return eff, group_scores


def grouped_health(
    scores: np.ndarray,
    keys: Sequence[str],
    scorecards: Sequence[Scorecard],
    assignment: np.ndarray,
    neutral: float = DEFAULT_NEUTRAL,
) -> GroupedHealth:
    """Health, points and group scores for every customer, each with their assigned scorecard."""
    scores = np.asarray(scores, dtype=np.float64)
    n, k = scores.shape
    index = {key: i for i, key in enumerate(keys)}
    health = np.full(n, np.nan)
    points = np.full((n, k), np.nan)
    columns = [(c, g.key) for c, card in enumerate(scorecards) for g in card.groups]
    group_scores = np.full((n, len(columns)), np.nan)
    offset = 0
    for c, card in enumerate(scorecards):
        rows = assignment == c
        if rows.any():
            mine = scores if rows.all() else scores[rows]  # one scorecard for all: no copy
            eff, groups = _effective(mine, card, index)
            present = np.where(np.isnan(mine), 0.0, mine)
            h = np.where(np.isnan(eff).all(axis=1), np.nan, np.nansum(eff * present, axis=1))
            del present
            health[rows] = h
            p = eff * (mine - neutral)
            p[(eff == 0) | np.isnan(mine)] = np.nan  # not part of this customer's score
            del eff
            points[rows] = p
            group_scores[np.ix_(rows, np.arange(offset, offset + len(card.groups)))] = groups
        offset += len(card.groups)
    return GroupedHealth(health=health, points=points, group_scores=group_scores, group_index=tuple(columns))
