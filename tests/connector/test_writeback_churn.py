"""Write-back sends the churn risk the current scoring run stored, and never clears a field without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from connector.odoo import ODOO_WRITEBACK
from connector.odoo.writer import OdooWriter
from connector.sync import SyncOptions, sync_source
from connector.testing import LoopbackServer
from connector.writeback import current_scores, write_back
from store import tables

OPTIONS = SyncOptions(lookback=timedelta(minutes=2), reconcile="never", quality=False)


def test_the_stored_churn_risk_is_written_and_a_customer_without_one_keeps_the_crm_field_untouched(
    engine: Engine, fakes: Any, make_source: Any
) -> None:
    crm = fakes.odoo(3)
    fakes.clock.advance(timedelta(minutes=2))
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source("odoo", server.url)
        sync_source(engine, source, options=OPTIONS, clock=fakes.clock)
        finished = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
        with engine.begin() as conn:
            version = conn.execute(insert(tables.config_versions).values(
                name="test", body={}, checksum="x", created_at=finished, active=True
            ).returning(tables.config_versions.c.id)).scalar_one()
            run = conn.execute(insert(tables.scoring_runs).values(
                status="succeeded", config_version_id=version, as_of=finished, started_at=finished,
                finished_at=finished, customers_scored=3, churn_model_version=4,
            ).returning(tables.scoring_runs.c.id)).scalar_one()
            ids = dict(conn.execute(select(tables.customers.c.external_id, tables.customers.c.id)).all())
            external = sorted(ids)
            risks = {external[0]: 0.12345, external[1]: None, external[2]: 0.9}
            conn.execute(insert(tables.scores), [
                {"run_id": run, "customer_id": ids[e], "health_score": 50.0, "band": "Watch", "segment": "Others",
                 "churn_risk": risks[e]} for e in external
            ])
            _, current = current_scores(conn, source.name)
        assert {e: v["churn_risk"] for e, v in current.items()} == risks
        write_back(engine, source.name, OdooWriter(source.transport, fields=ODOO_WRITEBACK["fields"]))
    field = ODOO_WRITEBACK["fields"]["churn_risk"]
    assert crm.records[int(external[0])][field] == 0.1235  # rounded to 4 places like every risk written
    assert crm.records[int(external[2])][field] == 0.9
    assert field not in crm.records[int(external[1])]  # no risk: the CRM's field is left alone
