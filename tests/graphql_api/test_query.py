"""The root query fields: customers (keyset pagination), customer(id), latestScoringRun."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest

from graphql_api.ids import decode_id, encode_id

PAGE = """
query($first: Int, $after: String, $orderBy: CustomerOrderBy, $filter: CustomerFilter) {
  customers(first: $first, after: $after, orderBy: $orderBy, filter: $filter) {
    totalCount
    edges { cursor node { id name externalId source healthScore band segment } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ORDERINGS = [
    ("HEALTH_SCORE", "ASC"),
    ("HEALTH_SCORE", "DESC"),
    ("NAME", "ASC"),
    ("NAME", "DESC"),
    ("EXTERNAL_ID", "ASC"),
    ("EXTERNAL_ID", "DESC"),
]


def expected_order(population: Any, field: str, direction: str) -> list[str]:
    def key(c: dict[str, Any]) -> tuple[Any, int]:
        if field == "HEALTH_SCORE":
            score = c["health_score"]
            return (-math.inf if score is None else score, c["pk"])
        return (c["name" if field == "NAME" else "external_id"], c["pk"])

    ordered = sorted(population.customers, key=key, reverse=direction == "DESC")
    return [encode_id("Customer", c["pk"]) for c in ordered]


def walk(api: Any, first: int, order_by: dict[str, str] | None = None) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        page = api.data(PAGE, {"first": first, "after": after, "orderBy": order_by})["customers"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("field", "direction"), ORDERINGS)
def test_paging_visits_every_customer_exactly_once_in_the_requested_order(
    api: Any, population: Any, field: str, direction: str
) -> None:
    pages = walk(api, 7, {"field": field, "direction": direction})
    ids = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    assert ids == expected_order(population, field, direction)
    assert len(pages) == math.ceil(30 / 7)
    assert all(page["totalCount"] == 30 for page in pages)


def test_unscored_customers_sort_lowest_in_both_directions(api: Any, population: Any) -> None:
    asc = walk(api, 100, {"field": "HEALTH_SCORE", "direction": "ASC"})[0]["nodes"]
    desc = walk(api, 100, {"field": "HEALTH_SCORE", "direction": "DESC"})[0]["nodes"]
    unscored = {encode_id("Customer", c["pk"]) for c in population.customers if c["health_score"] is None}
    assert {n["id"] for n in asc[: len(unscored)]} == unscored
    assert {n["id"] for n in desc[-len(unscored) :]} == unscored


def test_default_ordering_is_by_health_score_ascending_twenty_a_page(api: Any, population: Any) -> None:
    page = api.data(PAGE)["customers"]
    assert [n["id"] for n in page["nodes"]] == expected_order(population, "HEALTH_SCORE", "ASC")[:20]


def test_scores_come_from_the_newest_succeeded_run(api: Any, population: Any) -> None:
    nodes = walk(api, 100)[0]["edges"]
    by_id = {e["node"]["id"]: e["node"] for e in nodes}
    for c in population.customers:
        node = by_id[encode_id("Customer", c["pk"])]
        assert (node["healthScore"], node["band"], node["segment"]) == (
            c["health_score"],
            c["band"],
            c["segment"],
        )


SCORECARDS = """
query($orderBy: CustomerOrderBy) { customers(first: 100, orderBy: $orderBy) { nodes { id scorecard } } }
"""


@pytest.mark.parametrize("field", ["HEALTH_SCORE", "NAME"])
def test_each_customer_names_the_scorecard_that_scored_it_in_the_served_run(
    api: Any, population: Any, field: str
) -> None:
    """Both page plans (the score index walk and the plain sort) and customer(id:) read it."""
    expected = {encode_id("Customer", c["pk"]): c["scorecard"] for c in population.customers}
    nodes = api.data(SCORECARDS, {"orderBy": {"field": field}})["customers"]["nodes"]
    assert {n["id"]: n["scorecard"] for n in nodes} == expected
    assert {"enterprise", "standard", None} == set(expected.values())
    for customer_id, scorecard in list(expected.items())[::5]:
        one = api.data("query($id: ID!) { customer(id: $id) { scorecard } }", {"id": customer_id})["customer"]
        assert one == {"scorecard": scorecard}


def test_page_info_describes_where_the_page_sits(api: Any, population: Any) -> None:
    pages = walk(api, 13)
    first, middle, last = pages
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert middle["pageInfo"]["hasPreviousPage"] is True
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
    assert len(last["edges"]) == 30 - 26


def test_an_empty_page_has_no_cursors(api: Any, population: Any) -> None:
    page = api.data(PAGE, {"filter": {"band": {"eq": "no such band"}}})["customers"]
    assert page["edges"] == [] and page["totalCount"] == 0
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


def test_first_outside_one_to_a_hundred_is_a_bad_user_input(api: Any, subtests: pytest.Subtests) -> None:
    for first in (0, -1, 101, 1000):
        with subtests.test(first=first):
            body = api(PAGE, {"first": first})
            assert body["data"] is None
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["message"] == f"customers(first:): must be between 1 and 100, got {first}"


def test_first_at_the_bounds_is_accepted(api: Any, population: Any) -> None:
    assert len(api.data(PAGE, {"first": 1})["customers"]["nodes"]) == 1
    assert len(api.data(PAGE, {"first": 100})["customers"]["nodes"]) == 30


def _b64(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


FOREIGN_CURSORS = [
    "not a cursor",
    "!!!!",
    _b64([1, 2]),
    _b64({"v": 1, "o": "HEALTH_SCORE", "k": [1.0, 3]}),
    _b64({"v": 3, "o": "HEALTH_SCORE", "k": [1.0, 3]}),
    _b64({"v": 2, "o": "HEALTH_SCORE", "r": "1", "k": [1.0, 3]}),
    _b64({"v": 2, "o": "HEALTH_SCORE", "k": ["high", 3]}),
    _b64({"v": 2, "o": "HEALTH_SCORE", "k": [1.0, "3"]}),
    _b64({"v": 2, "o": "HEALTH_SCORE", "k": [1.0]}),
]


def test_a_cursor_this_api_did_not_issue_is_a_bad_user_input(
    api: Any, population: Any, subtests: pytest.Subtests
) -> None:
    for cursor in FOREIGN_CURSORS:
        with subtests.test(cursor=cursor):
            body = api(PAGE, {"after": cursor})
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["message"].startswith("customers(after:): ")


def test_a_cursor_from_another_ordering_is_refused_by_name(api: Any, population: Any) -> None:
    by_name = api.data(PAGE, {"first": 3, "orderBy": {"field": "NAME"}})["customers"]
    body = api(PAGE, {"after": by_name["pageInfo"]["endCursor"], "orderBy": {"field": "EXTERNAL_ID"}})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "issued for ordering by NAME, not by EXTERNAL_ID" in error["message"]


CUSTOMER = """
query($id: ID!) { customer(id: $id) { id name externalId source kind healthScore band segment } }
"""


def test_customer_by_id_returns_what_the_list_returned(api: Any, population: Any) -> None:
    listed = api.data(PAGE, {"first": 100})["customers"]["edges"]
    for edge in listed[::7]:
        node = edge["node"]
        one = api.data(CUSTOMER, {"id": node["id"]})["customer"]
        assert {k: one[k] for k in node} == node


def test_an_unknown_customer_id_gives_null(api: Any, population: Any) -> None:
    body = api(CUSTOMER, {"id": encode_id("Customer", 10_000_000)})
    assert body == {"data": {"customer": None}}


def test_a_malformed_customer_id_is_a_bad_user_input(api: Any, subtests: pytest.Subtests) -> None:
    for bad in ("garbage", encode_id("ScoringRun", 1), ""):
        with subtests.test(id=bad):
            body = api(CUSTOMER, {"id": bad})
            [error] = body["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["message"].startswith("customer(id:): ")


LATEST = """
query($only: Boolean!) {
  latestScoringRun(onlySucceeded: $only) {
    id status configVersion asOf startedAt finishedAt customersScored error
  }
}
"""


def test_latest_scoring_run_is_null_before_any_run(fresh_api: Any) -> None:
    assert fresh_api.data(LATEST, {"only": False}) == {"latestScoringRun": None}


def test_latest_scoring_run_is_the_newest_of_any_status_unless_only_succeeded(
    api: Any, population: Any
) -> None:
    newest = api.data(LATEST, {"only": False})["latestScoringRun"]
    assert decode_id("ScoringRun", newest["id"], where="test") == population.failed_run
    assert newest["status"] == "failed" and newest["error"] == "scoring failed"
    served = api.data(LATEST, {"only": True})["latestScoringRun"]
    assert served == {
        "id": encode_id("ScoringRun", population.served_run),
        "status": "succeeded",
        "configVersion": population.config_id,
        "asOf": "2025-03-01T12:00:00+00:00",
        "startedAt": "2025-03-01T12:00:00+00:00",
        "finishedAt": "2025-03-01T12:00:05+00:00",
        "customersScored": 24,
        "error": None,
    }




INDICATOR_PAGE = """
query($first: Int, $after: String, $orderBy: CustomerOrderBy) {
  customers(first: $first, after: $after, orderBy: $orderBy) {
    nodes { id indicator(key: "csat") { value score } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.mark.parametrize(("field", "position"), [("INDICATOR_VALUE", 0), ("INDICATOR_SCORE", 1)])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_paging_by_an_indicator_visits_everyone_once_missing_values_lowest(
    api: Any, population: Any, field: str, position: int, direction: str
) -> None:
    order_by = {"field": field, "indicator": "csat", "direction": direction}
    ids, after = [], None
    while True:
        page = api.data(INDICATOR_PAGE, {"first": 6, "after": after, "orderBy": order_by})["customers"]
        ids += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    def key(c: dict[str, Any]) -> tuple[float, int]:
        return (-math.inf if c["csat"] is None else c["csat"][position], c["pk"])

    expected = sorted(population.customers, key=key, reverse=direction == "DESC")
    assert ids == [encode_id("Customer", c["pk"]) for c in expected]


def test_an_indicator_ordering_needs_its_key_and_only_it_takes_one(api: Any) -> None:
    [error] = api(PAGE, {"orderBy": {"field": "INDICATOR_VALUE"}})["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "needs `indicator`" in error["message"]
    [error] = api(PAGE, {"orderBy": {"field": "NAME", "indicator": "csat"}})["errors"]
    assert "only used with INDICATOR_VALUE" in error["message"]
