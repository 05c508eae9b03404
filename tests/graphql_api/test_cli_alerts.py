"""An alert raised by ``crmscore score`` in another process reaches the API's alertRaised subscribers.

The scoring run is a real subprocess sharing nothing with the server but the store and Redis
(127.0.0.1:6379), so the only way its alert can arrive is the Redis channel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from graphql_api import ApiSettings
from graphql_api.events import ALERTS
from graphql_api.ids import encode_id
from store import tables as t
from store.upsert import upsert
from tests.graphql_api.test_subscription import (
    REDIS_URL,
    probe_event,
    serve,
    socket_for,
    subscribe,
    until_subscribed,
)

REPO = Path(__file__).resolve().parents[2]
AS_OF = datetime(2025, 3, 1, tzinfo=UTC)

CONFIG = """\
version: 1
name: Alerting
indicators:
  - key: recency
    kind: recency
    direction: lower_is_better
    normalise: {method: minmax, min: 0, max: 100}
    weight: 1
alerts:
  - key: stale
    severity: high
    when: {field: recency, op: ">", value: 30}
    message: "{customer_name}: {recency} days"
    actions:
      - {type: event}
"""


def test_an_alert_from_a_cli_scoring_run_reaches_a_subscriber_through_redis(
    engine: Engine, keys: dict[str, str], tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex[:12]  # other runs may share this Redis: recognise our own alert
    with engine.begin() as conn:
        upsert(conn, t.customers, [
            {"source": "crm", "external_id": "A", "name": f"Alpha {marker}"},
            {"source": "crm", "external_id": "B", "name": f"Beta {marker}"},
        ])  # fmt: skip
        upsert(conn, t.orders, [
            {"source": "crm", "external_id": "o1", "customer_external_id": "A", "ordered_at": AS_OF - timedelta(days=5), "amount": 10.0},
            {"source": "crm", "external_id": "o2", "customer_external_id": "B", "ordered_at": AS_OF - timedelta(days=50), "amount": 10.0},
        ])  # fmt: skip
    config = tmp_path / "alerting.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "CRMSCORE_REDIS_URL": REDIS_URL, "PYTHONPATH": str(REPO)}
    query = "subscription { alertRaised(minSeverity: HIGH) { id rule severity message status customer { name } } }"
    with serve(engine, ApiSettings(redis_url=REDIS_URL)) as (host, _app), socket_for(host, keys["viewer"]) as ws:
        subscribe(ws, "a", query)
        with engine.connect() as conn:  # a probe about a real customer, since the query reads its name
            alpha = conn.execute(select(t.customers.c.id).where(t.customers.c.external_id == "A")).scalar_one()
        probe = probe_event(alpha)
        until_subscribed([ws], lambda message: _app.state.api.bus.publish(ALERTS, {**probe(message).__dict__}))
        scored = subprocess.run(
            [sys.executable, "-m", "crmscore", "--database-url", url, "score", "--config", str(config), "--as-of", "2025-03-01"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        assert scored.returncode == 0, scored.stderr
        deadline = time.monotonic() + 15
        got = None
        while got is None:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            assert message["type"] == "next", message
            alert = message["payload"]["data"]["alertRaised"]
            if marker in alert["message"]:
                got = alert
    with engine.connect() as conn:
        stored = conn.execute(select(t.alerts.c.id, t.alerts.c.message)).all()
    assert [row.message for row in stored] == [f"Beta {marker}: 50 days"]
    assert got == {
        "id": encode_id("Alert", stored[0].id), "rule": "stale", "severity": "HIGH", "message": f"Beta {marker}: 50 days",
        "status": "OPEN", "customer": {"name": f"Beta {marker}"},
    }
