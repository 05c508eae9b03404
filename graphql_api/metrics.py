"""Prometheus metrics: request counts and latencies, job durations, sync and scoring lag.

Each app has its own registry (several apps in one process — tests — must not collide). Lag is
computed when Prometheus scrapes, from the store: seconds since each source's newest succeeded
sync, and since the newest succeeded scoring run. Write-back runs (``<source>:writeback`` in
``sync_runs``) are not part of sync lag: one is recorded only when scores changed, so its age grows
while all is well, and a ``source`` label that is no source would break every rule and join on it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crmscore.jobs import JobRecord
from graphql_api.run_reads import fetch_latest_run, latest_syncs

__all__ = ["ApiMetrics", "MetricsMiddleware"]

log = logging.getLogger(__name__)

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class _LagCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = datetime.now(UTC)
        sync = GaugeMetricFamily(
            "crmscore_sync_lag_seconds",
            "Seconds since the newest succeeded sync of each source (write-backs are not syncs)",
            labels=["source"],
        )
        scoring = GaugeMetricFamily("crmscore_scoring_lag_seconds", "Seconds since the newest succeeded scoring run finished")
        try:
            for source, finished in latest_syncs(self.engine):
                if finished is not None:
                    sync.add_metric([source], (now - finished).total_seconds())
            run = fetch_latest_run(self.engine, only_succeeded=True)
            if run is not None and run.finished_at is not None:
                scoring.add_metric([], (now - run.finished_at).total_seconds())
        except Exception:
            log.warning("metrics: could not read sync and scoring lag from the store", exc_info=True)
        yield sync
        yield scoring


class ApiMetrics:
    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "crmscore_http_requests", "HTTP requests", ["path", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "crmscore_http_request_seconds", "HTTP request latency", ["path", "method"], buckets=_BUCKETS, registry=self.registry
        )
        self.jobs = Histogram(
            "crmscore_job_seconds", "Duration of finished jobs", ["kind", "status"], buckets=_JOB_BUCKETS, registry=self.registry
        )
        self.registry.register(_LagCollector(engine))

    def job_changed(self, record: JobRecord) -> None:
        if record.finished and record.started_at is not None and record.finished_at is not None:
            self.jobs.labels(record.kind, record.status).observe((record.finished_at - record.started_at).total_seconds())

    def render(self) -> bytes:
        return generate_latest(self.registry)


_KNOWN_PATHS = ("/graphql", "/healthz", "/metrics")


class MetricsMiddleware:
    """Counts and times every HTTP request (paths outside the API are counted as ``other``)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            path = scope["path"] if scope["path"] in _KNOWN_PATHS else "other"
            self.metrics.requests.labels(path, scope["method"], str(status["code"])).inc()
            self.metrics.latency.labels(path, scope["method"]).observe(time.perf_counter() - start)
