"""What raised alerts do: publish an event, POST a signed webhook, record a task for the host CRM.

Task intents are written inside the scoring run's transaction (they are records, like the alerts).
Events and webhooks are side effects on the outside world, so they run only after the run has
committed, and a failure is reported, never raised: an unreachable receiver must not undo scores.

Webhooks: one POST per rule per run, body ``{"rule", "severity", "run_id", "alerts": [...]}`` as
UTF-8 JSON. Headers ``X-Crmscore-Timestamp`` (Unix seconds) and ``X-Crmscore-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with the secret read from the
environment variable the action names — receivers recompute it and reject stale timestamps.

Task intents: one ``activities`` row per alert and ``crm_task`` action, with ``source = 'crmscore'``
(so it never joins the customer's own source and never feeds scoring), ``kind = 'task'``,
``occurred_at`` = the due time, and ``attributes = {"intent": "create_task", "status": "pending",
"subject", "assignee", "alert_id", "rule", "customer_source"}``. A connector pushes pending intents
to the CRM and marks them done; until connectors exist they are visible in the store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, insert, select

from crmscore.alerts.events import AlertBus, AlertEvent, alert_bus
from crmscore.alerts.store_io import AlertRecord
from scoring.alerts import AlertRule, render_message
from scoring.engine import ScoreResult
from store import tables as t

__all__ = [
    "INTENT_SOURCE",
    "ActionReport",
    "post_webhook",
    "record_task_intents",
    "run_actions",
    "signature",
]

INTENT_SOURCE = "crmscore"
SIGNATURE_HEADER = "X-Crmscore-Signature"
TIMESTAMP_HEADER = "X-Crmscore-Timestamp"
_IN_CHUNK = 500


@dataclass(frozen=True)
class ActionReport:
    rule: str
    type: str
    ok: bool
    detail: str


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``timestamp + "." + body``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_webhook(url: str, payload: Mapping[str, object], secret: bytes, timeout: float) -> int:
    """POST ``payload`` as signed JSON; returns the HTTP status (raises on network errors)."""
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "crmscore-alerts/1",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(secret, stamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _payload(record: AlertRecord) -> dict[str, object]:
    return {
        "id": record.alert_id,
        "customer_id": record.customer_id,
        "severity": record.severity,
        "message": record.message,
        "raised_at": record.raised_at.isoformat(),
    }


def _by_rule(records: Sequence[AlertRecord]) -> dict[str, list[AlertRecord]]:
    out: dict[str, list[AlertRecord]] = {}
    for r in records:
        out.setdefault(r.rule, []).append(r)
    return out


def record_task_intents(conn: Connection, result: ScoreResult, records: Sequence[AlertRecord]) -> int:
    """Write one pending task intent per alert and ``crm_task`` action; returns how many."""
    rules = {r.key: r for r in result.config.alerts}
    ids = result.scores["customer_id"].to_numpy(dtype=np.int64)
    rows = []
    grouped = _by_rule(records)
    wanted = sorted({r.customer_id for r in records})
    c = t.customers.c
    who = {}
    for start in range(0, len(wanted), _IN_CHUNK):  # chunks stay under SQLite's parameter limit
        chunk = wanted[start : start + _IN_CHUNK]
        who.update({row.id: row for row in conn.execute(select(c.id, c.source, c.external_id, c.owner).where(c.id.in_(chunk)))})
    now = datetime.now(UTC)
    for key, mine in grouped.items():
        rule = rules[key]
        tasks = [a for a in rule.actions if a.type == "crm_task"]
        if not tasks:
            continue
        fired = np.isin(ids, [r.customer_id for r in mine])
        for n, action in enumerate(tasks):
            subjects = dict(zip(ids[fired].tolist(), render_message(str(action.params["subject"]), rule, result.fields, fired, ids), strict=True))
            for record in mine:
                customer = who[record.customer_id]
                rows.append(
                    {
                        "source": INTENT_SOURCE,
                        "external_id": f"alert-{record.alert_id}-task-{n}",
                        "customer_external_id": customer.external_id,
                        "kind": "task",
                        "direction": "outbound",
                        "occurred_at": record.raised_at + timedelta(days=float(action.params.get("due_days", 1))),
                        "attributes": {
                            "intent": "create_task",
                            "status": "pending",
                            "subject": subjects[record.customer_id],
                            "assignee": action.params.get("assignee") or customer.owner,
                            "alert_id": record.alert_id,
                            "rule": rule.key,
                            "customer_source": customer.source,
                        },
                        "loaded_at": now,
                    }
                )
    if rows:
        conn.execute(insert(t.activities), rows)
    return len(rows)


def run_actions(
    rules: Sequence[AlertRule],
    records: Sequence[AlertRecord],
    *,
    bus: AlertBus = alert_bus,
    environ: Mapping[str, str] | None = None,
) -> list[ActionReport]:
    """Publish events and send webhooks for stored alerts (after the run committed)."""
    env = os.environ if environ is None else environ
    reports: list[ActionReport] = []
    grouped = _by_rule(records)
    for rule in rules:
        mine = grouped.get(rule.key)
        if not mine:
            continue
        for action in rule.actions:
            if action.type == "event":
                for r in mine:
                    bus.publish(AlertEvent(r.alert_id, r.run_id, r.customer_id, r.rule, r.severity, r.message, r.raised_at))
                reports.append(ActionReport(rule.key, "event", True, f"published {len(mine)} event(s)"))
            elif action.type == "webhook":
                reports.append(_webhook(rule, action.params, mine, env))
    return reports


def _webhook(rule: AlertRule, params: Mapping[str, object], records: list[AlertRecord], env: Mapping[str, str]) -> ActionReport:
    url, var = str(params["url"]), str(params["secret_env"])
    secret = env.get(var)
    if not secret:
        return ActionReport(rule.key, "webhook", False, f"not sent to {url}: environment variable {var} is not set")
    payload = {
        "rule": rule.key,
        "severity": rule.severity,
        "run_id": records[0].run_id,
        "alerts": [_payload(r) for r in records],
    }
    try:
        status = post_webhook(url, payload, secret.encode(), float(params.get("timeout_seconds", 5)))  # type: ignore[arg-type]
    except (OSError, ValueError) as exc:
        return ActionReport(rule.key, "webhook", False, f"POST {url} failed: {exc}")
    ok = 200 <= status < 300
    return ActionReport(rule.key, "webhook", ok, f"POST {url}: HTTP {status}, {len(records)} alert(s)")
