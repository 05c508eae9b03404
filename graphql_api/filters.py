"""Customer filters: GraphQL input types and their compilation to SQLAlchemy Core.

Each operator compiles to a predicate that is always TRUE or FALSE, never NULL: ``neq`` keeps rows
whose value is null (a customer with no band is not "at risk"), every other operator drops them,
and ``isNull`` selects them. Two-valued predicates are what make ``not`` exact: ``not`` of a
predicate is its complement, which SQL's three-valued logic would otherwise break. Indicator
conditions are ``EXISTS`` sub-queries on the served run's ``indicator_values`` (also two-valued).

A filter is bounded (nesting and number of conditions), so a client cannot send a predicate the
database would take minutes to plan.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true

from graphql_api.errors import bad_user_input
from store.tables import customers, indicator_values, scores

__all__ = [
    "MAX_FILTER_CONDITIONS",
    "MAX_FILTER_DEPTH",
    "BooleanFilter",
    "CustomerFilter",
    "DateTimeFilter",
    "FloatFilter",
    "IndicatorFilter",
    "StringFilter",
    "compile_customer_filter",
]

MAX_FILTER_DEPTH = 5
MAX_FILTER_CONDITIONS = 50
_MAX_IN = 500
_WHERE = "customers(filter:)"


@strawberry.input(description="Conditions on a text field; all given conditions must hold.")
class StringFilter:
    eq: str | None = None
    neq: str | None = strawberry.field(default=None, description="Not equal; rows where the field is null match.")
    gt: str | None = strawberry.field(default=None, description="After, in the database's collation.")
    gte: str | None = None
    lt: str | None = None
    lte: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None, description="One of (at most 500).")
    is_null: bool | None = None
    contains: str | None = strawberry.field(default=None, description="Case-insensitive substring match.")


@strawberry.input(description="Conditions on a number field; all given conditions must hold.")
class FloatFilter:
    eq: float | None = None
    neq: float | None = strawberry.field(default=None, description="Not equal; rows where the field is null match.")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: list[float] | None = strawberry.field(name="in", default=None, description="One of (at most 500).")
    is_null: bool | None = None


@strawberry.input(description="Conditions on a true/false field.")
class BooleanFilter:
    eq: bool | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on a timestamp (ISO 8601 with an offset).")
class DateTimeFilter:
    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None
    is_null: bool | None = None


@strawberry.input(description="A condition on one indicator of the served run: its raw value and/or its 0–100 score.")
class IndicatorFilter:
    key: str
    value: FloatFilter | None = None
    score: FloatFilter | None = None


@strawberry.input(
    description="Conditions on customers. All conditions given in one object must hold; "
    "`and`, `or` and `not` combine filters (nesting at most 5 deep, 50 conditions in all)."
)
class CustomerFilter:
    name: StringFilter | None = None
    external_id: StringFilter | None = None
    kind: StringFilter | None = None
    source: StringFilter | None = None
    owner: StringFilter | None = None
    country: StringFilter | None = None
    industry: StringFilter | None = None
    active: BooleanFilter | None = None
    created_at: DateTimeFilter | None = None
    health_score: FloatFilter | None = None
    band: StringFilter | None = None
    segment: StringFilter | None = None
    scorecard: StringFilter | None = strawberry.field(default=None, description="The key of the scorecard that scored the customer.")
    indicator: IndicatorFilter | None = None
    and_: list[CustomerFilter] | None = strawberry.field(name="and", default=None)
    or_: list[CustomerFilter] | None = strawberry.field(name="or", default=None)
    not_: CustomerFilter | None = strawberry.field(name="not", default=None)


_COMPARISONS = (
    ("eq", operator.eq),
    ("gt", operator.gt),
    ("gte", operator.ge),
    ("lt", operator.lt),
    ("lte", operator.le),
)


def _ops(column: ColumnElement[Any], f: Any, where: str) -> list[tuple[ColumnElement[bool], bool]]:
    """The predicates of one operator object, each with whether a null value satisfies it."""
    present = column.is_not(None)
    out: list[tuple[ColumnElement[bool], bool]] = []
    for name, compare in _COMPARISONS:
        value = getattr(f, name, None)
        if value is not None:
            out.append((and_(present, compare(column, value)), False))
    neq = getattr(f, "neq", None)
    if neq is not None:
        out.append((column.is_distinct_from(neq), True))
    values = getattr(f, "in_", None)
    if values is not None:
        if len(values) > _MAX_IN:
            raise bad_user_input(f"{where}.in", f"at most {_MAX_IN} values, got {len(values)}")
        out.append((and_(present, column.in_(list(values))) if values else false(), False))
    contains = getattr(f, "contains", None)
    if contains is not None:
        out.append((and_(present, column.icontains(contains, autoescape=True)), False))
    if f.is_null is not None:
        out.append((column.is_(None), True) if f.is_null else (present, False))
    return out


_FIELDS: dict[str, ColumnElement[Any]] = {
    "name": customers.c.name,
    "external_id": customers.c.external_id,
    "kind": customers.c.kind,
    "source": customers.c.source,
    "owner": customers.c.owner,
    "country": customers.c.country,
    "industry": customers.c.industry,
    "active": customers.c.active,
    "created_at": customers.c.created_at,
    "health_score": scores.c.health_score,
    "band": scores.c.band,
    "segment": scores.c.segment,
    "scorecard": scores.c.scorecard,
}


def _indicator(f: IndicatorFilter, run_id: int | None, where: str) -> list[ColumnElement[bool]]:
    """EXISTS per condition; a customer without a row for the key has a null value and score."""
    iv = indicator_values.c
    out: list[ColumnElement[bool]] = []
    for column, ops in ((iv.value, f.value), (iv.score, f.score)):
        if ops is None:
            continue
        for predicate, null_matches in _ops(column, ops, where):
            if run_id is None:  # nothing is scored: every indicator is missing
                out.append(true() if null_matches else false())
                continue
            row = and_(iv.run_id == run_id, iv.customer_id == customers.c.id, iv.key == f.key)
            hit = exists(select(1).where(row, predicate))
            out.append(or_(hit, not_(exists(select(1).where(row)))) if null_matches else hit)
    return out


def _count(f: CustomerFilter, depth: int, where: str) -> int:
    if depth > MAX_FILTER_DEPTH:
        raise bad_user_input(where, f"filters may nest at most {MAX_FILTER_DEPTH} levels of and/or/not")
    n = sum(1 for name in (*_FIELDS, "indicator") if getattr(f, name) is not None)
    for child in [*(f.and_ or ()), *(f.or_ or ()), *([f.not_] if f.not_ else [])]:
        n += _count(child, depth + 1, where)
    return n


def _compile(f: CustomerFilter, run_id: int | None, where: str) -> ColumnElement[bool]:
    predicates: list[ColumnElement[bool]] = []
    for name, column in _FIELDS.items():
        ops = getattr(f, name)
        if ops is not None:
            predicates.extend(p for p, _ in _ops(column, ops, f"{where}.{name}"))
    if f.indicator is not None:
        predicates.extend(_indicator(f.indicator, run_id, f"{where}.indicator"))
    if f.and_ is not None:
        predicates.append(and_(true(), *(_compile(c, run_id, where) for c in f.and_)))
    if f.or_ is not None:
        predicates.append(or_(false(), *(_compile(c, run_id, where) for c in f.or_)))
    if f.not_ is not None:
        predicates.append(not_(_compile(f.not_, run_id, where)))
    return and_(true(), *predicates)


def compile_customer_filter(
    f: CustomerFilter | None, run_id: int | None, *, sources: Sequence[str] | None = None
) -> ColumnElement[bool]:
    """One WHERE predicate over ``customers`` outer-joined to the run's ``scores``.

    ``sources`` (a key limited to a source) is ANDed in whatever the client asked for.
    """
    limit = customers.c.source.in_(list(sources)) if sources is not None else true()
    if f is None:
        return and_(true(), limit)
    count = _count(f, 1, _WHERE)
    if count > MAX_FILTER_CONDITIONS:
        raise bad_user_input(_WHERE, f"at most {MAX_FILTER_CONDITIONS} conditions, got {count}")
    return and_(limit, _compile(f, run_id, _WHERE))
