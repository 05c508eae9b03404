"""Alert rules in scoring runs: stored once, held back by the cooldown, trends from earlier runs,
and their actions — an event, a signed webhook to a real local server, a recorded CRM task."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import Engine, select

from crmscore.alerts import INTENT_SOURCE, alert_bus, signature
from crmscore.config.service import save_config
from crmscore.pipeline import run_scoring
from store import tables as t
from store.upsert import upsert

AS_OF = datetime(2025, 3, 1, tzinfo=UTC)


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def _config(url: str) -> str:
    return f"""\
version: 1
name: Alerting
indicators:
  - key: recency
    kind: recency
    direction: lower_is_better
    normalise: {{method: minmax, min: 0, max: 100}}
    weight: 1
alerts:
  - key: stale
    severity: high
    when: {{field: recency, op: ">", value: 30}}
    message: "{{customer_name}}: {{recency}} days"
    cooldown_days: 10
    actions:
      - {{type: event}}
      - {{type: webhook, url: "{url}", secret_env: TEST_HOOK_SECRET, timeout_seconds: 5}}
      - {{type: crm_task, subject: "Call {{customer_name}}", due_days: 2}}
  - key: drop
    when: {{trend: health_score, dropped_by: 10, days: 15}}
    cooldown_days: 0
"""


@pytest.fixture
def store(engine: Engine) -> Engine:
    """Alpha last bought 5 days before AS_OF (health 95), Beta 50 days before (health 50)."""
    with engine.begin() as conn:
        upsert(conn, t.customers, [
            {"source": "crm", "external_id": "A", "name": "Alpha", "owner": "ann", "created_at": AS_OF - timedelta(days=900)},
            {"source": "crm", "external_id": "B", "name": "Beta", "owner": "bob", "created_at": AS_OF - timedelta(days=900)},
        ])  # fmt: skip
        upsert(conn, t.orders, [
            {"source": "crm", "external_id": "o1", "customer_external_id": "A", "ordered_at": AS_OF - timedelta(days=5), "amount": 10.0},
            {"source": "crm", "external_id": "o2", "customer_external_id": "B", "ordered_at": AS_OF - timedelta(days=50), "amount": 10.0},
        ])  # fmt: skip
    return engine


def _alerts(engine: Engine) -> list[tuple[str, str, datetime, str]]:
    a, c = t.alerts.c, t.customers.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.name, a.rule, a.raised_at, a.message).join(t.customers, c.id == a.customer_id).order_by(a.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_alerts_are_stored_once_respect_the_cooldown_and_follow_trends(store, receiver, monkeypatch):
    url, received = receiver
    monkeypatch.setenv("TEST_HOOK_SECRET", "s3cret")
    events = []
    unsubscribe = alert_bus.subscribe(events.append)
    try:
        save_config(store, _config(url), activate_now=True)
        first = run_scoring(store, as_of=AS_OF)
        assert _alerts(store) == [("Beta", "stale", AS_OF, "Beta: 50 days")]

        # the event went out, after the run, with the stored alert's id
        (event,) = events
        assert (event.rule, event.run_id, event.severity) == ("stale", first.id, "high")

        # one signed webhook POST for the rule, verifiable with the shared secret
        (headers, body), = received
        stamp = headers["X-Crmscore-Timestamp"]
        assert headers["X-Crmscore-Signature"] == signature(b"s3cret", stamp, body)
        payload = json.loads(body)
        assert payload["rule"] == "stale" and [x["message"] for x in payload["alerts"]] == ["Beta: 50 days"]
        assert payload["alerts"][0]["id"] == event.alert_id

        # the CRM task is a pending intent that never joins the customer's own source
        act = t.activities.c
        with store.connect() as conn:
            (task,) = conn.execute(select(act.source, act.kind, act.occurred_at, act.attributes, act.customer_external_id)).all()
        assert (task.source, task.kind, task.customer_external_id) == (INTENT_SOURCE, "task", "B")
        assert task.occurred_at == AS_OF + timedelta(days=2)
        assert task.attributes["subject"] == "Call Beta" and task.attributes["status"] == "pending"
        assert task.attributes["assignee"] == "bob" and task.attributes["alert_id"] == event.alert_id

        run_scoring(store, as_of=AS_OF)  # the same run again: nothing new
        run_scoring(store, as_of=AS_OF + timedelta(days=5))  # inside the cooldown; drops of 5 only
        assert len(_alerts(store)) == 1 and len(received) == 1

        # 12 days on: the cooldown is over, and both health scores fell by 12 within 15 days
        run_scoring(store, as_of=AS_OF + timedelta(days=12))
        later = AS_OF + timedelta(days=12)
        assert _alerts(store)[1:] == [
            ("Beta", "stale", later, "Beta: 62 days"),
            ("Alpha", "drop", later, "drop: Alpha, health score 83, band Champion"),
            ("Beta", "drop", later, "drop: Beta, health score 38, band At risk"),
        ]
    finally:
        unsubscribe()


def test_a_webhook_without_its_secret_is_reported_not_sent_and_the_run_still_succeeds(store, receiver, monkeypatch):
    url, received = receiver
    monkeypatch.delenv("TEST_HOOK_SECRET", raising=False)
    save_config(store, _config(url), activate_now=True)
    said: list[str] = []
    run = run_scoring(store, as_of=AS_OF, progress=said.append)
    assert run.status == "succeeded" and received == []
    assert "failed: stale webhook: not sent to " + url + ": environment variable TEST_HOOK_SECRET is not set" in said
    assert len(_alerts(store)) == 1
