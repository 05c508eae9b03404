"""Events for subscriptions: in-process fan-out, or Redis pub/sub across API processes.

Publishers (job threads, the scoring pipeline's alert bus) call :meth:`publish` from any thread.
Subscribers ``async with bus.listen(channel) as events`` *before* reading the current state from the
store, so nothing published in between is lost. With Redis every process publishes to Redis only
and each process relays what Redis delivers to its own listeners, so a job running in process A
reaches a browser connected to process B; without Redis the relay is a direct call.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

# Channel names and encoding live outside the API: ``crmscore score`` publishes alerts in them too.
from crmscore.pubsub import ALERTS, JOBS, REDIS_PREFIX, decode, encode, redis_channel

__all__ = ["ALERTS", "JOBS", "EventBus", "LocalBus", "RedisBus", "make_bus"]

log = logging.getLogger(__name__)

_QUEUE_SIZE = 1000

Payload = dict[str, Any]


class LocalBus:
    """Delivers to this process's listeners; each listener has a bounded queue (oldest dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Payload]]]] = {}

    def deliver(self, channel: str, payload: Payload) -> None:
        with self._lock:
            targets = list(self._listeners.get(channel, ()))
        for loop, queue in targets:

            def put(q: asyncio.Queue[Payload] = queue) -> None:
                if q.full():
                    q.get_nowait()
                q.put_nowait(payload)

            try:
                loop.call_soon_threadsafe(put)
            except RuntimeError:  # the listener's loop has closed
                continue

    def publish(self, channel: str, payload: Payload) -> None:
        self.deliver(channel, decode(encode(payload)))

    def listener_count(self, channel: str) -> int:
        with self._lock:
            return len(self._listeners.get(channel, ()))

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[asyncio.Queue[Payload]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue[Payload](maxsize=_QUEUE_SIZE))
        with self._lock:
            self._listeners.setdefault(channel, []).append(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._listeners[channel].remove(entry)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus(LocalBus):
    """Publishes through Redis; one relay task per process subscribes and delivers locally."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.url = url
        self._publisher = redis.Redis.from_url(url)
        self._relay: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[asyncio.Queue[Payload]]:
        await self.start()
        async with super().listen(channel) as queue:
            yield queue

    def publish(self, channel: str, payload: Payload) -> None:
        try:
            self._publisher.publish(redis_channel(channel), encode(payload))
        except Exception:
            log.exception("could not publish a %s event to Redis", channel)

    async def start(self) -> None:
        """Start the relay on the running loop (once; later calls wait until it is subscribed)."""
        if self._relay is None:
            self._ready = asyncio.Event()
            self._relay = asyncio.create_task(self._run())
        assert self._ready is not None
        await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(redis_channel("*"))
            assert self._ready is not None
            self._ready.set()
            async for message in pubsub.listen():
                if message.get("type") != "pmessage":
                    continue
                channel = message["channel"].decode()[len(REDIS_PREFIX) :]
                try:
                    payload = decode(message["data"])
                except ValueError:
                    continue
                self.deliver(channel, payload)
        finally:
            await pubsub.aclose()
            await client.aclose()

    async def close(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            try:
                await self._relay
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("the Redis relay ended with an error")
            self._relay = None
        self._publisher.close()


EventBus = LocalBus


def make_bus(redis_url: str | None) -> LocalBus:
    return RedisBus(redis_url) if redis_url else LocalBus()


def forward(bus: LocalBus, channel: str) -> Callable[[Payload], None]:
    """A callback that publishes what it is given on ``channel`` (for thread-side hooks)."""
    return lambda payload: bus.publish(channel, payload)
