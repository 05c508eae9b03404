"""Hostile requests are refused before anything runs, each with its documented ErrorCode."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from crmscore.auth import create_key, revoke_key
from graphql_api import create_app
from graphql_api.errors import ErrorCode
from graphql_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_NODES
from tests.graphql_api.conftest import TEST_SETTINGS, Api


def chain(depth: int) -> str:
    """A valid document exactly ``depth`` fields deep: customers → nodes → alerts → customer → ... → id."""
    wrappers = ["customers(first: 1)", "nodes"] + ["alerts(first: 1)", "customer"] * depth
    body = "id"
    for field in reversed(wrappers[: depth - 1]):
        body = f"{field} {{ {body} }}"
    return "{ " + body + " }"


HOSTILE: list[tuple[str, str, str]] = [
    ("depth 50", chain(50), "QUERY_TOO_DEEP"),
    ("1,000 aliases", "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }", "TOO_MANY_ALIASES"),
    ("first: 1000000", "{ customers(first: 1000000) { totalCount } }", "TOO_MANY_NODES"),
    (
        "nested connections multiplying to millions",
        "{ customers(first: 100) { nodes { alerts(first: 100) { customer { alerts(first: 100) { id } } } } } }",
        "TOO_MANY_NODES",
    ),
    (
        "aliased connections adding up past the limit",
        "{ " + " ".join(f"c{i}: customers(first: 100) {{ nodes {{ alerts(first: 100) {{ id }} }} }}" for i in range(6)) + " }",
        "TOO_MANY_NODES",
    ),
    (
        "a variable page size counts as the maximum",
        "query($n: Int) { customers(first: $n) { nodes { alerts(first: 100) { customer { scoreHistory(last: 100) { asOf } } } } } }",
        "TOO_MANY_NODES",
    ),
    ("introspection in production", "{ __schema { types { name } } }", "INTROSPECTION_DISABLED"),
    ("introspection of one type", '{ __type(name: "Customer") { fields { name } } }', "INTROSPECTION_DISABLED"),
    ("too many tokens", "{ customers { " + "totalCount " * 6000 + "} }", "TOO_MANY_TOKENS"),
    ("nesting beyond the parser's limit", "{ " + "customers { " * 400 + "id" + " }" * 401, "GRAPHQL_PARSE_FAILED"),
    ("first above the page size", "{ customers(first: 101) { totalCount } }", "BAD_USER_INPUT"),
    (
        "a filter nested too deeply",
        "{ customers(filter: " + "{not: " * 8 + "{band: {eq: \"x\"}}" + "}" * 8 + ") { totalCount } }",
        "BAD_USER_INPUT",
    ),
    ("an unknown field", "{ customers { password } }", "GRAPHQL_VALIDATION_FAILED"),
]


def test_hostile_documents_are_refused_with_their_code(api: Api, subtests: pytest.Subtests) -> None:
    for case, document, code in HOSTILE:
        with subtests.test(case):
            started = time.perf_counter()
            body = api(document)
            assert body.get("data") is None, body
            codes = {e["extensions"]["code"] for e in body["errors"]}
            assert code in codes, body["errors"][:2]
            assert codes <= {c.value for c in ErrorCode}
            assert time.perf_counter() - started < 2


def test_the_limits_let_the_largest_allowed_documents_through(api: Api) -> None:
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES)) + " }"
    assert "errors" not in api(aliases)
    assert "errors" not in api(chain(MAX_DEPTH))
    assert api.error_codes(chain(MAX_DEPTH + 1)) == ["QUERY_TOO_DEEP"]
    # 100 customers, each with 100 alerts and 100 history points: 20,100 objects at most.
    wide = "{ customers(first: 100) { nodes { alerts(first: 100) { id } scoreHistory(last: 100) { asOf } } } }"
    assert 100 + 2 * 100 * 100 <= MAX_NODES
    assert "errors" not in api(wide)


def test_a_fragment_bomb_is_measured_in_linear_time(api: Api) -> None:
    n = 40  # 2**40 spreads if fragments were expanded naively
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    document = "query { ...F0 } " + fragments + f" fragment F{n} on Query {{ viewer {{ role }} }}"
    started = time.perf_counter()
    assert api.data(document) == {"viewer": {"role": "viewer"}}
    assert time.perf_counter() - started < 2


def test_introspection_works_in_development(engine: Engine, keys: dict[str, str]) -> None:
    with TestClient(create_app(engine, debug=True, settings=TEST_SETTINGS)) as client:
        data = Api(client, keys["viewer"]).data('{ __type(name: "ErrorCode") { enumValues { name } } }')
    names = {v["name"] for v in data["__type"]["enumValues"]}
    assert names == {c.value for c in ErrorCode}


def test_a_request_without_a_valid_key_is_unauthenticated(
    api: Api, shared_engine: Engine, subtests: pytest.Subtests
) -> None:
    _, revoked = create_key(shared_engine, name="old", role="admin")
    revoke_key(shared_engine, revoked.split("_")[1])
    cases = {
        "no header": {},
        "not bearer": {"authorization": f"Basic {api.key}"},
        "malformed": {"authorization": "Bearer crms_nope"},
        "unknown": {"authorization": "Bearer crms_0123456789_" + "A" * 43},
        "revoked": {"authorization": f"Bearer {revoked}"},
        "a viewer key with one character changed": {"authorization": f"Bearer {api.key[:-1]}{'B' if api.key[-1] != 'B' else 'C'}"},
    }
    for case, headers in cases.items():
        with subtests.test(case):
            response = api.client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


ADMIN_MUTATIONS = [
    "mutation { runScoring { __typename ... on MutationError { code message } } }",
    'mutation { acknowledgeAlert(input: {id: "x"}) { __typename ... on MutationError { code message } } }',
    'mutation { resolveAlert(input: {id: "x"}) { __typename ... on MutationError { code message } } }',
    'mutation { validateConfig(input: {yaml: "x"}) { __typename ... on MutationError { code message } } }',
    'mutation { saveConfig(input: {yaml: "x"}) { __typename ... on MutationError { code message } } }',
    "mutation { activateConfig(input: {versionId: 1}) { __typename ... on MutationError { code message } } }",
    "mutation { rollbackConfig(input: {}) { __typename ... on MutationError { code message } } }",
    'mutation { previewConfig(input: {yaml: "x"}) { __typename ... on MutationError { code message } } }',
]


def test_every_mutation_is_forbidden_to_a_viewer_key(api: Api, subtests: pytest.Subtests) -> None:
    for document in ADMIN_MUTATIONS:
        with subtests.test(document.split("(")[0].split("{")[1].strip()):
            (payload,) = api.data(document).values()
            assert payload["__typename"] == "Forbidden"
            assert payload["code"] == "FORBIDDEN"
            assert "admin key" in payload["message"]


def test_a_source_limited_admin_may_not_run_what_touches_every_source(api: Api) -> None:
    limited = api.as_key(api.keys["odoo admin"])
    payload = limited.data(ADMIN_MUTATIONS[0])["runScoring"]
    assert payload["code"] == "FORBIDDEN"
    assert "limited to odoo" in payload["message"]
    assert limited.data(ADMIN_MUTATIONS[6])["rollbackConfig"]["code"] == "FORBIDDEN"


def test_admin_only_queries_are_forbidden_to_a_viewer(api: Api) -> None:
    body = api("{ activeConfig { id } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert api.admin.data("{ activeConfig { id } }") == {"activeConfig": None}


def test_a_socket_without_a_valid_key_is_closed(api: Api, subtests: pytest.Subtests) -> None:
    for case, payload in {"no payload": None, "no key": {}, "bad key": {"authorization": "Bearer crms_x"}}.items():
        with (
            subtests.test(case),
            pytest.raises(WebSocketDisconnect) as closed,
            api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
        ):
            ws.send_json({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
            ws.receive_json()
        assert closed.value.code == 4403


def test_a_socket_from_a_foreign_origin_is_refused(api: Api) -> None:
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(
        "/graphql", subprotocols=["graphql-transport-ws"], headers={"origin": "https://evil.example"}
    ) as ws:
        ws.receive_json()


def test_subscriptions_per_socket_are_capped(api: Api) -> None:
    cap = TEST_SETTINGS.max_subscriptions_per_connection
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {api.key}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        for i in range(cap + 1):
            ws.send_json({"id": str(i), "type": "subscribe", "payload": {"query": "subscription { alertRaised { id } }"}})
        refused = ws.receive_json()
    assert refused["id"] == str(cap) and refused["type"] == "error"
    assert refused["payload"][0]["message"] == "Subscription limit reached"
