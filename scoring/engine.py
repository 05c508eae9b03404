"""``score_customers``: frames + config + as_of → scores, indicator values and explanations.

Pure: it reads the frames, never writes to them, and does no I/O, so the same inputs always give the
same result and the function can be run for any past ``as_of`` (events after as_of are ignored).
Everything is vectorised over customers; the Python loops are over indicators and scorecards.

Order of work: library indicators → formula indicators (in dependency order) → normalisation and
missing policy → RFM → segments (which may read indicators) → scorecard per customer (which may read
the segment) → health, points and group scores → bands of each customer's scorecard scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from scoring.config import FORMULA_KIND, IndicatorSpec, ScoringConfig
from scoring.customer_fields import CustomerFields
from scoring.fields import FIELDS, FieldTable
from scoring.formula import compile_formula
from scoring.frames import CRMFrames
from scoring.indicators import ScoringData, get_kind, resolve_params
from scoring.normalise import normalise
from scoring.rfm import rfm_scores
from scoring.schemes import assign_bands
from scoring.scorecards import assign_scorecards, grouped_health
from scoring.segments import assign_segments

__all__ = ["ScoreResult", "formula_order", "score_customers"]


@dataclass(frozen=True)
class ScoreResult:
    """What one scoring run produces.

    * ``scores``: one row per customer (in the customers frame's order): customer_id, health_score
      (0–100, NaN when no indicator is available), band, segment, r_score, f_score, m_score (Int64,
      NA without purchases), scorecard (the key of the scorecard that scored the customer).
    * ``indicators``: one row per customer × configured indicator: customer_id, key (categorical),
      value (raw, NaN if missing), score (0–100 after the missing policy; NaN if excluded), points
      (``w_eff × (score − 50)``; NaN if excluded or not in the customer's scorecard).
      ``health = 50 + Σ points`` per customer.
    * ``groups``: one row per customer × group of their scorecard: customer_id, scorecard, group,
      score (the group's weighted mean; NaN when none of its indicators is available).
    * ``labels``: text labels some indicators attach (e.g. the NPS class): customer_id, key, label;
      only rows that have a label.
    * ``rfm``: the raw R/F/M inputs: customer_id, recency_days, frequency, monetary.
    * ``fields``: every per-customer field conditions can read, by name (lazy), for alert rules.
    """

    scores: pd.DataFrame
    indicators: pd.DataFrame
    labels: pd.DataFrame
    rfm: pd.DataFrame
    config: ScoringConfig
    as_of: pd.Timestamp
    groups: pd.DataFrame
    fields: Mapping[str, np.ndarray]


def _as_of(as_of: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware (UTC), got naive {ts.isoformat()}")
    return ts.tz_convert("UTC")


def formula_order(indicators: tuple[IndicatorSpec, ...]) -> list[int]:
    """Positions of the formula indicators, each after every formula it refers to.

    Raises ValueError on a cycle (the validator reports cycles with positions first).
    """
    keys = [i.key for i in indicators]
    allowed = set(keys) | set(FIELDS)
    formulas = {i.key: j for j, i in enumerate(indicators) if i.kind == FORMULA_KIND}
    needs = {
        key: compile_formula(indicators[j].expression or "", allowed - {key}).names & formulas.keys()
        for key, j in formulas.items()
    }
    order: list[int] = []
    done: set[str] = set()
    while len(done) < len(formulas):
        ready = [k for k in formulas if k not in done and needs[k] <= done]
        if not ready:
            raise ValueError(f"formula indicators refer to each other in a cycle: {sorted(set(formulas) - done)}")
        for k in ready:
            done.add(k)
            order.append(formulas[k])
    return order


def _values(data: ScoringData, config: ScoringConfig, table: FieldTable) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Raw values (n, k) in config order, and the label frames of indicators that label."""
    n, k = data.n, len(config.indicators)
    values = np.full((n, k), np.nan)
    labels: list[pd.DataFrame] = []
    for j, spec in enumerate(config.indicators):
        if spec.kind == FORMULA_KIND:
            continue
        kind = get_kind(spec.kind)
        out = kind.compute(data, resolve_params(kind, spec.params, config.window_days))
        values[:, j] = out.values
        if out.labels is not None:
            has = np.asarray(pd.notna(out.labels), dtype=bool)
            labels.append(
                pd.DataFrame(
                    {
                        "customer_id": data.customer_ids.to_numpy()[has],
                        "key": spec.key,
                        "label": pd.array(out.labels[has], dtype="str"),
                    }
                )
            )
    keys = [i.key for i in config.indicators]
    for j in formula_order(config.indicators):
        spec = config.indicators[j]
        formula = compile_formula(spec.expression or "", (set(keys) | set(FIELDS)) - {spec.key})
        env = {name: (values[:, keys.index(name)] if name in keys else table[name]) for name in formula.names}
        values[:, j] = formula.evaluate(env, length=n)
    return values, labels


def _scores(values: np.ndarray, config: ScoringConfig) -> np.ndarray:
    scores = np.full(values.shape, np.nan)
    for j, spec in enumerate(config.indicators):
        scores[:, j] = normalise(values[:, j], spec.normalise, spec.direction)
        missing = np.isnan(values[:, j])
        if spec.missing.policy == "default":
            scores[missing, j] = spec.missing.score
        elif spec.missing.policy == "penalise":
            scores[missing, j] = 0.0
    return scores


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values = frame[column].to_numpy(dtype=object, na_value=None)
    return values


def score_customers(frames: CRMFrames, config: ScoringConfig, as_of: datetime) -> ScoreResult:
    """Score every customer in ``frames.customers`` with ``config`` as of ``as_of``."""
    frames.check()
    stamp = _as_of(as_of)
    data = ScoringData(frames, stamp)
    table = FieldTable(data, config.window_days)
    n, keys = data.n, [spec.key for spec in config.indicators]
    ids = data.customer_ids.to_numpy()
    values, label_parts = _values(data, config, table)
    scores = _scores(values, config)
    rfm = rfm_scores(data, config.rfm)
    r = rfm.r.fillna(0).to_numpy(np.int64)
    kind, source = _text(frames.customers, "kind"), _text(frames.customers, "source")

    def column(matrix: np.ndarray, j: int) -> Callable[[], np.ndarray]:
        return lambda: matrix[:, j]

    producers: dict[str, Callable[[], np.ndarray]] = {
        "r_score": lambda: rfm.r.to_numpy(dtype=np.float64, na_value=np.nan),
        "f_score": lambda: rfm.f.to_numpy(dtype=np.float64, na_value=np.nan),
        "m_score": lambda: rfm.m.to_numpy(dtype=np.float64, na_value=np.nan),
        "customer_kind": lambda: kind,
        "customer_name": lambda: _text(frames.customers, "name"),
        "source": lambda: source,
    }
    for j, key in enumerate(keys):
        producers[key] = column(values, j)
        producers[f"{key}.score"] = column(scores, j)
    fields = CustomerFields(producers, table)

    vt = config.segments.value_tiers
    measure = rfm.raw["monetary"].to_numpy() if vt.measure is None else values[:, keys.index(vt.measure)]
    segment = assign_segments(
        r,
        rfm.f.fillna(0).to_numpy(np.int64),
        rfm.m.fillna(0).to_numpy(np.int64),
        rfm.has_orders,
        config.segments,
        fields=fields,
        measure=measure,
        ids=ids,
    )
    cards = config.cards
    assignment = assign_scorecards(cards, segment, kind, source)
    data.release_caches()  # every indicator and segment is done: make room for the result frames
    grouped = grouped_health(scores, keys, cards, assignment)
    band = np.full(n, None, dtype=object)
    for c, card in enumerate(cards):
        rows = assignment == c
        band[rows] = assign_bands(grouped.health[rows], card.scheme.bands)
    card_keys = np.asarray([card.key for card in cards], dtype=object)[assignment] if n else np.empty(0, dtype=object)

    score_frame = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="int64"),
            "health_score": grouped.health,
            "band": pd.array(band, dtype="str"),
            "segment": pd.array(segment, dtype="str"),
            "r_score": rfm.r.array,
            "f_score": rfm.f.array,
            "m_score": rfm.m.array,
            "scorecard": pd.array(card_keys, dtype="str"),
        }
    )
    k = len(keys)
    # copy=False: the frame shares the value/score/points matrices (complete by now, and still
    # held by ``fields``) instead of copying them into one block — 190 MB at a million customers.
    indicator_frame = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, k).astype(np.int64, copy=False),
            "key": pd.Categorical.from_codes(np.tile(np.arange(k), n), categories=keys),
            "value": values.ravel(),
            "score": scores.ravel(),
            "points": grouped.points.ravel(),
        },
        copy=False,
    )
    fields = fields.with_fields(
        {
            "health_score": lambda: grouped.health,
            "band": lambda: band,
            "segment": lambda: segment,
            "scorecard": lambda: card_keys,
            **{f"{key}.points": column(grouped.points, j) for j, key in enumerate(keys)},
        }
    )
    return ScoreResult(
        scores=score_frame,
        indicators=indicator_frame,
        labels=_labels(label_parts),
        rfm=pd.concat([pd.DataFrame({"customer_id": ids.astype(np.int64)}), rfm.raw], axis=1),
        config=config,
        as_of=stamp,
        groups=_groups(ids, assignment, grouped, cards),
        fields=fields,
    )


def _labels(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if parts:
        return pd.concat(parts, ignore_index=True)
    return pd.DataFrame(
        {"customer_id": pd.Series(dtype="int64"), "key": pd.Series(dtype="str"), "label": pd.Series(dtype="str")}
    )


def _groups(ids: np.ndarray, assignment: np.ndarray, grouped, cards) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    parts = []
    for column, (c, group) in enumerate(grouped.group_index):
        rows = assignment == c
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": ids[rows].astype(np.int64),
                    "scorecard": cards[c].key,
                    "group": group,
                    "score": grouped.group_scores[rows, column],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["customer_id", "scorecard", "group", "score"])
    return frame.astype({"customer_id": "int64", "scorecard": "str", "group": "str", "score": "float64"})
