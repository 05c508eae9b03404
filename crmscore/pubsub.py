"""The wire format of subscription events, shared by every process that publishes them.

The API's event bus (``graphql_api.events``) relays what arrives on Redis to its subscribers, but
alerts are also raised by ``crmscore score`` running in another process (a cron job, a shell),
which must not start an API to be heard. Both sides therefore take the channel names, the Redis
channel prefix and the JSON encoding from here, so a CLI run and an API process cannot drift
apart on either.

:func:`alerts_to_redis` is the CLI's side: while it is open, every alert the scoring pipeline
publishes on the in-process :data:`~crmscore.alerts.alert_bus` is also published on Redis, where
each API process's relay picks it up for its ``alertRaised`` subscribers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from crmscore.alerts.events import AlertBus, AlertEvent, alert_bus

__all__ = [
    "ALERTS",
    "JOBS",
    "REDIS_PREFIX",
    "alert_payload",
    "alerts_to_redis",
    "decode",
    "encode",
    "redis_channel",
]

log = logging.getLogger(__name__)

ALERTS = "alerts"
JOBS = "jobs"
REDIS_PREFIX = "crmscore:"

Payload = dict[str, Any]


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(payload: Payload) -> str:
    """JSON with datetimes as ISO 8601: what goes on Redis, and what in-process listeners get back."""
    return json.dumps(payload, default=_default)


def decode(data: str | bytes) -> Payload:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError(f"an event must be a JSON object, not {type(value).__name__}")  # noqa: TRY004  bad data
    return value


def redis_channel(channel: str) -> str:
    """The Redis channel of one of ours (``alerts`` -> ``crmscore:alerts``)."""
    return REDIS_PREFIX + channel


def alert_payload(event: AlertEvent) -> Payload:
    """An alert event as the ``alerts`` channel carries it."""
    return asdict(event)


@contextmanager
def alerts_to_redis(redis_url: str | None, *, bus: AlertBus = alert_bus) -> Iterator[None]:
    """While open, publish every alert event of ``bus`` on Redis (nothing when ``redis_url`` is None).

    A Redis that is down costs a logged warning per alert, never the scoring run: the alerts are
    stored either way, and the API lists them.
    """
    if not redis_url:
        yield
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    channel = redis_channel(ALERTS)

    def publish(event: AlertEvent) -> None:
        try:
            client.publish(channel, encode(alert_payload(event)))
        except redis.RedisError as exc:
            log.warning("could not publish alert %s to Redis: %s", event.alert_id, exc)

    unsubscribe = bus.subscribe(publish)
    try:
        yield
    finally:
        unsubscribe()
        client.close()
