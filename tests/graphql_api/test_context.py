"""Per-request context: DataLoaders keep SQL constant per page and never share data across requests.

The statement counts are those of a warm server: the API key and "which run is served" are
remembered by the process for a few seconds (see graphql_api/security.py and context.py), so a busy
dashboard pays for them once, not per request. A cold request costs four statements more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, update
from starlette.testclient import TestClient

from graphql_api import ApiSettings, create_app
from graphql_api.ids import encode_id
from store.tables import alerts, indicator_values
from tests.graphql_api.conftest import T0, Api


@pytest.fixture
def api(fresh_api: Api) -> Api:
    """Every test here writes: each gets a store of its own."""
    return fresh_api


PAGE = """
query($first: Int!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id name healthScore band segment rfm { r f m }
        indicators { key label value score }
        contributions { key points }
        alerts(first: 5) { id rule severity status }
      }
    }
  }
}
"""


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def warm_api(engine: Engine, keys: dict[str, str]) -> Iterator[Api]:
    """An app that remembers the served run (totals are counted every time, to count that statement)."""
    with TestClient(create_app(engine, settings=ApiSettings(served_run_ttl=60.0, count_cache_ttl=0.0))) as client:
        yield Api(client, keys["viewer"], keys=keys)


def seed_hundred(seed: Any) -> None:
    pks = seed.customers([{"external_id": f"k{i:03d}", "name": f"K {i:03d}"} for i in range(120)])
    config = seed.config()
    run = seed.run(
        config,
        {
            pk: {
                "health_score": float(i % 50),
                "band": "watch",
                "rfm": (1, 2, 3),
                "indicators": {
                    "recency_days": (float(i), 50.0, 1.0),
                    "order_count": (2.0, 60.0, -2.0),
                    "complaints": (0.0, 100.0, 5.0),
                },
            }
            for i, pk in enumerate(sorted(set(pks.values())))
        },
    )
    with seed.engine.begin() as conn:
        conn.execute(
            insert(alerts),
            [
                {"run_id": run, "customer_id": pk, "rule": "drop", "severity": "high", "message": "m", "status": "open", "raised_at": T0}
                for pk in sorted(set(pks.values()))
                for _ in range(2)
            ],
        )


def test_a_page_of_a_hundred_with_indicators_contributions_and_alerts_costs_four_statements(
    warm_api: Api, engine: Engine, seed: Any
) -> None:
    seed_hundred(seed)
    with counting_statements(engine) as cold:
        warm_api.data(PAGE, {"first": 1})
    with counting_statements(engine) as statements:
        page = warm_api.data(PAGE, {"first": 100})["customers"]
    assert len(page["edges"]) == 100
    assert all(len(e["node"]["indicators"]) == 3 for e in page["edges"])
    assert all(len(e["node"]["contributions"]) == 3 for e in page["edges"])
    assert all(len(e["node"]["alerts"]) == 2 for e in page["edges"])
    assert len(statements) <= 4, statements  # page, totalCount, indicator values, alerts
    assert len(cold) <= 8, cold  # + the key, its last-used stamp, the served run and its unscored customers


def test_the_statement_count_does_not_grow_with_the_page(warm_api: Api, engine: Engine, seed: Any) -> None:
    seed_hundred(seed)
    warm_api.data(PAGE, {"first": 1})
    counts = []
    for first in (5, 100):
        with counting_statements(engine) as statements:
            warm_api.data(PAGE, {"first": first})
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_loaders_do_not_carry_values_from_one_request_to_the_next(
    api: Any, engine: Engine, seed: Any
) -> None:
    pks = seed.customers([{"external_id": "x", "name": "X"}])
    run = seed.run(
        seed.config(), {pks["x"]: {"health_score": 50.0, "indicators": {"complaints": (1.0, 90.0, 4.0)}}}
    )
    query = '{ customer(id: "' + encode_id("Customer", pks["x"]) + '") { indicators { value } } }'
    assert api.data(query)["customer"]["indicators"] == [{"value": 1.0}]
    with engine.begin() as conn:
        conn.execute(update(indicator_values).where(indicator_values.c.run_id == run).values(value=7.0))
    assert api.data(query)["customer"]["indicators"] == [{"value": 7.0}]


def test_totals_are_remembered_per_filter_for_the_configured_time(engine: Engine, keys: dict[str, str], seed: Any) -> None:
    seed_hundred(seed)
    query = 'query($b: String) { customers(first: 1, filter: {band: {eq: $b}}) { totalCount } }'
    settings = ApiSettings(served_run_ttl=60.0, count_cache_ttl=60.0)
    with TestClient(create_app(engine, settings=settings)) as client:
        api = Api(client, keys["viewer"])
        assert api.data(query, {"b": "watch"})["customers"]["totalCount"] == 120
        seed.customers([{"external_id": "extra", "name": "Extra"}])
        with counting_statements(engine) as statements:
            again = api.data(query, {"b": "watch"})["customers"]["totalCount"]
            other = api.data(query, {"b": "none"})["customers"]["totalCount"]
    assert (again, other) == (120, 0)  # the first total is remembered; another filter is counted
    assert sum("count(" in s.lower() for s in statements) == 1
