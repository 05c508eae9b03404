"""Write-back into the CRM's custom fields: only what changed, in batches, and no echo in the next sync.

The CRMs are loopback fakes that behave like the recordings on write: a PATCH (SuiteCRM) or
``write`` (Odoo) stores the values and bumps the record's modified time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from connector.odoo import ODOO_WRITEBACK
from connector.odoo.writer import OdooWriter
from connector.suitecrm import SUITECRM_WRITEBACK
from connector.suitecrm.writer import SuiteCrmWriter
from connector.sync import SyncOptions, sync_source
from connector.testing import LoopbackServer
from connector.writeback import plan_writeback, write_back
from store import tables

OPTIONS = SyncOptions(lookback=timedelta(minutes=2), reconcile="never", quality=False)
BANDS = ("At risk", "Watch", "Healthy")


@pytest.fixture(params=["suitecrm", "odoo"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def _writer(kind: str, source: Any) -> Any:
    if kind == "suitecrm":
        return SuiteCrmWriter(source.client, fields=SUITECRM_WRITEBACK["fields"])
    return OdooWriter(source.transport, fields=ODOO_WRITEBACK["fields"])


def _score(engine: Engine, source: str, scores: dict[str, float], finished: datetime) -> None:
    """A succeeded scoring run giving these health scores (band and segment derived from them)."""
    with engine.begin() as conn:
        version = conn.execute(insert(tables.config_versions).values(
            name="test", body={}, checksum="x", created_at=finished, active=True).returning(tables.config_versions.c.id)).scalar_one()
        run = conn.execute(insert(tables.scoring_runs).values(
            status="succeeded", config_version_id=version, as_of=finished, started_at=finished, finished_at=finished,
            customers_scored=len(scores)).returning(tables.scoring_runs.c.id)).scalar_one()
        ids = dict(conn.execute(select(tables.customers.c.external_id, tables.customers.c.id)
                                .where(tables.customers.c.source == source)).all())
        conn.execute(insert(tables.scores), [
            {"run_id": run, "customer_id": ids[ext], "health_score": value, "band": BANDS[min(int(value) // 34, 2)],
             "segment": "Champions" if value > 80 else "Others"} for ext, value in scores.items()
        ])


def _crm_values(kind: str, crm: Any, rid: str) -> dict[str, Any]:
    fields = (SUITECRM_WRITEBACK if kind == "suitecrm" else ODOO_WRITEBACK)["fields"]
    record = crm.records[rid]["attributes"] if kind == "suitecrm" else crm.records[int(rid)]
    return {key: record.get(name) for key, name in fields.items()}


def test_only_changed_scores_are_written_and_a_repeat_writes_nothing(engine: Engine, fakes: Any, make_source: Any, kind: str) -> None:
    crm = fakes.suitecrm(24)[0] if kind == "suitecrm" else fakes.odoo(24)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source(kind, server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        ids = sorted(str(i) for i in crm.records)
        _score(engine, source.name, {i: 10.0 + n for n, i in enumerate(ids)}, fakes.clock())
        writer = _writer(kind, source)
        first = write_back(engine, source.name, writer, batch_size=10)
        assert (first.planned, first.written, first.failed, first.batches) == (len(ids), len(ids), 0, 3)
        shown = _crm_values(kind, crm, ids[5])
        assert float(shown["health_score"]) == 15.0 and shown["band"] == "At risk" and shown["churn_risk"] is None

        _score(engine, source.name, {i: 10.0 + n for n, i in enumerate(ids)}, fakes.clock() + timedelta(hours=1))
        again = write_back(engine, source.name, writer)
        assert (again.planned, again.unchanged) == (0, len(ids))  # a newer run with the same scores: nothing to send

        _score(engine, source.name, {i: (99.0 if i == ids[3] else 10.0 + n) for n, i in enumerate(ids)},
               fakes.clock() + timedelta(hours=2))
        third = write_back(engine, source.name, writer)
    assert third.planned == third.written == 1
    changed_id, sent = third.changes[0]
    assert changed_id == ids[3]
    assert set(sent) == {"health_score", "band", "segment", "scored_at"}  # 99 moves band and segment too


def test_a_dry_run_reports_the_plan_and_writes_nothing(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.odoo(6)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("odoo", server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        _score(engine, source.name, {str(i): 50.0 for i in crm.records}, fakes.clock())
        report = write_back(engine, source.name, _writer("odoo", source), dry_run=True)
    assert report.planned == 6 and report.written == 0 and crm.writes == 0
    with engine.connect() as conn:
        assert conn.execute(select(tables.writeback_state)).first() is None
        assert len(plan_writeback(conn, source.name, _writer("odoo", source)).changes) == 6  # still all to do


def test_our_own_writes_do_not_come_back_as_customer_changes(engine: Engine, fakes: Any, make_source: Any, kind: str) -> None:
    crm = fakes.suitecrm(20)[0] if kind == "suitecrm" else fakes.odoo(20)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source(kind, server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        ids = sorted(str(i) for i in crm.records)
        _score(engine, source.name, {i: 42.0 for i in ids}, fakes.clock())
        write_back(engine, source.name, _writer(kind, source))
        fakes.clock.advance(timedelta(minutes=3))
        echo = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        counts = echo.counts[source.streams()[0].name]
        assert counts.read >= len(ids)  # the CRM did bump every record we wrote...
        assert counts.echoes == len(ids)  # ...and the sync recognised them as ours
        assert counts.inserted == counts.updated == 0

        crm.touch(ids[0] if kind == "suitecrm" else int(ids[0]), {"name": "Renamed by a salesperson"})
        fakes.clock.advance(timedelta(minutes=3))
        change = sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
    counts = change.counts[source.streams()[0].name]
    assert (counts.updated, counts.echoes) == (1, 0)
    with engine.connect() as conn:
        name = conn.execute(select(tables.customers.c.name).where(tables.customers.c.external_id == ids[0])).scalar_one()
    assert name == "Renamed by a salesperson"


def test_a_record_the_crm_refuses_is_reported_and_the_rest_are_written(engine: Engine, fakes: Any, make_source: Any, kind: str) -> None:
    crm = fakes.suitecrm(8)[0] if kind == "suitecrm" else fakes.odoo(8)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source(kind, server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        ids = sorted(str(i) for i in crm.records)
        _score(engine, source.name, {i: 70.0 for i in ids}, fakes.clock())
        crm.delete(ids[2] if kind == "suitecrm" else int(ids[2]))  # deleted in the CRM since the last sync
        report = write_back(engine, source.name, _writer(kind, source))
    assert (report.written, report.failed) == (len(ids) - 1, 1)
    assert report.errors[0].record_id == ids[2]
    assert any(words in report.errors[0].message for words in ("is not found", "does not exist or has been deleted"))
    with engine.connect() as conn:
        run = conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.source == f"{source.name}:writeback")).mappings().one()
        remembered = set(conn.execute(select(tables.writeback_state.c.external_id)).scalars())
    assert run["status"] == "succeeded" and run["counts"]["writeback"]["failed"] == 1
    assert remembered == set(ids) - {ids[2]}  # the refused one is retried next time


def test_churn_risk_and_clv_are_written_when_supplied_and_never_cleared_otherwise(engine: Engine, fakes: Any, make_source: Any) -> None:
    crm = fakes.odoo(3)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("odoo", server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        ids = sorted(str(i) for i in crm.records)
        _score(engine, source.name, {i: 60.0 for i in ids}, datetime(2026, 11, 23, 6, 0, 12, 345, tzinfo=UTC))
        write_back(engine, source.name, _writer("odoo", source), extra={ids[0]: {"churn_risk": 0.12345, "clv": 1234.567}})
    first, second = _crm_values("odoo", crm, ids[0]), _crm_values("odoo", crm, ids[1])
    assert (first["churn_risk"], first["clv"]) == (0.1235, 1234.57)
    assert first["scored_at"] == "2026-11-23 06:00:12"  # Odoo's write format, whole seconds
    assert second["churn_risk"] is None and "x_churn_risk" not in crm.records[int(ids[1])]
