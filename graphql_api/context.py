"""Per-process state (engine, settings, caches, jobs, events) and per-request context (loaders).

Loaders are created fresh for each request, so DataLoader caches never leak data between requests
or users, and the served run is read at most once per request. Across requests a process remembers
"which run is served" for ``served_run_ttl`` seconds (1 by default; a run finished by this process's
job runner clears it at once) and customer totals per filter for ``count_cache_ttl`` seconds (1),
which saves the two statements a busy dashboard would otherwise repeat on every refresh.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from crmscore.auth import Principal
from crmscore.jobs import JobRunner
from graphql_api.alert_store import AlertRecord, fetch_customer_alerts
from graphql_api.churn_reads import ChurnRiskRecord, fetch_churn_risks
from graphql_api.errors import forbidden, unauthenticated
from graphql_api.events import LocalBus
from graphql_api.history import ScorePointRecord, fetch_history
from graphql_api.reads import (
    CustomerRecord,
    IndicatorRecord,
    ServedRun,
    Unscored,
    count_customers,
    fetch_customers,
    fetch_indicators,
    fetch_run,
    fetch_served_run,
    fetch_unscored,
    where_signature,
)
from graphql_api.security import KeyVerifier
from graphql_api.settings import ApiSettings
from store.tables import customers

__all__ = ["ApiContext", "AppState"]


class AppState:
    """What every request of one app shares."""

    def __init__(self, engine: Engine, settings: ApiSettings, *, anonymous: Principal | None) -> None:
        self.engine = engine
        self.settings = settings
        self.anonymous = anonymous
        self.verifier = KeyVerifier(engine, settings.key_cache_ttl)
        self.bus: LocalBus = LocalBus()
        self.jobs = JobRunner(engine, max_workers=settings.job_workers)
        self._lock = threading.Lock()
        self._served: tuple[float, ServedRun] | None = None
        self._pinned: dict[int, ServedRun] = {}
        self._unscored: dict[int, Unscored | None] = {}
        self._counts: dict[tuple[int | None, str, str], tuple[float, int]] = {}

    def forget_served_run(self) -> None:
        with self._lock:
            self._served = None

    def cached_served_run(self) -> ServedRun | None:
        """The remembered served run if still fresh (no I/O: callable on the event loop)."""
        with self._lock:
            cached = self._served
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def served_run(self) -> ServedRun:
        """The newest succeeded run, remembered for ``served_run_ttl`` seconds (thread pool side)."""
        cached = self.cached_served_run()
        if cached is not None:
            return cached
        now = time.monotonic()
        served = fetch_served_run(self.engine)
        with self._lock:
            self._served = (now + self.settings.served_run_ttl, served)
        return served

    def pinned_run(self, run_id: int) -> ServedRun | None:
        """A succeeded run by id; succeeded runs never change, so they are remembered for good."""
        with self._lock:
            hit = self._pinned.get(run_id)
        if hit is not None:
            return hit
        run = fetch_run(self.engine, run_id)
        if run is not None:
            with self._lock:
                if len(self._pinned) > 1000:
                    self._pinned.clear()
                self._pinned[run_id] = run
        return run

    def _count_key(self, run_id: int | None, where: ColumnElement[bool]) -> tuple[Any, ...] | None:
        if self.settings.count_cache_ttl <= 0:
            return None
        signature = where_signature(where)
        return None if signature is None else (run_id, signature)

    def _fresh_count(self, key: tuple[Any, ...]) -> int | None:
        with self._lock:
            hit = self._counts.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def cached_count(self, run_id: int | None, where: ColumnElement[bool]) -> int | None:
        """The remembered total if still fresh (no I/O: callable on the event loop)."""
        key = self._count_key(run_id, where)
        return None if key is None else self._fresh_count(key)

    def count(self, run_id: int | None, where: ColumnElement[bool]) -> int:
        """How many customers match, remembered for ``count_cache_ttl`` seconds per run and filter.

        A dashboard asks for the same total on every refresh, and counting is the one statement
        whose cost grows with the store; a total a second old is as good as a fresh one.
        """
        key = self._count_key(run_id, where)
        if key is None:
            return count_customers(self.engine, run_id, where)
        fresh = self._fresh_count(key)
        if fresh is not None:
            return fresh
        now = time.monotonic()
        total = count_customers(self.engine, run_id, where)
        with self._lock:
            if len(self._counts) > 1000:
                self._counts.clear()
            self._counts[key] = (now + self.settings.count_cache_ttl, total)
        return total

    def unscored(self, run_id: int) -> Unscored | None:
        """The run's unscored customers (see ``reads.Unscored``), computed once per run."""
        with self._lock:
            if run_id in self._unscored:
                return self._unscored[run_id]
        found = fetch_unscored(self.engine, run_id)
        with self._lock:
            if len(self._unscored) > 100:
                self._unscored.clear()
            self._unscored[run_id] = found
        return found


