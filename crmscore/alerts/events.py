"""In-process alert events: the hook GraphQL subscriptions listen on.

A scoring run publishes one :class:`AlertEvent` per raised alert whose rule has an ``event`` action.
Subscribers are plain callables (called in the publishing thread, errors isolated) or async
iterators from :meth:`AlertBus.stream`, which hand events across threads to an asyncio loop — the
shape a strawberry subscription resolver wants::

    async for event in alert_bus.stream():
        yield AlertType.from_event(event)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["AlertBus", "AlertEvent", "alert_bus"]


@dataclass(frozen=True)
class AlertEvent:
    alert_id: int
    run_id: int | None
    customer_id: int
    rule: str
    severity: str
    message: str
    raised_at: datetime


Subscriber = Callable[[AlertEvent], None]


class AlertBus:
    """A tiny thread-safe publish/subscribe hub."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` for every event from now on; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: AlertEvent) -> int:
        """Deliver to every subscriber; a failing subscriber does not stop the others. Returns how
        many subscribers took the event."""
        with self._lock:
            targets = list(self._subscribers)
        delivered = 0
        for callback in targets:
            try:
                callback(event)
                delivered += 1
            except Exception:  # noqa: BLE001, S112  (a broken listener must not break a scoring run)
                continue
        return delivered

    async def stream(self, max_queue: int = 1000) -> AsyncIterator[AlertEvent]:
        """Events as an async iterator on the running loop (oldest dropped beyond ``max_queue``)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[AlertEvent] = asyncio.Queue(maxsize=max_queue)

        def put(event: AlertEvent) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

        def hand_over(event: AlertEvent) -> None:
            loop.call_soon_threadsafe(put, event)

        unsubscribe = self.subscribe(hand_over)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()


#: The process-wide bus the pipeline publishes on.
alert_bus = AlertBus()
