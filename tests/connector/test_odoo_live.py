"""Against a real Odoo 11 server: sync, install, write-back, deletions, kill-and-resume.

Run with ``CRMSCORE_ODOO11_URL=http://127.0.0.1:8071 pytest -m odoo_live`` after
``../shared/tools/odoo11/start.sh`` (database ``crm11``, admin/admin). Skipped when the variable is
unset, so the normal suite stays fast. Every test creates its own records, tagged with a unique
prefix that the stream overrides filter on, so runs do not see each other's data.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from connector.api_mapping import merge_spec, parse_stream
from connector.http import HttpClient
from connector.install import install_odoo
from connector.odoo import ODOO_WRITEBACK, OdooSource, connect, odoo_streams
from connector.odoo.writer import OdooWriter
from connector.sync import SyncOptions, reconcile_source, sync_source
from connector.writeback import write_back
from store import open_store, tables

URL = os.environ.get("CRMSCORE_ODOO11_URL")
DB = os.environ.get("CRMSCORE_ODOO11_DB", "crm11")
pytestmark = [
    pytest.mark.odoo_live,
    pytest.mark.skipif(not URL, reason="set CRMSCORE_ODOO11_URL to a live Odoo 11 (../shared/tools/odoo11/start.sh)"),
]
NO_LOOKBACK = SyncOptions(lookback=timedelta(0), reconcile="never", quality=False)


class Killed(BaseException):
    pass


def _transport() -> Any:
    return connect(HttpClient(URL or ""), database=DB, login="admin", password="admin")


class LiveCrm:
    """Seeds one test's customers, persons, leads, opportunities and orders through the API."""

    def __init__(self) -> None:
        self.prefix = f"crmscore-live-{uuid.uuid4().hex[:8]}"
        self.rpc = _transport()
        self.companies: list[int] = []
        self.persons: list[int] = []

    def seed(self, companies: int = 6) -> None:
        for n in range(companies):
            company = self.rpc.call("res.partner", "create", [{
                "name": f"{self.prefix} Company {n}", "is_company": True, "ref": f"{self.prefix}-c{n}",
                "email": f"info{n}@{self.prefix}.example", "customer": True}])
            person = self.rpc.call("res.partner", "create", [{
                "name": f"{self.prefix} Person {n}", "parent_id": company, "ref": f"{self.prefix}-p{n}",
                "email": f"p{n}@{self.prefix}.example", "function": "Buyer"}])
            self.companies.append(company)
            self.persons.append(person)
        lead = self.rpc.call("crm.lead", "create", [{"name": f"{self.prefix} lead", "type": "lead"}])
        won = self.rpc.call("crm.lead", "create", [{"name": f"{self.prefix} won", "type": "opportunity",
                                                    "partner_id": self.companies[0], "planned_revenue": 1234.5,
                                                    "probability": 100}])
        lost = self.rpc.call("crm.lead", "create", [{"name": f"{self.prefix} lost", "type": "opportunity",
                                                     "partner_id": self.companies[1], "planned_revenue": 99.0}])
        self.rpc.call("crm.lead", "write", [[lost], {"active": False, "probability": 0}])
        self.leads = {"lead": lead, "won": won, "lost": lost}
        self.orders = [self.rpc.call("sale.order", "create", [{"partner_id": c, "client_order_ref": f"{self.prefix}-o{i}"}])
                       for i, c in enumerate(self.companies[:3])]
        time.sleep(1.1)  # write_date has second precision: let the window's end pass the seeding second

    def source(self, page_size: int = 50) -> OdooSource:
        transport = _transport()
        defaults = odoo_streams(transport.version)
        like = f"{self.prefix}%"
        overrides = {
            "partners": {"domain": [["ref", "=like", like]]},
            "crm_leads": {"domain": [["name", "=like", like]]},
            "sale_orders": {"domain": [["client_order_ref", "=like", like]]},
        }
        specs = [parse_stream(name, merge_spec(defaults[name], override), where="live")
                 for name, override in overrides.items()]
        return OdooSource(f"odoo11-{self.prefix}", transport, specs, page_size=page_size,
                          writeback_fields=frozenset(ODOO_WRITEBACK["fields"].values()))


@pytest.fixture
def live() -> LiveCrm:
    crm = LiveCrm()
    crm.seed()
    return crm


def _rows(engine: Engine, entity: str, source: str) -> dict[str, Any]:
    table = tables.ENTITY_TABLES[entity]
    with engine.connect() as conn:
        return {r.external_id: r for r in conn.execute(select(table).where(table.c.source == source))}


def test_live_a_first_sync_maps_odoo_11_records_and_the_next_reads_only_changes(engine: Engine, live: LiveCrm) -> None:
    source = live.source()
    assert source.transport.version == 11
    first = sync_source(engine, source, options=NO_LOOKBACK)
    customers, contacts = _rows(engine, "customers", source.name), _rows(engine, "contacts", source.name)
    assert set(customers) == {str(i) for i in live.companies}
    assert {c.customer_external_id for c in contacts.values()} == set(customers)
    opportunities, leads = _rows(engine, "opportunities", source.name), _rows(engine, "leads", source.name)
    assert opportunities[str(live.leads["won"])].amount == 1234.5  # planned_revenue on Odoo 11
    assert opportunities[str(live.leads["won"])].status == "won"
    assert opportunities[str(live.leads["lost"])].status == "lost"  # archived: read only with active_test off
    assert leads[str(live.leads["lead"])].status == "new"
    assert set(_rows(engine, "orders", source.name)) == {str(o) for o in live.orders}
    assert first.total("failed") == 0

    live.rpc.call("res.partner", "write", [[live.companies[2]], {"name": f"{live.prefix} Renamed"}])
    time.sleep(1.1)
    second = sync_source(engine, source, options=NO_LOOKBACK)
    # The company and its contact person: Odoo rewrites the child's stored display name ("Company, Person").
    assert second.counts["partners"].updated == 2 and second.counts["partners"].inserted == 0
    assert _rows(engine, "customers", source.name)[str(live.companies[2])].name == f"{live.prefix} Renamed"


