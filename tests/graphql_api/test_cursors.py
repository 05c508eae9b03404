"""Keyset cursors round-trip, refuse anything this API did not issue, and stay correct while data changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from graphql import GraphQLError

from graphql_api.cursors import Cursor, decode_cursor, encode_cursor
from tests.graphql_api.test_query import PAGE, expected_order


@pytest.mark.parametrize(
    ("cursor", "numeric"),
    [
        (Cursor("HEALTH_SCORE", 55.25, 7), True),
        (Cursor("HEALTH_SCORE", -1.0e300, 12), True),
        (Cursor("NAME", 'Zoë & Co, "quoted"', 3), False),
        (Cursor("EXTERNAL_ID", "", 1), False),
    ],
)
def test_a_cursor_decodes_to_the_position_it_encodes(cursor: Cursor, numeric: bool) -> None:
    token = encode_cursor(cursor)
    assert decode_cursor(token, ordering=cursor.ordering, numeric=numeric, where="w") == cursor


def test_a_cursor_is_opaque_url_safe_text() -> None:
    token = encode_cursor(Cursor("NAME", "a/b+c?", 1))
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _token(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        _token({"v": 1, "o": "HEALTH_SCORE", "k": [float("nan"), 1]}),
        _token({"v": 1, "o": "HEALTH_SCORE", "k": [float("inf"), 1]}),
        _token({"v": 1, "o": "HEALTH_SCORE", "k": [True, 1]}),
        _token({"v": 1, "o": "HEALTH_SCORE", "k": [1.0, True]}),
        _token({"v": 1, "o": "HEALTH_SCORE", "k": [1.0, 2, 3]}),
        _token({"o": "HEALTH_SCORE", "k": [1.0, 2]}),
        _token("HEALTH_SCORE"),
    ],
)
def test_tampered_cursors_are_refused_with_a_clear_message(token: str) -> None:
    with pytest.raises(GraphQLError) as err:
        decode_cursor(token, ordering="HEALTH_SCORE", numeric=True, where="customers(after:)")
    assert err.value.message == f"customers(after:): {token!r} is not a cursor issued by this API"
    assert err.value.extensions == {"code": "BAD_USER_INPUT"}


def test_a_text_key_is_refused_for_a_numeric_ordering_and_vice_versa() -> None:
    with pytest.raises(GraphQLError):
        decode_cursor(_token({"v": 1, "o": "NAME", "k": [1.5, 2]}), ordering="NAME", numeric=False, where="w")
    with pytest.raises(GraphQLError):
        decode_cursor(
            _token({"v": 1, "o": "HEALTH_SCORE", "k": ["1.5", 2]}),
            ordering="HEALTH_SCORE",
            numeric=True,
            where="w",
        )


def test_a_customer_added_before_the_cursor_does_not_shift_the_next_page(
    fresh_api: Any, fresh_population: Any, seed: Any
) -> None:
    order_by = {"field": "NAME", "direction": "ASC"}
    expected = expected_order(fresh_population, "NAME", "ASC")
    page1 = fresh_api.data(PAGE, {"first": 10, "orderBy": order_by})["customers"]
    seed.customers([{"external_id": "new", "name": "Aardvark Ltd"}])
    page2 = fresh_api.data(PAGE, {"first": 10, "after": page1["pageInfo"]["endCursor"], "orderBy": order_by})[
        "customers"
    ]
    assert [n["id"] for n in page2["nodes"]] == expected[10:20]
    assert page2["totalCount"] == 31


def test_later_pages_keep_serving_the_run_the_first_page_came_from(fresh_api: Any, fresh_population: Any, seed: Any) -> None:
    first = fresh_api.data(PAGE, {"first": 10})["customers"]
    # A new run finishes between the pages, reversing every score.
    seed.run(
        fresh_population.config_id,
        {c["pk"]: {"health_score": 100.0 - (c["health_score"] or 0.0), "band": "new"} for c in fresh_population.customers},
    )
    rest = walk_from(fresh_api, first["pageInfo"]["endCursor"])
    ids = [n["id"] for n in first["nodes"]] + [n["id"] for n in rest]
    assert ids == expected_order(fresh_population, "HEALTH_SCORE", "ASC")
    assert all(n["band"] != "new" for n in rest)
    restarted = fresh_api.data(PAGE, {"first": 100})["customers"]["edges"]
    assert {e["node"]["band"] for e in restarted} == {"new"}


def walk_from(api: Any, after: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    while True:
        page = api.data(PAGE, {"first": 10, "after": after})["customers"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_a_cursor_of_a_run_that_is_gone_is_a_bad_user_input(fresh_api: Any, fresh_population: Any, engine: Any) -> None:
    from sqlalchemy import delete

    from store.tables import scoring_runs

    after = fresh_api.data(PAGE, {"first": 5})["customers"]["pageInfo"]["endCursor"]
    with engine.begin() as conn:
        conn.execute(delete(scoring_runs).where(scoring_runs.c.id == fresh_population.served_run))
    [error] = fresh_api(PAGE, {"after": after})["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "start from the first page" in error["message"]


def test_customers_added_after_the_run_appear_among_the_unscored_in_score_order(
    fresh_api: Any, fresh_population: Any, seed: Any
) -> None:
    from graphql_api.ids import encode_id

    fresh_api.data(PAGE, {"first": 3})  # the process now knows the run's unscored customers
    pks = seed.customers([{"external_id": "late", "name": "Late arrival"}])
    asc = fresh_api.data(PAGE, {"first": 100})["customers"]["nodes"]
    desc = fresh_api.data(PAGE, {"first": 100, "orderBy": {"field": "HEALTH_SCORE", "direction": "DESC"}})["customers"]["nodes"]
    unscored = [c for c in fresh_population.customers if c["health_score"] is None]
    late = encode_id("Customer", pks["late"])
    assert [n["id"] for n in asc[: len(unscored) + 1]] == [encode_id("Customer", c["pk"]) for c in unscored] + [late]
    assert desc[-len(unscored) - 1]["id"] == late and len(asc) == len(desc) == 31  # ids descending
