"""An A/B evaluation over the store: pick two customer groups, measure them over a window, compare.

``scoring.abtest.ab_test`` is pure and takes one row per customer; this module builds that frame
from the store so the CLI and the GraphQL ``abTest`` query choose groups and measure outcomes the
same way:

* a group is chosen by **tag** (an entry of the customer's ``tags`` attribute, any capitalisation of
  the key: a JSON list of strings or one comma-separated string, compared case-insensitively), by an
  explicit **list** of customers, or by a **rule** (a SQL predicate over customers joined to their
  score in a scoring run — the GraphQL ``CustomerFilter`` compiles to one);
* **retained**: the customer showed a sign of life — an order (of any kind) or an activity — in the
  window (start, end], the same signs the churn labels look at;
* **revenue**: the net order amount in the window (purchases plus negative refunds), 0 if none;
* **score change**: the health score in the newest succeeded scoring run dated on or before the end,
  minus the one on or before the start. Stored runs are used, not a re-score, so the change is what
  the customers' owners actually saw; without a run on each side it is not compared and a note says so.

A customer in both groups makes the comparison meaningless, so it is an error that names them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select, true

from scoring.abtest import ABResult, ab_test
from store import tables as t

__all__ = [
    "RULE_FIELDS",
    "TAG_ATTRIBUTE",
    "AbTestReport",
    "GroupSpec",
    "ab_outcomes",
    "rule_predicate",
    "run_abtest",
    "select_group",
]

TAG_ATTRIBUTE = "tags"

#: What a command-line rule (``FIELD=VALUE``) may compare: the customer's own fields, and its
#: band, segment and scorecard in the rule's scoring run. A whitelist, compared with bound values.
RULE_FIELDS: dict[str, Any] = {
    "band": t.scores.c.band,
    "segment": t.scores.c.segment,
    "scorecard": t.scores.c.scorecard,
    "source": t.customers.c.source,
    "kind": t.customers.c.kind,
    "owner": t.customers.c.owner,
    "country": t.customers.c.country,
    "industry": t.customers.c.industry,
}


def rule_predicate(conditions: Sequence[str], *, where: str) -> ColumnElement[bool]:
    """``FIELD=VALUE`` conditions, all of which must hold, as a predicate for :class:`GroupSpec`.

    The command line's small rule language (GraphQL has the full ``CustomerFilter``): equality on
    the :data:`RULE_FIELDS`, so an admin can compare "band=At risk" with "band=Healthy" without ids.
    """
    if not conditions:
        raise ValueError(f"{where}: no condition given")
    parts = []
    for text in conditions:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise ValueError(f"{where}: {text!r} is not FIELD=VALUE (e.g. band=At risk)")
        if name not in RULE_FIELDS:
            close = difflib.get_close_matches(name, RULE_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}: unknown field {name!r}{hint}; fields are {', '.join(RULE_FIELDS)}")
        parts.append(RULE_FIELDS[name] == value)
    return and_(*parts)
_CHUNK = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class GroupSpec:
    """How one group is chosen: exactly one of ``tag``, ``customer_ids`` (store ids),
    ``external_ids`` (``external_id`` or ``source:external_id``) and ``where`` (a predicate over
    ``customers`` outer-joined to ``scores`` of ``AbTestReport.rule_run_id``)."""

    name: str
    tag: str | None = None
    customer_ids: Sequence[int] | None = None
    external_ids: Sequence[str] | None = None
    where: ColumnElement[bool] | None = None

    def __post_init__(self) -> None:
        given = [
            k
            for k in ("tag", "customer_ids", "external_ids", "where")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                f"group {self.name}: choose it by exactly one of tag, customer list or rule"
                + (f" (got {', '.join(given)})" if given else " (got none)")
            )


@dataclass(frozen=True)
class AbTestReport:
    result: ABResult
    start: datetime
    end: datetime
    sizes: tuple[int, int]  # customers in group a (treatment) and group b (control)
    score_runs: tuple[int, int] | None  # (run on or before start, run on or before end) compared
    notes: list[str] = field(default_factory=list)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield [int(x) for x in ids[i : i + _CHUNK]]


def _source_limit(sources: Sequence[str] | None) -> ColumnElement[bool]:
    return true() if sources is None else t.customers.c.source.in_(list(sources))


def _tags(attributes: Any) -> set[str]:
    if not isinstance(attributes, dict):
        return set()
    for key, value in attributes.items():
        if str(key).casefold() != TAG_ATTRIBUTE:
            continue
        items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
        return {str(v).strip().casefold() for v in items if str(v).strip()}
    return set()


def select_group(
    conn: Connection,
    spec: GroupSpec,
    *,
    sources: Sequence[str] | None = None,
    rule_run_id: int | None = None,
) -> np.ndarray:
    """The store ids of the group's customers (sorted), among the customers of ``sources``."""
    c = t.customers.c
    limit = _source_limit(sources)
    if spec.tag is not None:
        wanted = spec.tag.strip().casefold()
        if not wanted:
            raise ValueError(f"group {spec.name}: the tag is empty")
        rows = conn.execute(select(c.id, c.attributes).where(limit)).all()
        return np.array(sorted(r.id for r in rows if wanted in _tags(r.attributes)), dtype=np.int64)
    if spec.customer_ids is not None:
        asked = sorted({int(i) for i in spec.customer_ids})
        found: set[int] = set()
        for chunk in _chunks(asked):
            found.update(conn.execute(select(c.id).where(limit, c.id.in_(chunk))).scalars())
        unknown = [i for i in asked if i not in found]
        if unknown:
            raise ValueError(f"group {spec.name}: no customer with id {', '.join(map(str, unknown[:10]))}")
        return np.array(asked, dtype=np.int64)
    if spec.external_ids is not None:
        return _by_external_ids(conn, spec, limit)
    in_run = and_(t.scores.c.customer_id == c.id, t.scores.c.run_id == rule_run_id)
    stmt = (
        select(c.id)
        .select_from(t.customers.outerjoin(t.scores, in_run))
        .where(limit, spec.where if spec.where is not None else true())
        .order_by(c.id)
    )
    return np.array(conn.execute(stmt).scalars().all(), dtype=np.int64)


