"""Alerts raised outside the API go out on the API's Redis channel, in the API's encoding (real Redis)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from crmscore.alerts import AlertBus, AlertEvent
from crmscore.pubsub import ALERTS, alerts_to_redis, decode, encode, redis_channel

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def listener() -> Iterator[Any]:
    """A raw Redis subscriber on the alerts channel (Redis runs on these machines; fail if it does not)."""
    client = redis.Redis.from_url(REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(redis_channel(ALERTS))
    try:
        yield pubsub
    finally:
        pubsub.close()
        client.close()


def received(pubsub: Any, marker: str, timeout: float = 5) -> list[dict[str, Any]]:
    """The decoded alerts whose message carries ``marker`` (other runs may share this Redis)."""
    found = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            payload = decode(message["data"])
            if marker in payload["message"]:
                found.append(payload)
    return found


def event(marker: str, alert_id: int = 7) -> AlertEvent:
    return AlertEvent(alert_id, 3, 11, "stale", "high", f"Beta {marker}", datetime(2025, 3, 1, 12, tzinfo=UTC))


def test_while_open_every_alert_of_the_bus_is_published_on_the_alerts_channel(listener: Any) -> None:
    bus = AlertBus()
    marker = uuid.uuid4().hex
    with alerts_to_redis(REDIS_URL, bus=bus):
        bus.publish(event(marker))
    bus.publish(event(marker, alert_id=8))  # closed: no longer forwarded
    assert received(listener, marker, timeout=1.5) == [
        {"alert_id": 7, "run_id": 3, "customer_id": 11, "rule": "stale", "severity": "high",
         "message": f"Beta {marker}", "raised_at": "2025-03-01T12:00:00+00:00"},
    ]


def test_without_a_redis_url_nothing_is_subscribed() -> None:
    bus = AlertBus()
    with alerts_to_redis(None, bus=bus):
        assert bus.publish(event("x")) == 0


def test_an_unreachable_redis_never_fails_the_publisher(caplog: pytest.LogCaptureFixture) -> None:
    bus = AlertBus()
    with alerts_to_redis("redis://127.0.0.1:9/0", bus=bus):
        assert bus.publish(event("x")) == 1  # taken, and the failure logged rather than raised
    assert "could not publish alert 7 to Redis" in caplog.text


def test_the_encoding_keeps_timestamps_as_iso_8601_and_refuses_non_objects() -> None:
    assert decode(encode({"at": datetime(2025, 1, 2, tzinfo=UTC)})) == {"at": "2025-01-02T00:00:00+00:00"}
    with pytest.raises(ValueError, match="must be a JSON object, not list"):
        decode("[1]")