def test_live_install_odoo_twice_gives_the_same_fields_and_form(live: LiveCrm) -> None:
    install_odoo(live.rpc, ODOO_WRITEBACK["fields"])
    again = install_odoo(live.rpc, ODOO_WRITEBACK["fields"])
    assert again.created == [] and sorted(again.existing) == sorted(ODOO_WRITEBACK["fields"].values())
    assert again.view == "unchanged"
    arch = live.rpc.call("res.partner", "fields_view_get", [], {"view_type": "form"})["arch"]
    assert all(f'name="{name}"' in arch for name in ODOO_WRITEBACK["fields"].values())
    views = live.rpc.call("ir.ui.view", "search_count", [[["name", "=", "res.partner.form.crmscore"]]])
    assert views == 1


def test_live_scores_are_written_read_back_and_not_echoed(engine: Engine, live: LiveCrm) -> None:
    install_odoo(live.rpc, ODOO_WRITEBACK["fields"])
    source = live.source()
    sync_source(engine, source, options=NO_LOOKBACK)
    finished = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        version = conn.execute(insert(tables.config_versions).values(name="live", body={}, checksum="x", created_at=finished,
                                                                     active=True).returning(tables.config_versions.c.id)).scalar_one()
        run = conn.execute(insert(tables.scoring_runs).values(status="succeeded", config_version_id=version, as_of=finished,
                                                              started_at=finished, finished_at=finished, customers_scored=6)
                           .returning(tables.scoring_runs.c.id)).scalar_one()
        ids = dict(conn.execute(select(tables.customers.c.external_id, tables.customers.c.id)
                                .where(tables.customers.c.source == source.name)).all())
        conn.execute(insert(tables.scores), [{"run_id": run, "customer_id": pk, "health_score": 50 + n * 7.25,
                                              "band": "Watch", "segment": "Loyal"} for n, pk in enumerate(ids.values())])
    writer = OdooWriter(source.transport, fields=ODOO_WRITEBACK["fields"])
    report = write_back(engine, source.name, writer)
    assert report.written == len(ids) and report.failed == 0
    back = live.rpc.call("res.partner", "read", [[int(i) for i in ids], ["x_health_score", "x_health_band", "x_scored_at"]])
    expected = {str(external): 50 + n * 7.25 for n, external in enumerate(ids)}
    assert {str(r["id"]): r["x_health_score"] for r in back} == expected
    assert {r["x_health_band"] for r in back} == {"Watch"}
    assert {r["x_scored_at"] for r in back} == {finished.strftime("%Y-%m-%d %H:%M:%S")}
    time.sleep(1.1)
    echo = sync_source(engine, source, options=NO_LOOKBACK)
    assert echo.counts["partners"].echoes == len(ids) and echo.counts["partners"].updated == 0
    assert write_back(engine, source.name, writer).planned == 0


def test_live_a_deleted_partner_is_found_by_id_reconciliation(engine: Engine, live: LiveCrm) -> None:
    source = live.source()
    sync_source(engine, source, options=NO_LOOKBACK)
    gone = live.persons[0]
    live.rpc.call("res.partner", "unlink", [[gone]])
    report = reconcile_source(engine, source)
    assert report.counts["partners"].deleted == 1
    assert str(gone) not in _rows(engine, "contacts", source.name)


def test_live_a_sync_killed_mid_run_resumes_to_what_a_clean_sync_stores(
    engine: Engine, live: LiveCrm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    send = HttpClient.send
    calls = {"n": 0, "kill": 0}

    def killing_send(self: HttpClient, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == calls["kill"]:
            raise Killed
        return send(self, *args, **kwargs)

    monkeypatch.setattr(HttpClient, "send", killing_send)
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    source = live.source(page_size=3)
    sync_source(reference, source, options=NO_LOOKBACK)  # the clean run: also counts its requests
    total = calls["n"]
    rng = random.Random(11)
    for kill in sorted(rng.sample(range(2, total + 1), 5)):
        calls["kill"] = 0
        source = live.source(page_size=3)  # a fresh process: nothing cached
        with engine.begin() as conn:
            for entity in ("customers", "contacts", "leads", "opportunities", "orders"):
                conn.execute(delete(tables.ENTITY_TABLES[entity]))
            conn.execute(delete(tables.sync_state))
        calls.update(n=1, kill=kill)  # the fresh source's version probe was request 1
        with pytest.raises(Killed):
            sync_source(engine, source, options=NO_LOOKBACK)
        sync_source(engine, source, options=NO_LOOKBACK)
        for entity in ("customers", "contacts", "leads", "opportunities", "orders"):
            got = {k: (r.name if "name" in r._fields else None) for k, r in _rows(engine, entity, source.name).items()}
            want = {k: (r.name if "name" in r._fields else None) for k, r in _rows(reference, entity, source.name).items()}
            assert got == want, f"{entity} after a kill at request {kill}"
    reference.dispose()
