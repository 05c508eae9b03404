"""Sync and write-back as jobs, against a loopback Odoo serving partners copied from the recorded Odoo 17 tour.

The jobs run on a real :class:`JobRunner` over the real store; the fake Odoo answers in the recorded
shapes. Faults are injected as an HTTP 503 from the proxy in front of the CRM, never as a made-up
CRM answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connector.state import load_state
from connector.testing import FakeClock, FakeOdoo, LoopbackServer
from connector.testing.loopback import Reply
from crmscore.jobs import JobRecord, JobRunner, get_job
from crmscore.pipeline import run_scoring
from crmscore.sync_jobs import (
    NoSourcesFile,
    UnknownSource,
    find_source,
    stream_names,
    sync_options,
    sync_work,
    writeback_batch_size,
    writeback_work,
)
from store import tables

RECORDINGS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "recordings" / "odoo17"
PARTNERS = 47  # recorded search_read pages 15, 16 and 17


def recorded(seq: int) -> Any:
    """The parsed response body of one recorded Odoo 17 exchange."""
    with (RECORDINGS / "exchanges.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            exchange = json.loads(line)
            if exchange["seq"] == seq:
                return json.loads(exchange["response"]["body"]["string"])
    raise LookupError(seq)


def recorded_odoo() -> FakeOdoo:
    """A fake Odoo holding the 47 recorded partners as customers, modified over the last hour."""
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=1))
    crm = FakeOdoo(clock, field_types={name: info["type"] for name, info in recorded(8)["result"].items()})
    for seq in (15, 16, 17):
        for row in recorded(seq)["result"]:
            # The copies are customers: a recorded parent id would point at a partner of another page.
            crm.add({k: v for k, v in row.items() if k not in ("id", "write_date", "parent_id")}, modified=clock.advance())
    return crm


def write_sources(folder: Path, url: str) -> Path:
    """A sources file with one Odoo source at ``url``: pages of 10, no retries (a failure is final)."""
    path = folder / "sources.yaml"
    path.write_text(f"""sources:
  odoo:
    kind: odoo
    url: {url}
    database: crm
    login: admin
    password_env: TEST_ODOO_PASSWORD
    page_size: 10
    retries: 0
    timeout_seconds: 5
    streams:
      sale_orders: {{enabled: false}}
      sale_order_lines: {{enabled: false}}
      campaigns: {{enabled: false}}
