"""The API's hot reads can walk an index instead of scanning and sorting a whole table.

Plans depend on table sizes, so on PostgreSQL sequential scans and sorts are discouraged for the
EXPLAIN: what is checked is that an index *fits* the statement (the planner can seek it and needs
no sort), which is what the migrations must guarantee. The timings at 100,000 customers are in store/tables.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, true

from graphql_api.alert_store import fetch_alert_page, fetch_customer_alerts
from graphql_api.cursors import Cursor
from graphql_api.ordering import (
    CustomerOrderBy,
    CustomerOrderField,
    OrderDirection,
    sort_spec,
)
from graphql_api.reads import fetch_customer_page


@contextmanager
def last_statement(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def plan(engine: Engine, read: Callable[[], Any]) -> str:
    """The plan of the last statement ``read`` sends, as one string."""
    with last_statement(engine) as seen:
        read()
    statement, parameters = seen[-1]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")  # a Sort left in the plan is one no index can avoid
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


def test_a_customers_alerts_are_found_through_the_customer_and_id_index(engine: Engine) -> None:
    one = plan(engine, lambda: fetch_alert_page(engine, before=None, limit=21, customer_id=7))
    page = plan(engine, lambda: fetch_customer_alerts(engine, [3, 5, 7], first=10, statuses=("open",)))
    assert "ix_alerts_customer_id_id" in one and "ix_alerts_customer_id_id" in page
    assert "SCAN alerts" not in one + page and "Seq Scan on alerts" not in one + page


def test_customers_sorted_by_name_are_an_index_walk_from_the_cursor_in_both_directions(engine: Engine) -> None:
    for direction in (OrderDirection.ASC, OrderDirection.DESC):
        spec = sort_spec(CustomerOrderBy(field=CustomerOrderField.NAME, direction=direction))
        cursor = Cursor(ordering=spec.name, value="Mercier", pk=42)
        for after in (None, cursor):
            shown = plan(engine, lambda spec=spec, after=after: fetch_customer_page(engine, None, true(), spec, after, 100))
            assert "ix_customers_name_id" in shown, shown
            assert "TEMP B-TREE FOR ORDER BY" not in shown and "Sort" not in shown, shown
            if after is not None:  # a seek to the cursor, not a filter over the rows before it
                assert "(name>?)" in shown or "<?)" in shown or "Index Cond: (ROW(" in shown, shown


def test_customers_sorted_by_external_id_are_an_index_walk_from_the_cursor_in_both_directions(engine: Engine) -> None:
    for direction in (OrderDirection.ASC, OrderDirection.DESC):
        spec = sort_spec(CustomerOrderBy(field=CustomerOrderField.EXTERNAL_ID, direction=direction))
        cursor = Cursor(ordering=spec.name, value="C-000042", pk=42)
        for after in (None, cursor):
            shown = plan(engine, lambda spec=spec, after=after: fetch_customer_page(engine, None, true(), spec, after, 100))
            assert "ix_customers_external_id_id" in shown, shown
            assert "TEMP B-TREE FOR ORDER BY" not in shown and "Sort" not in shown, shown
            if after is not None:  # a seek to the cursor, not a filter over the rows before it
                assert "(external_id>?)" in shown or "(external_id<?)" in shown or "Index Cond: (ROW(" in shown, shown