def _by_external_ids(conn: Connection, spec: GroupSpec, limit: ColumnElement[bool]) -> np.ndarray:
    c = t.customers.c
    wanted = [x.strip() for x in spec.external_ids or () if x.strip()]
    bare = sorted({x for x in wanted} | {x.split(":", 1)[-1] for x in wanted})  # ids may hold ":" too
    rows: list[Any] = []
    for i in range(0, len(bare), _CHUNK):
        rows += conn.execute(
            select(c.id, c.source, c.external_id).where(limit, c.external_id.in_(bare[i : i + _CHUNK]))
        ).all()
    by_key: dict[str, list[int]] = {}
    for r in rows:
        by_key.setdefault(r.external_id, []).append(r.id)
        by_key.setdefault(f"{r.source}:{r.external_id}", []).append(r.id)
    ids: set[int] = set()
    unknown, ambiguous = [], []
    for x in wanted:
        hits = by_key.get(x, [])
        if not hits:
            unknown.append(x)
        elif len(hits) > 1:
            ambiguous.append(x)
        else:
            ids.add(hits[0])
    if unknown:
        raise ValueError(f"group {spec.name}: no customer with external id {', '.join(unknown[:10])}")
    if ambiguous:
        raise ValueError(
            f"group {spec.name}: external id {', '.join(ambiguous[:10])} exists in several sources; "
            "write it as source:external_id"
        )
    return np.array(sorted(ids), dtype=np.int64)


def _run_on_or_before(conn: Connection, when: datetime) -> int | None:
    r = t.scoring_runs.c
    found = conn.execute(
        select(r.id).where(r.status == "succeeded", r.as_of <= when).order_by(r.as_of.desc(), r.id.desc()).limit(1)
    ).scalar()
    return None if found is None else int(found)


def _window_sums(conn: Connection, child: Any, stamp: Any, ids: Sequence[int], start: datetime,
                 end: datetime, value: Any) -> pd.Series:
    c = t.customers.c
    out: dict[int, float] = {}
    joined = child.join(
        t.customers, and_(child.c.source == c.source, child.c.customer_external_id == c.external_id)
    )
    for chunk in _chunks(ids):
        stmt = (
            select(c.id, value)
            .select_from(joined)
            .where(c.id.in_(chunk), stamp > start, stamp <= end)
            .group_by(c.id)
        )
        out.update({int(k): float(v or 0.0) for k, v in conn.execute(stmt).all()})
    return pd.Series(out, dtype="float64").reindex(ids, fill_value=0.0)


