"""Customer reads: the served run, pages, counts, single customers and their indicator values.

Resolvers call these through the thread pool, so the event loop never waits on the database. Each
request reads one *served run* — the newest succeeded scoring run, or the run a page cursor was
issued for — so every field of a response describes the same run even if another run finishes
meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    FromClause,
    Integer,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)

from graphql_api.cursors import Cursor
from graphql_api.ordering import NULL_SCORE, SortSpec, after_cursor, order_clauses
from store.engine import reading
from store.tables import (
    config_versions,
    customers,
    indicator_values,
    scores,
    scoring_runs,
)

__all__ = [
    "CLV_KINDS",
    "CustomerRecord",
    "IndicatorRecord",
    "ServedRun",
    "Unscored",
    "count_customers",
    "fetch_customer_page",
    "fetch_customers",
    "fetch_indicators",
    "fetch_run",
    "fetch_served_run",
    "fetch_unscored",
    "indicator_labels",
    "ping",
    "scored_customers",
    "where_signature",
]

#: Indicator kinds whose value is a customer lifetime value (shown as ``Customer.clv``).
CLV_KINDS = ("historical_clv", "predicted_clv", "clv")


@dataclass(frozen=True)
class ServedRun:
    run_id: int | None
    labels: Mapping[str, str] = field(default_factory=dict)  # indicator key -> label, in config order
    kinds: Mapping[str, str] = field(default_factory=dict)  # indicator key -> kind
    as_of: datetime | None = None
    config_version_id: int | None = None

    @property
    def clv_key(self) -> str | None:
        return next((k for k, kind in self.kinds.items() if kind in CLV_KINDS), None)


@dataclass(frozen=True)
class CustomerRecord:
    pk: int
    source: str
    external_id: str
    name: str
    kind: str
    owner: str | None
    country: str | None
    industry: str | None
    active: bool
    created_at: datetime | None
    health_score: float | None
    band: str | None
    segment: str | None
    r_score: int | None
    f_score: int | None
    m_score: int | None
    scorecard: str | None
    sort_value: Any = None


@dataclass(frozen=True)
class IndicatorRecord:
    key: str
    label: str
    value: float | None
    score: float | None
    points: float | None


def ping(engine: Engine) -> None:
    with reading(engine) as conn:
        conn.execute(text("SELECT 1"))


def indicator_labels(body: Any) -> dict[str, str]:
    """Key -> label from a config body; a config without labels still works (keys label themselves)."""
    return {key: label for key, (label, _kind) in _indicator_meta(body).items()}


def _indicator_meta(body: Any) -> dict[str, tuple[str, str]]:
    items = body.get("indicators") if isinstance(body, Mapping) else None
    meta: dict[str, tuple[str, str]] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            label = item.get("label")
            kind = item.get("kind")
            meta[item["key"]] = (
                label if isinstance(label, str) and label else item["key"],
                kind if isinstance(kind, str) else "",
            )
    return meta


def _served(row: Any) -> ServedRun:
    meta = _indicator_meta(row.body)
    return ServedRun(
        run_id=row.id,
        labels={k: v[0] for k, v in meta.items()},
        kinds={k: v[1] for k, v in meta.items()},
        as_of=row.as_of,
        config_version_id=row.config_version_id,
    )


def _run_select() -> Any:
    return select(scoring_runs.c.id, scoring_runs.c.as_of, scoring_runs.c.config_version_id, config_versions.c.body).join(
        config_versions, config_versions.c.id == scoring_runs.c.config_version_id
    )


def fetch_served_run(engine: Engine) -> ServedRun:
    """The newest succeeded run (``run_id=None`` when there is none)."""
    newest = select(func.max(scoring_runs.c.id)).where(scoring_runs.c.status == "succeeded").scalar_subquery()
    with reading(engine) as conn:
        row = conn.execute(_run_select().where(scoring_runs.c.id == newest)).first()
    return ServedRun(run_id=None) if row is None else _served(row)


def fetch_run(engine: Engine, run_id: int) -> ServedRun | None:
    """A succeeded run by id (what a page cursor pins), or None."""
    with reading(engine) as conn:
        row = conn.execute(_run_select().where(scoring_runs.c.id == run_id, scoring_runs.c.status == "succeeded")).first()
    return None if row is None else _served(row)


def scored_customers(run_id: int | ColumnElement[int] | None) -> FromClause:
    """Customers outer-joined to their score in the run (an id or a bound parameter): unscored
    customers keep null scores."""
    in_run = scores.c.run_id == run_id if run_id is not None else false()
    return customers.outerjoin(scores, and_(scores.c.customer_id == customers.c.id, in_run))


_CUSTOMER_COLUMNS = (
    customers.c.id.label("pk"),
    customers.c.source,
    customers.c.external_id,
    customers.c.name,
    customers.c.kind,
    customers.c.owner,
    customers.c.country,
    customers.c.industry,
    customers.c.active,
    customers.c.created_at,
    scores.c.health_score,
    scores.c.band,
    scores.c.segment,
    scores.c.r_score,
    scores.c.f_score,
    scores.c.m_score,
    scores.c.scorecard,
)


def fetch_customer_page(
    engine: Engine,
    run_id: int | None,
    where: ColumnElement[bool],
    spec: SortSpec,
    after: Cursor | None,
    limit: int,
    unscored: Unscored | None = None,
) -> list[CustomerRecord]:
    """One page in ``spec``'s order after ``after``; ``unscored`` enables the index plan for scores."""
    if spec.name == "HEALTH_SCORE" and run_id is not None and unscored is not None:
        return _by_score_page(engine, run_id, unscored, where, spec, after, limit)
    stmt = (
        select(*_CUSTOMER_COLUMNS, spec.key.label("sort_value"))
        .select_from(spec.join(scored_customers(run_id), run_id))
        .where(where)
        .order_by(*order_clauses(spec))
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(after_cursor(spec, after))
    with reading(engine) as conn:
        return [CustomerRecord(*row) for row in conn.execute(stmt)]  # columns in field order


@dataclass(frozen=True)
class Unscored:
    """The customers without a health score in a run: ``ids`` then anyone created after ``max_id``.

    A succeeded run's score rows never change, so this set can only grow by customers added
    later — and those get ids above every id that existed when it was computed. That makes it
    safe to compute once per run and process.
    """

    ids: tuple[int, ...]
    max_id: int


MAX_UNSCORED = 10_000


def fetch_unscored(engine: Engine, run_id: int) -> Unscored | None:
    """The run's unscored customers, or None when there are too many to list (use the plain plan)."""
    in_run = and_(scores.c.customer_id == customers.c.id, scores.c.run_id == run_id)
    listed = (
        select(customers.c.id)
        .select_from(customers.outerjoin(scores, in_run))
        .where(scores.c.health_score.is_(None))
        .order_by(customers.c.id)
        .limit(MAX_UNSCORED + 1)
        .subquery()
    )
    newest = select(func.max(customers.c.id).label("max_id")).subquery()
    stmt = select(newest.c.max_id, listed.c.id).select_from(newest.outerjoin(listed, true()))  # one snapshot
    with reading(engine) as conn:
        rows = conn.execute(stmt).all()
    ids = tuple(sorted(r.id for r in rows if r.id is not None))
    max_id = rows[0].max_id if rows else 0
    return None if len(ids) > MAX_UNSCORED else Unscored(ids, int(max_id or 0))


def _by_score_page(
    engine: Engine,
    run_id: int,
    unscored: Unscored,
    where: ColumnElement[bool],
    spec: SortSpec,
    after: Cursor | None,
    limit: int,
) -> list[CustomerRecord]:
    """A page in health-score order that reads the scores index instead of sorting every customer.

    The order is two segments: customers without a score (key NULL_SCORE, by id) and scored ones
    (by score, then id) — unscored first ascending, last descending. Each segment is an index walk
    that stops after ``limit`` rows (so the cost does not grow with the number of customers); one
    ``UNION ALL`` statement runs both and keeps the first ``limit`` rows in order.
    """
    key_is_null = after is not None and after.value == NULL_SCORE
    order = ("scored", "unscored") if spec.descending else ("unscored", "scored")
    if after is not None:  # skip the segment wholly before the cursor
        order = order[order.index("unscored" if key_is_null else "scored") :]
    shape = (order, spec.descending, key_is_null, after is not None, bool(unscored.ids))
    stmt = _score_page_statement(shape, where)
    params: dict[str, Any] = {"page_run": run_id, "page_limit": limit, "page_max_id": unscored.max_id}
    if unscored.ids:
        params["page_unscored"] = list(unscored.ids)
    if after is not None:
        params["page_after_pk"] = after.pk
        if not key_is_null:
            params["page_after_score"] = after.value
    with reading(engine) as conn:
        return [CustomerRecord(*row) for row in conn.execute(stmt, params)]  # columns in field order


# Building the UNION of two limited subqueries costs more CPU than running it (SQLAlchemy makes
# column proxies for every level), so each shape is built once, with the run, limit, cursor and
# unscored ids as bound parameters, and reused. A filter is part of the shape only through its
# cache key and bound values, so the same dashboard filter reuses its statement too.
_SCORE_PAGES: dict[tuple[Any, ...], Any] = {}
_SCORE_PAGES_LIMIT = 512
_SCORE_PAGES_LOCK = threading.Lock()


def _score_page_statement(shape: tuple[Any, ...], where: ColumnElement[bool]) -> Any:
    signature = where_signature(where)
    if signature is None:
        return _build_score_page(shape, where)
    key = (shape, signature)
    with _SCORE_PAGES_LOCK:
        hit = _SCORE_PAGES.get(key)
    if hit is not None:
        return hit
    built = _build_score_page(shape, where)
    with _SCORE_PAGES_LOCK:
        if len(_SCORE_PAGES) >= _SCORE_PAGES_LIMIT:
            _SCORE_PAGES.clear()
        _SCORE_PAGES[key] = built
    return built


def where_signature(where: ColumnElement[bool]) -> tuple[Any, ...] | None:
    """A hashable identity of a filter: its SQLAlchemy cache key plus the values it binds.

    Cheaper than compiling it, and equal for two filters exactly when they select the same rows."""
    cache_key = where._generate_cache_key()
    if cache_key is None:  # an element SQLAlchemy cannot cache: build its statement each time
        return None
    return (cache_key.key, repr([bp.effective_value for bp in cache_key.bindparams]))


def _build_score_page(shape: tuple[Any, ...], where: ColumnElement[bool]) -> Any:
    order, descending, key_is_null, has_after, listed = shape
    s, c = scores.c, customers.c
    run = bindparam("page_run", type_=Integer)
    limit = bindparam("page_limit", type_=Integer)

    def direction(*columns: ColumnElement[Any]) -> list[ColumnElement[Any]]:
        return [col.desc() if descending else col.asc() for col in columns]

    parts = []
    for position, segment in enumerate(order):
        if segment == "scored":
            stmt = (
                select(*_CUSTOMER_COLUMNS, s.health_score.label("sort_value"), literal(position).label("part"))
                .select_from(scores.join(customers, c.id == s.customer_id))
                .where(s.run_id == run, s.health_score.is_not(None), where)
                .order_by(*direction(s.health_score, s.customer_id))
            )
            if has_after and not key_is_null:
                value, pk = bindparam("page_after_score", type_=Float), bindparam("page_after_pk", type_=Integer)
                stmt = stmt.where(_after(s.health_score, s.customer_id, value, pk, descending))
        else:
            known = c.id.in_(bindparam("page_unscored", expanding=True, type_=Integer)) if listed else false()
            stmt = (
                select(*_CUSTOMER_COLUMNS, literal(NULL_SCORE).label("sort_value"), literal(position).label("part"))
                .select_from(scored_customers(run))
                .where(or_(known, c.id > bindparam("page_max_id", type_=Integer)), s.health_score.is_(None), where)
                .order_by(*direction(c.id))
            )
            if has_after and key_is_null:
                pk = bindparam("page_after_pk", type_=Integer)
                stmt = stmt.where(c.id < pk if descending else c.id > pk)
        parts.append(select(stmt.limit(limit).subquery()))
    both = union_all(*parts).subquery()
    return select(*(both.c[name] for name in _RECORD_FIELDS)).order_by(
        both.c.part, *direction(both.c.sort_value, both.c.pk)
    ).limit(limit)


_RECORD_FIELDS = [col.key for col in _CUSTOMER_COLUMNS] + ["sort_value"]
# Page rows are built positionally (``CustomerRecord(*row)``), which is only right in this order.
if _RECORD_FIELDS != [f.name for f in fields(CustomerRecord)]:  # pragma: no cover - a programming error
    raise RuntimeError("CustomerRecord's fields and the page columns disagree")


def _after(
    key: ColumnElement[Any], pk: ColumnElement[Any], value: Any, after_pk: Any, descending: bool
) -> ColumnElement[bool]:
    if descending:
        return or_(key < value, and_(key == value, pk < after_pk))
    return or_(key > value, and_(key == value, pk > after_pk))


def count_customers(engine: Engine, run_id: int | None, where: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(scored_customers(run_id)).where(where)
    with reading(engine) as conn:
        return int(conn.execute(stmt).scalar_one())


def fetch_customers(
    engine: Engine, run_id: int | None, pks: Sequence[int], where: ColumnElement[bool] | None = None
) -> dict[int, CustomerRecord]:
    """Customers by primary key (those ``where`` excludes, e.g. another source, are left out)."""
    stmt = select(*_CUSTOMER_COLUMNS).select_from(scored_customers(run_id)).where(customers.c.id.in_(list(pks)))
    if where is not None:
        stmt = stmt.where(where)
    with reading(engine) as conn:
        return {row.pk: CustomerRecord(**row._mapping) for row in conn.execute(stmt)}


def fetch_indicators(
    engine: Engine, served: ServedRun, customer_ids: Sequence[int]
) -> dict[int, list[IndicatorRecord]]:
    """Indicator rows of many customers in one statement, labelled and in the config's order."""
    out: dict[int, list[IndicatorRecord]] = {pk: [] for pk in customer_ids}
    if served.run_id is None or not customer_ids:
        return out
    iv = indicator_values.c
    stmt = select(iv.customer_id, iv.key, iv.value, iv.score, iv.points).where(
        iv.run_id == served.run_id, iv.customer_id.in_(list(out))
    )
    with reading(engine) as conn:
        rows = conn.execute(stmt).all()
    position = {key: i for i, key in enumerate(served.labels)}
    for r in sorted(rows, key=lambda r: (position.get(r.key, len(position)), r.key)):
        label = served.labels.get(r.key, r.key)
        out[r.customer_id].append(IndicatorRecord(r.key, label, r.value, r.score, r.points))
    return out
