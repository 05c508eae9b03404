"""Subscriptions over a real WebSocket against uvicorn: job progress, and alerts fanned out via Redis."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
import uvicorn
from sqlalchemy import Engine
from websockets.sync.client import ClientConnection, connect

from crmscore.alerts import AlertEvent, alert_bus
from graphql_api import ApiSettings, create_app
from graphql_api.events import ALERTS
from tests.graphql_api.test_mutation import seed_activity

REDIS_URL = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(engine: Engine, settings: ApiSettings) -> Iterator[tuple[str, Any]]:
    """A uvicorn server on loopback; yields (its ws:// URL, the app)."""
    app = create_app(engine, settings=settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def socket_for(host: str, key: str) -> Iterator[ClientConnection]:
    with connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"], open_timeout=5) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "connection_ack"}
        yield ws


def subscribe(ws: ClientConnection, op: str, query: str, variables: dict[str, Any] | None = None) -> None:
    ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))


def messages(ws: ClientConnection, timeout: float = 30) -> Iterator[dict[str, Any]]:
    """The socket's messages, leaving out the probes :func:`until_subscribed` sent."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no message in time"
        text = ws.recv(timeout=remaining)
        if PROBE not in str(text):
            yield json.loads(text)


PROBE = "subscription probe"


def until_subscribed(sockets: list[ClientConnection], publish: Callable[[str], None], timeout: float = 15) -> None:
    """Publish probe alerts until each socket has received one, so its subscription is live.

    The server registers a subscription some time after reading the message; a fixed sleep races it
    on a loaded machine and loses the events published meanwhile. ``publish(message)`` sends one
    alert event with that message, which every socket's subscription must let through.
    """
    probe = f"{PROBE} {uuid.uuid4().hex}"
    waiting = list(sockets)
    deadline = time.monotonic() + timeout
    while waiting:
        assert time.monotonic() < deadline, "the subscriptions never went live"
        publish(probe)
        pending = []
        for ws in waiting:
            try:
                text = str(ws.recv(timeout=0.2))
            except TimeoutError:
                pending.append(ws)
                continue
            assert PROBE in text, text  # nothing but probes can arrive before the test publishes
        waiting = pending


def probe_event(customer_id: int) -> Callable[[str], AlertEvent]:
    return lambda message: AlertEvent(0, None, customer_id, "probe", "critical", message, datetime(2025, 3, 1, tzinfo=UTC))


JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { id status progress message } }"


def test_job_progress_streams_until_the_job_has_finished(engine: Engine, seed: Any, keys: dict[str, str]) -> None:
    seed_activity(seed)
    with serve(engine, ApiSettings()) as (host, _app):
        with httpx2.Client(base_url=f"http://{host}", timeout=10) as http:
            started = http.post(
                "/graphql",
                json={"query": "mutation { runScoring { ... on RunScoringSuccess { job { id } } } }"},
                headers={"authorization": f"Bearer {keys['admin']}"},
            ).json()
        job_id = started["data"]["runScoring"]["job"]["id"]
        with socket_for(host, keys["viewer"]) as ws:
            subscribe(ws, "p", JOB_PROGRESS, {"id": job_id})
            updates = []
            for message in messages(ws):
                if message["type"] == "complete":
                    break
                assert message["type"] == "next", message
                updates.append(message["payload"]["data"]["jobProgress"])
    assert all(u["id"] == job_id for u in updates)
    assert updates[-1]["status"] == "SUCCEEDED" and updates[-1]["progress"] == 1.0
    progress = [u["progress"] for u in updates]
    assert progress == sorted(progress)


ALERT_RAISED = "subscription($min: Severity!) { alertRaised(minSeverity: $min) { id rule severity message status } }"


def event(alert_id: int, severity: str, customer_id: int = 1) -> AlertEvent:
    return AlertEvent(alert_id, None, customer_id, "drop", severity, f"alert {alert_id}", datetime(2025, 3, 1, tzinfo=UTC))


def test_alerts_reach_subscribers_in_process_filtered_by_severity(engine: Engine, keys: dict[str, str]) -> None:
    with serve(engine, ApiSettings()) as (host, _app), socket_for(host, keys["viewer"]) as ws:
        subscribe(ws, "a", ALERT_RAISED, {"min": "HIGH"})
        until_subscribed([ws], lambda message: alert_bus.publish(probe_event(1)(message)))
        for alert_id, severity in ((1, "low"), (2, "critical"), (3, "medium"), (4, "high")):
            alert_bus.publish(event(alert_id, severity))
        got = [next(messages(ws, 10))["payload"]["data"]["alertRaised"] for _ in range(2)]
    assert [(a["rule"], a["severity"], a["message"], a["status"]) for a in got] == [
        ("drop", "CRITICAL", "alert 2", "OPEN"),
        ("drop", "HIGH", "alert 4", "OPEN"),
    ]


def test_alerts_fan_out_across_api_processes_through_redis(engine: Engine, keys: dict[str, str], seed: Any) -> None:
    redis = pytest.importorskip("redis")
    redis.Redis.from_url(REDIS_URL).ping()  # Redis runs on these machines; fail loudly if it does not
    pks = seed.customers([{"source": "odoo", "external_id": "o1", "name": "Odoo one"}, {"source": "files", "external_id": "f1", "name": "File one"}])
    settings = ApiSettings(redis_url=REDIS_URL)
    with (
        serve(engine, settings) as (_host_a, app_a),
        serve(engine, settings) as (host_b, _app_b),
        socket_for(host_b, keys["viewer"]) as everyone,
        socket_for(host_b, keys["odoo viewer"]) as odoo,
    ):
        subscribe(everyone, "e", ALERT_RAISED, {"min": "INFO"})
        subscribe(odoo, "o", ALERT_RAISED, {"min": "INFO"})
        marker = uuid.uuid4().int % 10**9
        bus_a = app_a.state.api.bus  # published in process A, delivered by process B
        probe = probe_event(pks["odoo/o1"])  # an odoo customer: both sockets may see it
        until_subscribed([everyone, odoo], lambda message: bus_a.publish(ALERTS, {**probe(message).__dict__}))
        bus_a.publish(ALERTS, {**event(marker, "medium", pks["files/f1"]).__dict__})
        bus_a.publish(ALERTS, {**event(marker + 1, "high", pks["odoo/o1"]).__dict__})
        seen_all = [next(messages(everyone, 10))["payload"]["data"]["alertRaised"]["message"] for _ in range(2)]
        seen_odoo = next(messages(odoo, 10))["payload"]["data"]["alertRaised"]["message"]
    assert seen_all == [f"alert {marker}", f"alert {marker + 1}"]
    assert seen_odoo == f"alert {marker + 1}"