def _scores_in(conn: Connection, run_id: int, ids: Sequence[int]) -> pd.Series:
    s = t.scores.c
    out: dict[int, float] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(s.customer_id, s.health_score).where(s.run_id == run_id, s.customer_id.in_(chunk))
        ).all()
        out.update({int(k): np.nan if v is None else float(v) for k, v in rows})
    return pd.Series(out, dtype="float64").reindex(ids)


def ab_outcomes(
    conn: Connection, ids: Sequence[int], start: datetime, end: datetime
) -> tuple[pd.DataFrame, tuple[int, int] | None, list[str]]:
    """One row per customer id: ``customer_id``, ``retained``, ``revenue`` and, when a scoring run
    exists on or before each end of the window, ``score_change``; plus the runs used and notes."""
    ids = [int(i) for i in ids]
    o, a = t.orders, t.activities
    orders = _window_sums(conn, o, o.c.ordered_at, ids, start, end, func.count())
    revenue = _window_sums(conn, o, o.c.ordered_at, ids, start, end, func.sum(o.c.amount))
    activities = _window_sums(conn, a, a.c.occurred_at, ids, start, end, func.count())
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype=np.int64),
            "retained": ((orders + activities) > 0).to_numpy(dtype=bool),
            "revenue": revenue.to_numpy(dtype=np.float64),
        }
    )
    notes: list[str] = []
    before, after = _run_on_or_before(conn, start), _run_on_or_before(conn, end)
    runs = None
    if before is None:
        notes.append(f"Score change not compared: no succeeded scoring run dated on or before {start.date()}.")
    elif after is None or before == after:
        notes.append(f"Score change not compared: no scoring run between {start.date()} and {end.date()}.")
    else:
        frame["score_change"] = (_scores_in(conn, after, ids) - _scores_in(conn, before, ids)).to_numpy()
        runs = (before, after)
    return frame, runs, notes


def _stamp(d: date | datetime) -> datetime:
    if isinstance(d, datetime):
        return d if d.tzinfo is not None else d.replace(tzinfo=UTC)
    return datetime.combine(d, time(), tzinfo=UTC)


def _data_end(conn: Connection) -> datetime | None:
    newest = [
        conn.execute(select(func.max(t.orders.c.ordered_at))).scalar(),
        conn.execute(select(func.max(t.activities.c.occurred_at))).scalar(),
    ]
    present = [n for n in newest if n is not None]
    return max(present) if present else None


def run_abtest(
    engine: Engine,
    treatment: GroupSpec,
    control: GroupSpec,
    *,
    start: date | datetime,
    end: date | datetime | None = None,
    sources: Sequence[str] | None = None,
    rule_run_id: int | None = None,
    min_group: int = 30,
) -> AbTestReport:
    """Compare ``treatment`` with ``control`` over (start, end] (end: the newest order or activity)."""
    if min_group < 2:
        raise ValueError(f"minGroupSize: must be at least 2, got {min_group}")
    begin = _stamp(start)
    with engine.connect() as conn:
        finish = _stamp(end) if end is not None else _data_end(conn)
        if finish is None:
            raise ValueError("window: the store holds no orders or activities to measure a window against")
        if finish <= begin:
            raise ValueError(f"window: the end ({finish.date()}) must be after the start ({begin.date()})")
        a = select_group(conn, treatment, sources=sources, rule_run_id=rule_run_id)
        b = select_group(conn, control, sources=sources, rule_run_id=rule_run_id)
        both = np.intersect1d(a, b)
        if len(both):
            raise ValueError(
                f"groups: {len(both)} customer(s) are in both {treatment.name} and {control.name} "
                f"(store ids {', '.join(map(str, both[:10]))}); the groups must not overlap"
            )
        frame, runs, notes = ab_outcomes(conn, np.concatenate([a, b]).tolist(), begin, finish)
    frame["group"] = np.array(["treatment"] * len(a) + ["control"] * len(b), dtype=object)
    if "score_change" in frame.columns:
        known = frame[frame["score_change"].notna()].groupby("group").size()
        if min(known.get("treatment", 0), known.get("control", 0)) < 2:
            notes.append("Score change not compared: fewer than 2 customers of a group were scored in both runs.")
            frame = frame.drop(columns="score_change")
            runs = None
    result = ab_test(frame, group="group", treatment="treatment", control="control", min_group=min_group)
    return AbTestReport(result=result, start=begin, end=finish, sizes=(len(a), len(b)), score_runs=runs, notes=notes)