class ApiContext:
    """What every resolver gets as ``info.context``."""

    def __init__(
        self,
        state: AppState,
        request: Request | WebSocket,
        response: Response | WebSocket,
        principal: Principal | None,
    ) -> None:
        self.state = state
        self.engine = state.engine
        self.settings = state.settings
        self.request = request
        self.response = response
        self.principal = principal
        self.connection_params: dict[str, Any] | None = None  # set by strawberry on WebSockets
        self._served: asyncio.Future[ServedRun] | None = None
        self.reset_loaders()

    def reset_loaders(self) -> None:
        """Fresh loaders (each request; each event of a long-lived subscription)."""
        self.indicators: DataLoader[int, list[IndicatorRecord]] = DataLoader(load_fn=self._load_indicators)
        self.customers: DataLoader[int, CustomerRecord | None] = DataLoader(load_fn=self._load_customers)
        self.churn_risks: DataLoader[int, ChurnRiskRecord | None] = DataLoader(load_fn=self._load_churn_risks)
        self._alert_loaders: dict[tuple[int, tuple[str, ...] | None], DataLoader[int, list[AlertRecord]]] = {}
        self._history_loaders: dict[int, DataLoader[int, list[ScorePointRecord]]] = {}
        self._served = None

    # ---- who is asking ------------------------------------------------------------------------

    def viewer(self) -> Principal:
        """The caller; raises UNAUTHENTICATED when there is none (only possible on a socket)."""
        if self.principal is None:
            raise unauthenticated("missing API key")
        return self.principal

    def admin(self, action: str) -> Principal:
        principal = self.viewer()
        if not principal.is_admin:
            raise forbidden(f"{action} needs an admin key; this key is a {principal.role}")
        return principal

    @property
    def sources(self) -> Sequence[str] | None:
        """The sources this caller may see (None: all)."""
        principal = self.viewer()
        return None if principal.source is None else [principal.source]

    def source_limit(self) -> ColumnElement[bool] | None:
        sources = self.sources
        return None if sources is None else customers.c.source.in_(list(sources))

    # ---- the served run -------------------------------------------------------------------------

    async def served_run(self) -> ServedRun:
        """The run this request serves scores from, decided on first use."""
        if self._served is None:
            cached = self.state.cached_served_run()
            if cached is not None:  # the common case: no thread hop
                self._served = asyncio.get_running_loop().create_future()
                self._served.set_result(cached)
            else:
                self._served = asyncio.ensure_future(run_in_threadpool(self.state.served_run))
        return await self._served

    def pin_run(self, run: ServedRun) -> None:
        """Serve ``run`` for the rest of this request (a page cursor named it)."""
        future: asyncio.Future[ServedRun] = asyncio.get_running_loop().create_future()
        future.set_result(run)
        self._served = future

    # ---- loaders ----------------------------------------------------------------------------------

    def alerts_of(self, first: int, statuses: tuple[str, ...] | None) -> DataLoader[int, list[AlertRecord]]:
        key = (first, statuses)
        if key not in self._alert_loaders:

            async def load(pks: Sequence[int]) -> list[list[AlertRecord]]:
                found = await run_in_threadpool(fetch_customer_alerts, self.engine, list(pks), first=first, statuses=statuses)
                return [found[pk] for pk in pks]

            self._alert_loaders[key] = DataLoader(load_fn=load)
        return self._alert_loaders[key]

    def history_of(self, last: int) -> DataLoader[int, list[ScorePointRecord]]:
        if last not in self._history_loaders:

            async def load(pks: Sequence[int]) -> list[list[ScorePointRecord]]:
                served = await self.served_run()
                found = await run_in_threadpool(fetch_history, self.engine, served.run_id, list(pks), last)
                return [found[pk] for pk in pks]

            self._history_loaders[last] = DataLoader(load_fn=load)
        return self._history_loaders[last]

    async def _load_indicators(self, keys: Sequence[int]) -> list[list[IndicatorRecord]]:
        served = await self.served_run()
        found = await run_in_threadpool(fetch_indicators, self.engine, served, list(keys))
        return [found[k] for k in keys]

    async def _load_churn_risks(self, keys: Sequence[int]) -> list[ChurnRiskRecord | None]:
        served = await self.served_run()
        found = await run_in_threadpool(fetch_churn_risks, self.engine, served.run_id, list(keys))
        return [found[k] for k in keys]

    async def _load_customers(self, keys: Sequence[int]) -> list[CustomerRecord | None]:
        served = await self.served_run()
        found = await run_in_threadpool(fetch_customers, self.engine, served.run_id, list(keys), self.source_limit())
        return [found.get(k) for k in keys]