""", encoding="utf-8")
    return path


@pytest.fixture
def odoo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ODOO_PASSWORD", "admin")


def run(engine: Engine, kind: str, work: Any) -> tuple[JobRecord, list[JobRecord]]:
    """Run one job to its end; returns the finished job and every change its listeners saw."""
    runner = JobRunner(engine, min_interval=0.0)
    seen: list[JobRecord] = []
    runner.add_listener(seen.append)
    queued, _ = runner.submit(kind, work)
    runner.shutdown(wait=True)
    done = get_job(engine, queued.id)
    assert done is not None
    return done, seen


def sync_run(engine: Engine, run_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.id == run_id)).one()


def test_a_sync_job_reports_each_page_and_records_the_sync_run(engine: Engine, tmp_path: Path, odoo_password: None) -> None:
    crm = recorded_odoo()
    with LoopbackServer(crm) as server:
        config = find_source(write_sources(tmp_path, server.url), "odoo")
        job, seen = run(engine, "sync", sync_work(config))
    assert job.status == "succeeded", job.error
    result = job.result
    assert (result["read"], result["inserted"], result["updated"]) == (PARTNERS, PARTNERS, 0)
    assert result["streams"]["partners"]["pages"] == 5
    assert result["errors"] == ["crm_leads: Odoo has no model crm.lead (is its app installed?): stream crm_leads skipped"]
    row = sync_run(engine, result["sync_run_id"])
    assert (row.source, row.status, row.counts["partners"]["inserted"]) == ("odoo", "succeeded", PARTNERS)
    pages = [r.message for r in seen if r.message and "records read" in r.message]
    assert pages == [f"odoo partners: {n} records read (stream 1 of 2)" for n in (10, 20, 30, 40, 47)]
    running = [r.progress for r in seen if r.status == "running"]
    assert running == sorted(running) and 0 < running[-1] < 1


def test_a_sync_that_fails_midway_is_recorded_failed_and_the_next_one_resumes(
    engine: Engine, tmp_path: Path, odoo_password: None
) -> None:
    crm = recorded_odoo()
    front = FailingProxy(crm)
    with LoopbackServer(front) as server:
        config = find_source(write_sources(tmp_path, server.url), "odoo")
        assert run(engine, "sync", sync_work(config))[0].status == "succeeded"
        crm.clock.advance(timedelta(minutes=2))
        for rid in sorted(crm.records)[:25]:  # salespeople edit 25 partners: three pages of changes
            crm.touch(rid, {"name": f"{crm.records[rid]['name']} (edited)"})
        front.fail_after_pages = 1  # the CRM's proxy answers 503 from the second page on
        failed, _ = run(engine, "sync", sync_work(config, streams=["partners"]))
        with engine.connect() as conn:
            state = load_state(conn, "odoo", "partners")
        front.fail_after_pages = None
        resumed, _ = run(engine, "sync", sync_work(config, streams=["partners"]))
    assert failed.status == "failed"
    assert failed.error.startswith("CrmUnavailable: Odoo POST /jsonrpc: HTTP 503") and server.url in failed.error
    run_row = sync_run(engine, failed.result["sync_run_id"])
    assert run_row.status == "failed" and "HTTP 503" in run_row.errors[-1]["message"]
    assert state.window_open  # the stored page is kept and the window stays open to be resumed
    assert resumed.status == "succeeded"
    with engine.connect() as conn:
        names = conn.execute(select(tables.customers.c.name)).scalars().all()
    assert len(names) == PARTNERS and sum(n.endswith("(edited)") for n in names) == 25


class FailingProxy:
    """The fake Odoo behind a proxy that answers 503 once ``fail_after_pages`` search_read pages went through."""

    def __init__(self, crm: FakeOdoo) -> None:
        self.crm = crm
        self.fail_after_pages: int | None = None
        self.pages = 0

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, headers: dict[str, str]) -> Reply:
        if self.fail_after_pages is not None and b'"search_read"' in body:
            if self.pages >= self.fail_after_pages:
                return Reply(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
            self.pages += 1
        return self.crm.handle(method, path, query, body, headers)


def test_a_write_back_job_plans_in_a_dry_run_then_writes_only_what_changed(
    engine: Engine, tmp_path: Path, odoo_password: None
) -> None:
    crm = recorded_odoo()
    with LoopbackServer(crm) as server:
        config = find_source(write_sources(tmp_path, server.url), "odoo")
        assert run(engine, "sync", sync_work(config))[0].status == "succeeded"
        run_scoring(engine)
        dry, _ = run(engine, "write_back", writeback_work(config, dry_run=True))
        assert crm.writes == 0
        wet, seen = run(engine, "write_back", writeback_work(config, batch_size=20))
        again, _ = run(engine, "write_back", writeback_work(config))
    assert dry.status == "succeeded" and dry.result["dry_run"] and dry.result["sync_run_id"] is None
    assert dry.result["planned"] == PARTNERS and len(dry.result["changes"]) == PARTNERS
    first = dry.result["changes"][0]
    assert set(first["fields"]) >= {"x_health_score", "x_health_band", "x_scored_at"}
    assert wet.status == "succeeded"
    assert (wet.result["written"], wet.result["failed"], wet.result["batches"]) == (PARTNERS, 0, 3)
    assert [r.message for r in seen if r.message and "records sent" in r.message] == [
        f"odoo: {n} of {PARTNERS} records sent" for n in (20, 40, 47)
    ]
    row = sync_run(engine, wet.result["sync_run_id"])
    assert (row.source, row.status, row.counts["writeback"]["updated"]) == ("odoo:writeback", "succeeded", PARTNERS)
    stored = crm.records[int(first["external_id"])]
    assert stored["x_health_score"] == first["fields"]["x_health_score"]
    assert (again.result["planned"], again.result["unchanged"]) == (0, PARTNERS)  # nothing changed since


def unreachable_odoo(folder: Path) -> tuple[str, Path]:
    """The URL of a loopback Odoo that has shut down (its port is closed) and a sources file naming it."""
    with LoopbackServer(recorded_odoo()) as server:
        url = server.url
    return url, write_sources(folder, url)


def all_sync_runs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(tables.sync_runs).order_by(tables.sync_runs.c.id)))


def test_a_write_back_whose_crm_is_unreachable_fails_with_a_one_line_error_and_records_the_failed_run(
    engine: Engine, tmp_path: Path, odoo_password: None
) -> None:
    url, sources = unreachable_odoo(tmp_path)
    config = find_source(sources, "odoo")
    job, _ = run(engine, "write_back", writeback_work(config))
    assert job.status == "failed"
    assert job.error == (f"CrmUnavailable: Odoo POST /jsonrpc: connection failed on all 1 attempts; is {url}/ up? "
                         "(retries wait with backoff and honour Retry-After)")
    (row,) = all_sync_runs(engine)
    assert job.result == {"source": "odoo", "sync_run_id": row.id}
    assert (row.source, row.status, row.counts) == ("odoo:writeback", "failed", {})
    assert row.finished_at is not None and [e["message"] for e in row.errors] == [job.error]


def test_a_dry_run_write_back_whose_crm_is_unreachable_records_no_run(
    engine: Engine, tmp_path: Path, odoo_password: None
) -> None:
    _url, sources = unreachable_odoo(tmp_path)
    job, _ = run(engine, "write_back", writeback_work(find_source(sources, "odoo"), dry_run=True))
    assert job.status == "failed" and job.error.startswith("CrmUnavailable: ")
    assert job.result == {"source": "odoo", "sync_run_id": None} and all_sync_runs(engine) == []


def test_a_sync_whose_crm_is_unreachable_at_connect_time_records_a_failed_sync_run(
    engine: Engine, tmp_path: Path, odoo_password: None
) -> None:
    url, sources = unreachable_odoo(tmp_path)
    job, seen = run(engine, "sync", sync_work(find_source(sources, "odoo")))
    assert job.status == "failed"
    assert job.error.startswith(f"CrmUnavailable: Odoo POST /jsonrpc: connection failed on all 1 attempts; is {url}/ up?")
    (row,) = all_sync_runs(engine)
    assert job.result == {"source": "odoo", "sync_run_id": row.id}
    assert (row.source, row.status, row.counts) == ("odoo", "failed", {})
    assert row.finished_at is not None and [e["message"] for e in row.errors] == [job.error]
    assert seen[-1].result["sync_run_id"] == row.id  # listeners (jobProgress) hear of the run too


def test_sources_are_found_by_name_with_errors_that_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NoSourcesFile, match="no sources file; copy configs/sources/example.yaml"):
        find_source(tmp_path / "missing.yaml", "odoo")
    path = write_sources(tmp_path, "http://127.0.0.1:9")
    with pytest.raises(UnknownSource, match=r"no source named 'odo' \(did you mean 'odoo'\?\); sources are odoo") as caught:
        find_source(path, "odo")
    assert (caught.value.name, caught.value.known) == ("odo", ["odoo"])


def test_options_follow_the_source_and_the_callers_choices(tmp_path: Path) -> None:
    config = find_source(write_sources(tmp_path, "http://127.0.0.1:9"), "odoo")
    assert stream_names(config) == ["partners", "crm_leads", "sale_orders", "sale_order_lines", "campaigns"]
    options = sync_options(config, full=True, streams=["partners"], reconcile=False)
    assert (options.full, options.streams, options.reconcile, options.lookback) == (True, ("partners",), "never", timedelta(seconds=60))
    assert sync_options(config).reconcile == "auto" and sync_options(config, reconcile=True).reconcile == "always"
    assert (writeback_batch_size(config, None), writeback_batch_size(config, 7)) == (100, 7)

