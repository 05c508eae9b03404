"""Alerts: newest-first lists with filters, per-customer alerts, and acknowledge/resolve."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from graphql_api.ids import encode_id
from store.tables import alerts
from tests.graphql_api.conftest import T0, Api


@pytest.fixture
def api(fresh_api: Api) -> Api:
    """Every test here writes: each gets a store of its own."""
    return fresh_api


@pytest.fixture
def population(fresh_population: Any) -> Any:
    return fresh_population


LIST = """
query($first: Int, $after: String, $status: [AlertStatus!], $min: Severity, $rule: String, $customer: ID) {
  alerts(first: $first, after: $after, status: $status, minSeverity: $min, rule: $rule, customerId: $customer) {
    totalCount
    nodes { id rule severity status message raisedAt scoringRunId customer { id source } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SEVERITIES = ["info", "low", "medium", "high", "critical"]


@pytest.fixture
def raised(population: Any, seed: Any) -> list[dict[str, Any]]:
    """Two alerts per scored customer, in the served run, with mixed severities and statuses."""
    rows = []
    for n, c in enumerate(c for c in population.customers if c["health_score"] is not None):
        for k in range(2):
            rows.append(
                {
                    "run_id": population.served_run,
                    "customer_id": c["pk"],
                    "rule": "drop" if k else "low_score",
                    "severity": SEVERITIES[(n + k) % 5],
                    "message": f"alert {n}-{k}",
                    "status": ["open", "acknowledged", "resolved"][(n + 2 * k) % 3],
                    "raised_at": T0 + timedelta(minutes=n),
                }
            )
    with seed.engine.begin() as conn:
        conn.execute(insert(alerts), rows)
        stored = conn.execute(select(alerts).order_by(alerts.c.id)).all()
    sources = {c["pk"]: c["source"] for c in population.customers}
    return [{**r._mapping, "source": sources[r.customer_id]} for r in stored]


def walk(api: Any, variables: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    nodes, after = [], None
    while True:
        page = api.data(LIST, {**variables, "first": 7, "after": after})["alerts"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


def test_alert_lists_are_newest_first_and_filtered(api: Any, raised: list[dict[str, Any]], subtests: pytest.Subtests) -> None:
    some = raised[5]
    cases = {
        "all": ({}, lambda a: True),
        "open": ({"status": ["OPEN"]}, lambda a: a["status"] == "open"),
        "open or acknowledged": ({"status": ["OPEN", "ACKNOWLEDGED"]}, lambda a: a["status"] != "resolved"),
        "high and up": ({"min": "HIGH"}, lambda a: a["severity"] in ("high", "critical")),
        "by rule": ({"rule": "drop"}, lambda a: a["rule"] == "drop"),
        "by customer": ({"customer": encode_id("Customer", some["customer_id"])}, lambda a: a["customer_id"] == some["customer_id"]),
    }
    for case, (variables, keep) in cases.items():
        with subtests.test(case):
            nodes, total = walk(api, variables)
            expected = [a for a in reversed(raised) if keep(a)]
            assert [n["id"] for n in nodes] == [encode_id("Alert", a["id"]) for a in expected]
            assert total == len(expected)
    nodes, _ = walk(api, {"rule": "drop"})
    first = next(a for a in reversed(raised) if a["rule"] == "drop")
    assert nodes[0]["customer"] == {"id": encode_id("Customer", first["customer_id"]), "source": first["source"]}
    assert nodes[0]["severity"] == first["severity"].upper() and nodes[0]["message"] == first["message"]


def test_a_source_limited_key_sees_only_its_sources_alerts(api: Any, raised: list[dict[str, Any]]) -> None:
    nodes, total = walk(api.as_key(api.keys["odoo viewer"]), {})
    assert total == sum(1 for a in raised if a["source"] == "odoo") == len(nodes) > 0
    assert {n["customer"]["source"] for n in nodes} == {"odoo"}


def test_customers_list_their_newest_alerts(api: Any, raised: list[dict[str, Any]]) -> None:
    query = """query($id: ID!) { customer(id: $id) {
      all: alerts { id } one: alerts(first: 1) { id } open: alerts(status: [OPEN]) { id status } } }"""
    pk = raised[0]["customer_id"]
    mine = [a for a in reversed(raised) if a["customer_id"] == pk]
    data = api.data(query, {"id": encode_id("Customer", pk)})["customer"]
    assert [a["id"] for a in data["all"]] == [encode_id("Alert", a["id"]) for a in mine]
    assert data["one"] == [{"id": encode_id("Alert", mine[0]["id"])}]
    assert data["open"] == [{"id": encode_id("Alert", a["id"]), "status": "OPEN"} for a in mine if a["status"] == "open"]


MOVE = """
mutation($id: ID!) {
  ack: acknowledgeAlert(input: {id: $id, clientMutationId: "c1"}) {
    __typename
    ... on AlertSuccess { clientMutationId alert { id status } }
    ... on MutationError { code message }
  }
}
"""
RESOLVE = MOVE.replace("ack: acknowledgeAlert", "ack: resolveAlert")


def test_acknowledge_then_resolve_and_resolved_is_final(api: Any, raised: list[dict[str, Any]]) -> None:
    alert = next(a for a in raised if a["status"] == "open")
    gid = encode_id("Alert", alert["id"])
    ack = api.admin.data(MOVE, {"id": gid})["ack"]
    assert ack == {"__typename": "AlertSuccess", "clientMutationId": "c1", "alert": {"id": gid, "status": "ACKNOWLEDGED"}}
    assert api.admin.data(MOVE, {"id": gid})["ack"]["alert"]["status"] == "ACKNOWLEDGED"  # idempotent
    assert api.admin.data(RESOLVE, {"id": gid})["ack"]["alert"]["status"] == "RESOLVED"
    again = api.admin.data(MOVE, {"id": gid})["ack"]
    assert again["__typename"] == "ValidationFailed" and again["code"] == "CONFLICT"
    assert "resolved" in again["message"]
    assert api.data("query($id: ID!) { alert(id: $id) { status } }", {"id": gid}) == {"alert": {"status": "RESOLVED"}}


def test_alert_mutations_report_missing_and_malformed_ids(api: Any, raised: list[dict[str, Any]]) -> None:
    missing = api.admin.data(MOVE, {"id": encode_id("Alert", 10**9)})["ack"]
    assert missing["__typename"] == "NotFound" and missing["code"] == "NOT_FOUND"
    malformed = api.admin.data(MOVE, {"id": "garbage"})["ack"]
    assert malformed["__typename"] == "ValidationFailed" and malformed["code"] == "VALIDATION_FAILED"
    other = next(a for a in raised if a["source"] != "odoo" and a["status"] == "open")
    limited = api.as_key(api.keys["odoo admin"]).data(MOVE, {"id": encode_id("Alert", other["id"])})["ack"]
    assert limited["__typename"] == "NotFound"
