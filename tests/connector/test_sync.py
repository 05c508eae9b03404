"""The sync engine's guarantees, against a loopback CRM whose data changes under it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from connector.state import load_state, save_state
from connector.sync import SyncOptions, floor_time, sync_source
from connector.testing import LoopbackServer
from store import tables

OPTIONS = SyncOptions(lookback=timedelta(0), reconcile="never", quality=False)


def _names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(tables.customers.c.external_id, tables.customers.c.name)).all())


def test_a_record_changed_while_the_sync_runs_waits_for_the_next_sync(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.odoo(40)
    fakes.clock.advance(timedelta(minutes=1))
    first_id = min(crm.records)
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("odoo", server.url, page_size=10)
        # Once the first page is read, a salesperson renames the first record and adds a customer.
        server.on_request = lambda n: n == 5 and (crm.touch(first_id, {"name": "Renamed mid-sync"}),
                                                  crm.add({"name": "Added mid-sync", "is_company": True}))
        first = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        server.on_request = None
        assert first.total("inserted") == 40  # the window's end was fixed when it opened
        assert _names(engine)[str(first_id)] != "Renamed mid-sync"
        fakes.clock.advance(timedelta(seconds=5))
        second = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
    assert (second.total("inserted"), second.total("updated")) == (1, 1)
    assert _names(engine)[str(first_id)] == "Renamed mid-sync"


def test_the_window_end_is_floored_to_the_crms_precision(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.suitecrm(5)[0]
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("suitecrm", server.url)
        report = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        now = fakes.clock()
    # SuiteCRM shows minutes: records of the current minute are deferred, not half-read.
    in_this_minute = sum(floor_time(r["modified"], timedelta(minutes=1)) >= floor_time(now, timedelta(minutes=1))
                         for r in crm.records.values())
    assert 0 < in_this_minute < 5
    assert report.total("deferred") == in_this_minute
    assert report.total("inserted") == 5 - in_this_minute
    with engine.connect() as conn:
        assert load_state(conn, "suitecrm", "accounts").cursor < floor_time(now, timedelta(minutes=1))


def test_a_full_sync_reads_everything_again_and_removes_what_the_crm_deleted(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.odoo(30)
    fakes.clock.advance(timedelta(minutes=1))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("odoo", server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        for rid in sorted(crm.records)[:3]:
            crm.delete(rid)
        report = sync_source(engine, source, options=SyncOptions(full=True, quality=False), clock=fakes.clock)
    assert report.total("read") == 27 and report.total("deleted") == 3
    assert set(_names(engine)) == {str(i) for i in crm.records}


def test_reconciliation_refuses_to_wipe_the_store_when_the_crm_suddenly_lists_far_fewer_ids(
    engine: Engine, fakes: Any, make_source: Any
) -> None:
    crm = fakes.suitecrm(30)[0]
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("suitecrm", server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        for rid in sorted(crm.records)[:20]:  # e.g. the API user lost access to most accounts
            crm.delete(rid)
        report = sync_source(engine, source, options=SyncOptions(reconcile="always", quality=False), clock=fakes.clock)
    assert report.total("deleted") == 0
    assert len(_names(engine)) == 30
    assert "refusing to delete more than 50%" in report.errors[0].message
    with engine.connect() as conn:
        run = conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.id == report.run_id)).mappings().one()
    assert run["status"] == "succeeded" and "refusing" in run["errors"][0]["message"]


def test_suitecrm_reading_stops_at_the_empty_page(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.suitecrm(12)[0]
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("suitecrm", server.url, page_size=5)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        fakes.clock.advance(timedelta(minutes=5))
        later = floor_time(fakes.clock(), timedelta(minutes=1))
        with engine.begin() as conn:  # a window resumed past the last record: SuiteCRM answers data: []
            state = load_state(conn, "suitecrm", "accounts")
            state.window_lower, state.window_upper, state.position = later, later + timedelta(minutes=1), {}
            save_state(conn, state, later)
        before = server.requests
        report = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        asked = server.requests - before
    assert (report.total("pages"), report.total("read")) == (0, 0)
    assert asked == 1  # one list call, answered empty; the token is still valid
    with engine.connect() as conn:
        assert not load_state(conn, "suitecrm", "accounts").window_open
