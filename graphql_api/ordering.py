"""How a customer list can be sorted, and the SQL sort key behind each choice.

Every ordering ends with the customer id, so the order is total and a keyset cursor identifies
exactly one position. Customers without a value (not scored, or no value for the indicator) sort
as if their value were lower than any real one, in both directions, by comparing
``COALESCE(value, NULL_SCORE)``: one expression serves ORDER BY and the cursor comparison alike,
so the two can never disagree about where nulls go.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, FromClause, and_, func, literal, or_, tuple_
from sqlalchemy.sql.expression import Alias

from graphql_api.cursors import Cursor
from graphql_api.errors import bad_user_input
from store.tables import customers, indicator_values, scores

__all__ = [
    "NULL_SCORE",
    "CustomerOrderBy",
    "CustomerOrderField",
    "OrderDirection",
    "SortSpec",
    "after_cursor",
    "order_clauses",
    "sort_spec",
]

# Lower than any score a config can produce; stands in for "no value" when sorting.
NULL_SCORE = -1.0e300


@strawberry.enum(description="What a customer list is sorted by (ties are broken by customer id).")
class CustomerOrderField(Enum):
    HEALTH_SCORE = "HEALTH_SCORE"
    NAME = "NAME"
    EXTERNAL_ID = "EXTERNAL_ID"
    INDICATOR_VALUE = strawberry.enum_value("INDICATOR_VALUE", description="The raw value of `indicator`.")
    INDICATOR_SCORE = strawberry.enum_value("INDICATOR_SCORE", description="The 0–100 score of `indicator`.")


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Sort order of a customer list.")
class CustomerOrderBy:
    field: CustomerOrderField = CustomerOrderField.HEALTH_SCORE
    indicator: str | None = strawberry.field(
        default=None, description="The indicator key, with INDICATOR_VALUE or INDICATOR_SCORE."
    )
    direction: OrderDirection = OrderDirection.ASC


@dataclass(frozen=True)
class SortSpec:
    name: str
    key: ColumnElement[Any]
    numeric: bool
    descending: bool
    indicator: Alias | None = None  # the joined indicator_values row the key reads, if any
    indicator_key: str | None = None

    def join(self, base: FromClause, run_id: int | None) -> FromClause:
        """``base`` with whatever the sort key needs joined in."""
        if self.indicator is None:
            return base
        iv = self.indicator.c
        return base.outerjoin(
            self.indicator,
            and_(iv.customer_id == customers.c.id, iv.run_id == (run_id if run_id is not None else -1), iv.key == self.indicator_key),
        )


def sort_spec(order_by: CustomerOrderBy | None) -> SortSpec:
    order_by = order_by or CustomerOrderBy()
    descending = order_by.direction is OrderDirection.DESC
    field = order_by.field
    if field in (CustomerOrderField.INDICATOR_VALUE, CustomerOrderField.INDICATOR_SCORE):
        key_name = order_by.indicator
        if not key_name:
            raise bad_user_input("customers(orderBy:)", f"{field.value} needs `indicator`, the indicator key")
        alias = indicator_values.alias("sort_indicator")
        column = alias.c.value if field is CustomerOrderField.INDICATOR_VALUE else alias.c.score
        key: ColumnElement[Any] = func.coalesce(column, literal(NULL_SCORE))
        return SortSpec(f"{field.value}:{key_name}", key, True, descending, alias, key_name)
    if order_by.indicator is not None:
        raise bad_user_input("customers(orderBy:)", f"`indicator` is only used with INDICATOR_VALUE or INDICATOR_SCORE, not {field.value}")
    if field is CustomerOrderField.HEALTH_SCORE:
        key = func.coalesce(scores.c.health_score, literal(NULL_SCORE))
        return SortSpec(field.value, key, numeric=True, descending=descending)
    column = customers.c.name if field is CustomerOrderField.NAME else customers.c.external_id
    return SortSpec(field.value, column, numeric=False, descending=descending)


def order_clauses(spec: SortSpec) -> list[ColumnElement[Any]]:
    if spec.descending:
        return [spec.key.desc(), customers.c.id.desc()]
    return [spec.key.asc(), customers.c.id.asc()]


def after_cursor(spec: SortSpec, cursor: Cursor) -> ColumnElement[bool]:
    """Rows strictly after ``cursor`` in the spec's total order.

    A plain column (name, external id; never null) is compared as a row value, ``(name, id) >
    (:name, :id)``: SQLite and PostgreSQL seek the ``(name, id)`` index to the cursor with it, where
    the equivalent ``OR`` form makes them walk every row before the cursor (31 ms instead of 0.8 ms
    half-way through 100,000 customers on PostgreSQL).
    """
    if not spec.numeric:
        row, at = tuple_(spec.key, customers.c.id), tuple_(literal(cursor.value), literal(cursor.pk))
        return row < at if spec.descending else row > at
    if spec.descending:
        return or_(spec.key < cursor.value, and_(spec.key == cursor.value, customers.c.id < cursor.pk))
    return or_(spec.key > cursor.value, and_(spec.key == cursor.value, customers.c.id > cursor.pk))
