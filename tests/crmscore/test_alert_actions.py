"""Alert actions: the in-process event bus and webhook signing and failure reporting."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
from datetime import UTC, datetime

from crmscore.alerts import AlertBus, AlertEvent, AlertRecord, run_actions, signature
from scoring.alerts import parse_alert_rule

EVENT = AlertEvent(1, 2, 3, "low", "high", "m", datetime(2025, 1, 1, tzinfo=UTC))


def test_subscribers_get_events_until_they_unsubscribe_and_a_failing_one_is_isolated():
    bus = AlertBus()
    got: list[AlertEvent] = []

    def broken(_: AlertEvent) -> None:
        raise RuntimeError("listener bug")

    bus.subscribe(broken)
    stop = bus.subscribe(got.append)
    assert bus.publish(EVENT) == 1 and got == [EVENT]
    stop()
    assert bus.publish(EVENT) == 0 and got == [EVENT]


def test_stream_hands_events_from_another_thread_to_an_async_consumer():
    bus = AlertBus()

    async def consume() -> AlertEvent:
        stream = bus.stream()
        task = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0)  # let the stream subscribe
        await asyncio.to_thread(bus.publish, EVENT)
        event = await asyncio.wait_for(task, timeout=2)
        await stream.aclose()
        return event

    assert asyncio.run(consume()) == EVENT
    assert bus.publish(EVENT) == 0  # closing the stream unsubscribed it


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"k", b"123.{}", hashlib.sha256).hexdigest()
    assert signature(b"k", "123", b"{}") == f"sha256={expected}"


def test_an_unreachable_webhook_is_reported_not_raised():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rule = parse_alert_rule(
        {
            "key": "low",
            "when": {"field": "health_score", "op": "<", "value": 40},
            "actions": [{"type": "webhook", "url": f"http://127.0.0.1:{port}/x", "secret_env": "K", "timeout_seconds": 1}],
        }
    )
    record = AlertRecord(1, 2, 3, "low", "high", "m", datetime(2025, 1, 1, tzinfo=UTC))
    (report,) = run_actions([rule], [record], bus=AlertBus(), environ={"K": "secret"})
    assert not report.ok and report.detail.startswith(f"POST http://127.0.0.1:{port}/x failed: ")
