"""The ASGI app: routes, GraphiQL only in debug, GET and legacy WebSocket protocols refused,
health check, and a real uvicorn server answering over HTTP."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from graphql_api import ApiSettings, create_app
from tests.graphql_api.conftest import TEST_SETTINGS


@pytest.mark.parametrize("debug", [True, False])
def test_graphiql_is_served_only_in_debug(engine: Engine, debug: bool) -> None:
    with TestClient(create_app(engine, debug=debug)) as client:
        response = client.get("/graphql", headers={"accept": "text/html"})
    if debug:
        assert response.status_code == 200
        assert "graphiql" in response.text.lower()
    else:
        assert response.status_code == 404
        assert "graphiql" not in response.text.lower()


def test_queries_over_get_are_refused(api: Any) -> None:
    response = api.client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 400
    assert "GET" in response.text


def test_healthz_answers_ok_after_a_database_round_trip(api: Any) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'store.db'}")
    with TestClient(create_app(unreachable)) as client:
        response = client.get("/healthz")
    unreachable.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_websockets_speak_only_graphql_transport_ws(api: Any) -> None:
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {api.key}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        api.client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 4406


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_url(engine: Engine) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(engine, settings=TEST_SETTINGS), host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_a_real_uvicorn_server_answers_graphql_and_health_over_http(
    server_url: str, seed: Any, keys: dict[str, str]
) -> None:
    seed.customers([{"external_id": "u1", "name": "Over the wire"}])
    with httpx2.Client(base_url=server_url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        anonymous = client.post("/graphql", json={"query": "{ customers { totalCount } }"})
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
        response = client.post(
            "/graphql",
            json={"query": "{ customers { totalCount nodes { name } } }"},
            headers={"Authorization": f"Bearer {keys['viewer']}"},
        )
    assert response.status_code == 200
    assert response.json() == {"data": {"customers": {"totalCount": 1, "nodes": [{"name": "Over the wire"}]}}}


def test_anonymous_access_is_only_for_development_servers(engine: Engine, seed: Any) -> None:
    with pytest.raises(ValueError, match="development only"):
        create_app(engine, require_auth=False)
    seed.customers([{"external_id": "a", "name": "Anon"}])
    with TestClient(create_app(engine, debug=True, require_auth=False, settings=TEST_SETTINGS)) as client:
        body = client.post("/graphql", json={"query": "{ viewer { role } customers { totalCount } }"}).json()
        assert body == {"data": {"viewer": {"role": "viewer"}, "customers": {"totalCount": 1}}}
        wrong = client.post("/graphql", json={"query": "{ viewer { role } }"}, headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        mutation = client.post("/graphql", json={"query": "mutation { runScoring { ... on MutationError { code } } }"})
        assert mutation.json() == {"data": {"runScoring": {"code": "FORBIDDEN"}}}


def test_cors_answers_only_the_configured_origins(engine: Engine) -> None:
    settings = ApiSettings(cors_origins=("https://dash.example.com",))
    with TestClient(create_app(engine, settings=settings)) as client:
        preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
        allowed = client.options("/graphql", headers={"origin": "https://dash.example.com", **preflight})
        refused = client.options("/graphql", headers={"origin": "https://evil.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example.com"
    assert "access-control-allow-origin" not in refused.headers


def test_metrics_need_a_key_and_count_requests_jobs_and_lag(fresh_api: Any, engine: Engine) -> None:
    from datetime import datetime, timedelta

    from sqlalchemy import insert

    from store.tables import sync_runs

    finished = datetime.now(UTC) - timedelta(minutes=5)
    with engine.begin() as conn:
        conn.execute(
            insert(sync_runs),
            [
                {"source": source, "status": "succeeded", "started_at": finished, "finished_at": finished, "counts": {}, "errors": []}
                for source in ("odoo", "odoo:writeback")  # a write-back is recorded as a run, but it is not a sync
            ],
        )
    fresh_api.data("{ viewer { name } }")
    assert fresh_api.client.get("/metrics").status_code == 401
    text = fresh_api.client.get("/metrics", headers={"authorization": f"Bearer {fresh_api.key}"}).text
    assert 'crmscore_http_requests_total{method="POST",path="/graphql",status="200"} 1.0' in text
    assert "crmscore_http_request_seconds_bucket" in text
    lag = next(line for line in text.splitlines() if line.startswith('crmscore_sync_lag_seconds{source="odoo"}'))
    assert 290 < float(lag.split()[-1]) < 400
    assert [line for line in text.splitlines() if line.startswith("crmscore_sync_lag_seconds{")] == [lag]


def test_a_production_server_freezes_its_start_up_objects_once_started(engine: Engine) -> None:
    """Full garbage collections then skip what start-up built; embedded apps (tests) leave gc alone."""
    assert ApiSettings.from_env({}).freeze_startup_objects
    assert not ApiSettings.from_env({"CRMSCORE_GC_FREEZE": "0"}).freeze_startup_objects
    assert not ApiSettings().freeze_startup_objects
    gc.unfreeze()
    try:
        with TestClient(create_app(engine, settings=ApiSettings())):
            assert gc.get_freeze_count() == 0
        with TestClient(create_app(engine, settings=ApiSettings(freeze_startup_objects=True))):
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
