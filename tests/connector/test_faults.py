"""Fault injection: 429 storms, 5xx, stalls past the timeout, and a CRM that stays down.

A loopback fake answers with the recorded SuiteCRM / Odoo shapes and the server throws scripted
faults in between; the client's sleeps are captured instead of slept, so a storm that asks for
minutes of waiting runs in milliseconds while its waits are still checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connector.crm_errors import CrmRequestError, CrmUnavailable
from connector.http import RateLimiter, RetryPolicy, retry_after_seconds
from connector.incremental import Window
from connector.sync import SyncOptions, sync_source
from connector.testing import Fault, LoopbackServer
from store import tables

OPTIONS = SyncOptions(reconcile="never", quality=False)


@pytest.fixture(params=["suitecrm", "odoo"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def _server(fakes: Any, kind: str, records: int = 45) -> tuple[LoopbackServer, Any]:
    crm = fakes.suitecrm(records)[0] if kind == "suitecrm" else fakes.odoo(records)
    fakes.clock.advance(timedelta(minutes=2))  # every record is older than the window's end
    return LoopbackServer(crm, fakes.clock), crm


def _read_all(source: Any, fakes: Any) -> list[str]:
    spec = source.streams()[0]
    window = Window(None, fakes.clock() + timedelta(hours=1))
    return [r["id"] for page in source.pages(spec, window) for r in page.records]


def _ids(crm: Any) -> list[str]:
    return sorted(str(i) for i in crm.records)


def test_a_429_storm_is_ridden_out_waiting_at_least_what_retry_after_asks(fakes: Any, make_source: Any, kind: str) -> None:
    server, crm = _server(fakes, kind)
    waits: list[float] = []
    with server:
        source = make_source(kind, server.url, waits=waits)
        server.faults.extend([Fault(429, retry_after="7")] * 4)
        ids = _read_all(source, fakes)
    assert len(waits) == 4 and all(w >= 7 for w in waits)
    assert sorted(ids) == _ids(crm)


def test_5xx_answers_are_retried_with_exponential_backoff_and_jitter(fakes: Any, make_source: Any, kind: str) -> None:
    server, crm = _server(fakes, kind)
    waits: list[float] = []
    with server:
        source = make_source(kind, server.url, waits=waits)
        server.faults.extend([Fault(500), Fault(502), Fault(503), Fault(504)])
        ids = _read_all(source, fakes)
    policy = RetryPolicy()
    assert len(waits) == 4
    assert all(0 <= w <= policy.base_delay * 2 ** n for n, w in enumerate(waits))
    assert len(set(waits)) == 4  # jittered, not a fixed schedule
    assert sorted(ids) == _ids(crm)


def test_a_server_stalling_past_the_timeout_is_retried(fakes: Any, make_source: Any, kind: str) -> None:
    server, crm = _server(fakes, kind, records=25)
    waits: list[float] = []
    with server:
        # A healthy loopback answer takes milliseconds; 0.6 s of timeout leaves a loaded CI machine room
        # so that only the two scripted stalls time out.
        source = make_source(kind, server.url, waits=waits, timeout=0.6)
        server.faults.extend([Fault(200, stall=1.0), Fault(200, stall=1.0)])
        ids = _read_all(source, fakes)
    assert len(waits) == 2
    assert sorted(ids) == _ids(crm)


def test_a_crm_that_stays_down_fails_the_run_with_a_clear_message(engine: Engine, fakes: Any, make_source: Any, kind: str) -> None:
    server, _crm = _server(fakes, kind)
    with server:
        source = make_source(kind, server.url)
        before = server.requests  # Odoo's version probe already ran
        server.fault_every = (1, Fault(503))
        with pytest.raises(CrmUnavailable) as info:
            sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        attempts = server.requests - before
    assert "HTTP 503" in str(info.value) and f"all {RetryPolicy().attempts} attempts" in str(info.value)
    assert attempts == RetryPolicy().attempts
    with engine.connect() as conn:
        run = conn.execute(select(tables.sync_runs).order_by(tables.sync_runs.c.id.desc())).mappings().first()
    assert run["status"] == "failed" and "HTTP 503" in run["errors"][-1]["message"]


def test_a_retry_after_beyond_the_limit_gives_up_without_waiting(fakes: Any, make_source: Any, kind: str) -> None:
    server, _crm = _server(fakes, kind)
    waits: list[float] = []
    with server:
        source = make_source(kind, server.url, waits=waits)
        server.faults.append(Fault(429, retry_after="3600"))
        with pytest.raises(CrmUnavailable, match="asks to wait 3600 s"):
            _read_all(source, fakes)
    assert waits == []


def test_a_client_error_is_not_retried(fakes: Any, make_source: Any) -> None:
    server, _crm = _server(fakes, "suitecrm")
    with server:
        source = make_source("suitecrm", server.url)
        with pytest.raises(CrmRequestError, match="Module NoSuchModule does not exist") as info:
            source.client.request("GET", "module/NoSuchModule")
    assert info.value.status == 400
    assert server.requests == 2  # the token, then the refused call once


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Sun, 22 Nov 2026 22:01:30 GMT", now=now) == 90
    assert retry_after_seconds("Sun, 22 Nov 2026 21:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_the_rate_limit_spaces_request_starts_evenly() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])
    with pytest.raises(ValueError, match="positive number"):
        RateLimiter(0)


def test_the_rate_limit_holds_against_a_real_server(fakes: Any, make_source: Any) -> None:
    import time

    server, _crm = _server(fakes, "odoo", records=5)
    with server:
        source = make_source("odoo", server.url, rate_per_second=40.0, sleep=time.sleep)
        started = time.perf_counter()
        for _ in range(8):
            source.transport.call("res.partner", "search_count", [[]])
        elapsed = time.perf_counter() - started
    assert elapsed >= 8 / 40.0 - 0.03
