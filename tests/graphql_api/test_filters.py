"""Customer filters: every operator, and/or/not, indicator values, null handling, totals, LIKE escaping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphql_api.ids import encode_id

QUERY = """
query($filter: CustomerFilter) {
  customers(first: 100, filter: $filter) { totalCount nodes { id } }
}
"""

Row = dict[str, Any]
CASES: list[tuple[str, dict[str, Any], Callable[[Row], bool]]] = [
    ("band eq", {"band": {"eq": "watch"}}, lambda c: c["band"] == "watch"),
    ("band neq keeps nulls", {"band": {"neq": "watch"}}, lambda c: c["band"] != "watch"),
    ("band in", {"band": {"in": ["at_risk", "healthy"]}}, lambda c: c["band"] in ("at_risk", "healthy")),
    ("band in nothing", {"band": {"in": []}}, lambda c: False),
    ("band contains ignores case", {"band": {"contains": "RISK"}}, lambda c: c["band"] == "at_risk"),
    ("segment eq", {"segment": {"eq": "loyal"}}, lambda c: c["segment"] == "loyal"),
    ("segment neq", {"segment": {"neq": "loyal"}}, lambda c: c["segment"] != "loyal"),
    ("scorecard eq", {"scorecard": {"eq": "enterprise"}}, lambda c: c["scorecard"] == "enterprise"),
    ("scorecard neq keeps nulls", {"scorecard": {"neq": "enterprise"}}, lambda c: c["scorecard"] != "enterprise"),
    ("scorecard is null", {"scorecard": {"isNull": True}}, lambda c: c["scorecard"] is None),
    ("source eq", {"source": {"eq": "odoo"}}, lambda c: c["source"] == "odoo"),
    ("source in", {"source": {"in": ["files", "odoo"]}}, lambda c: c["source"] in ("files", "odoo")),
    ("kind eq", {"kind": {"eq": "person"}}, lambda c: c["kind"] == "person"),
    ("kind neq", {"kind": {"neq": "person"}}, lambda c: c["kind"] != "person"),
    ("name contains", {"name": {"contains": "mer 05"}}, lambda c: c["name"] == "Customer 05"),
    ("name eq", {"name": {"eq": "Customer 03"}}, lambda c: c["name"] == "Customer 03"),
    ("score eq", {"healthScore": {"eq": 70}}, lambda c: c["health_score"] == 70),
    ("score neq keeps nulls", {"healthScore": {"neq": 70}}, lambda c: c["health_score"] != 70),
    ("score gt", {"healthScore": {"gt": 40}}, lambda c: (c["health_score"] or -1) > 40),
    ("score gte", {"healthScore": {"gte": 40}}, lambda c: (c["health_score"] or -1) >= 40),
    (
        "score lt",
        {"healthScore": {"lt": 55.25}},
        lambda c: c["health_score"] is not None and c["health_score"] < 55.25,
    ),
    (
        "score lte",
        {"healthScore": {"lte": 55.25}},
        lambda c: c["health_score"] is not None and c["health_score"] <= 55.25,
    ),
    ("score is null", {"healthScore": {"isNull": True}}, lambda c: c["health_score"] is None),
    ("score is not null", {"healthScore": {"isNull": False}}, lambda c: c["health_score"] is not None),
    (
        "score range",
        {"healthScore": {"gt": 12.5, "lt": 91}},
        lambda c: c["health_score"] is not None and 12.5 < c["health_score"] < 91,
    ),
    (
        "fields combine with and",
        {"band": {"eq": "healthy"}, "kind": {"eq": "company"}, "source": {"neq": "odoo"}},
        lambda c: c["band"] == "healthy" and c["kind"] == "company" and c["source"] != "odoo",
    ),
    ("empty filter", {}, lambda c: True),
    ("owner eq", {"owner": {"eq": "alice"}}, lambda c: c["owner"] == "alice"),
    ("owner neq keeps nulls", {"owner": {"neq": "alice"}}, lambda c: c["owner"] != "alice"),
    ("owner is null", {"owner": {"isNull": True}}, lambda c: c["owner"] is None),
    ("name gte", {"name": {"gte": "Customer 07"}}, lambda c: c["name"] >= "Customer 07"),
    ("name lt", {"name": {"lt": "Customer 02"}}, lambda c: c["name"] < "Customer 02"),
    ("external id in", {"externalId": {"in": ["c01", "c02"]}}, lambda c: c["external_id"] in ("c01", "c02")),
    ("score in", {"healthScore": {"in": [12.5, 91]}}, lambda c: c["health_score"] in (12.5, 91.0)),
    ("band is null", {"band": {"isNull": True}}, lambda c: c["band"] is None),
    ("active", {"active": {"eq": True}}, lambda c: True),
    (
        "or",
        {"or": [{"band": {"eq": "at_risk"}}, {"source": {"eq": "files"}}]},
        lambda c: c["band"] == "at_risk" or c["source"] == "files",
    ),
    (
        "and inside or",
        {"or": [{"and": [{"band": {"eq": "healthy"}}, {"kind": {"eq": "person"}}]}, {"segment": {"eq": "loyal"}}]},
        lambda c: (c["band"] == "healthy" and c["kind"] == "person") or c["segment"] == "loyal",
    ),
    ("not is the complement", {"not": {"band": {"eq": "watch"}}}, lambda c: c["band"] != "watch"),
    ("not of neq selects equals only", {"not": {"band": {"neq": "watch"}}}, lambda c: c["band"] == "watch"),
    ("not of a range keeps nulls", {"not": {"healthScore": {"gt": 40}}}, lambda c: not (c["health_score"] or -1) > 40),
    ("empty or matches nothing", {"or": []}, lambda c: False),
    ("empty and matches everything", {"and": []}, lambda c: True),
    (
        "indicator value lt",
        {"indicator": {"key": "csat", "value": {"lt": 50}}},
        lambda c: c["csat"] is not None and c["csat"][0] < 50,
    ),
    (
        "indicator score gte and value lte",
        {"indicator": {"key": "csat", "score": {"gte": 20}, "value": {"lte": 80}}},
        lambda c: c["csat"] is not None and c["csat"][1] >= 20 and c["csat"][0] <= 80,
    ),
    ("indicator missing", {"indicator": {"key": "csat", "value": {"isNull": True}}}, lambda c: c["csat"] is None),
    (
        "indicator neq keeps missing",
        {"indicator": {"key": "csat", "value": {"neq": 10}}},
        lambda c: c["csat"] is None or c["csat"][0] != 10,
    ),
    (
        "not indicator",
        {"not": {"indicator": {"key": "csat", "value": {"gte": 50}}}},
        lambda c: c["csat"] is None or c["csat"][0] < 50,
    ),
    ("unknown indicator", {"indicator": {"key": "nope", "value": {"gt": 0}}}, lambda c: False),
]


def test_each_filter_operator_selects_exactly_the_matching_customers(
    api: Any, population: Any, subtests: pytest.Subtests
) -> None:
    # One store per backend for all cases: each case is a subtest, reported by name.
    for case, filter_, keep in CASES:
        with subtests.test(case):
            expected = {encode_id("Customer", c["pk"]) for c in population.customers if keep(c)}
            page = api.data(QUERY, {"filter": filter_})["customers"]
            assert {n["id"] for n in page["nodes"]} == expected
            assert page["totalCount"] == len(expected)


def test_filters_narrow_every_page_of_a_walk(api: Any, population: Any) -> None:
    query = """
    query($after: String) {
      customers(first: 4, after: $after, filter: {band: {neq: "healthy"}}) {
        totalCount nodes { id band } pageInfo { hasNextPage endCursor }
      }
    }"""
    seen, after = [], None
    while True:
        page = api.data(query, {"after": after})["customers"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [c for c in population.customers if c["band"] != "healthy"]
    assert len(seen) == len({n["id"] for n in seen}) == len(expected) == page["totalCount"]
    assert all(n["band"] != "healthy" for n in seen)


def test_contains_matches_like_wildcards_literally(fresh_api: Any, seed: Any) -> None:
    seed.customers(
        [
            {"external_id": "a", "name": "50% off Ltd"},
            {"external_id": "b", "name": "500 off Ltd"},
            {"external_id": "c", "name": "a_b Co"},
            {"external_id": "d", "name": "axb Co"},
        ]
    )
    query = "query($s: String!) { customers(filter: {name: {contains: $s}}) { nodes { name } } }"
    assert [n["name"] for n in fresh_api.data(query, {"s": "0%"})["customers"]["nodes"]] == ["50% off Ltd"]
    assert [n["name"] for n in fresh_api.data(query, {"s": "A_B"})["customers"]["nodes"]] == ["a_b Co"]


def test_a_filter_is_bounded_in_nesting_and_size(api: Any, subtests: pytest.Subtests) -> None:
    cases = {
        "nesting": ("{not: " * 6 + "{band: {eq: \"x\"}}" + "}" * 6, "nest at most 5"),
        "conditions": ("{or: [" + ", ".join('{band: {eq: "x"}}' for _ in range(51)) + "]}", "at most 50 conditions"),
        "in list": ("{source: {in: [" + ", ".join(f'"s{i}"' for i in range(501)) + "]}}", "at most 500 values"),
    }
    for case, (literal, message) in cases.items():
        with subtests.test(case):
            [error] = api("{ customers(filter: " + literal + ") { totalCount } }")["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert message in error["message"]
            assert error["message"].startswith("customers(filter:")


def test_a_key_limited_to_a_source_sees_only_that_source_whatever_the_filter(api: Any, population: Any) -> None:
    limited = api.as_key(api.keys["odoo viewer"])
    query = 'query($f: CustomerFilter) { customers(first: 100, filter: $f) { totalCount nodes { source } } }'
    odoo = [c for c in population.customers if c["source"] == "odoo"]
    for filter_ in (None, {"source": {"eq": "suitecrm"}}, {"or": [{"source": {"neq": "odoo"}}, {"name": {"contains": ""}}]}):
        page = limited.data(query, {"f": filter_})["customers"]
        assert {n["source"] for n in page["nodes"]} <= {"odoo"}
        assert page["totalCount"] <= len(odoo)
    assert limited.data(query)["customers"]["totalCount"] == len(odoo)
    other = next(c for c in population.customers if c["source"] != "odoo")
    found = limited.data("query($id: ID!) { customer(id: $id) { id } }", {"id": encode_id("Customer", other["pk"])})
    assert found == {"customer": None}
