"""runSync and writeBackScores: a job at once, its progress, its counts, and every refusal.

The CRM is a loopback Odoo serving the partners of the recorded Odoo 17 tour (see
tests/crmscore/test_sync_jobs.py); the API finds it through a sources file, as `crmscore sync` does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from connector.state import load_state
from connector.testing import FakeOdoo, LoopbackServer
from graphql_api import ApiSettings, create_app
from tests.crmscore.test_sync_jobs import PARTNERS, recorded_odoo, write_sources
from tests.graphql_api.conftest import Api
from tests.graphql_api.test_mutation import wait_for as wait_for_job
from tests.graphql_api.test_subscription import messages, serve, socket_for, subscribe

RUN_SYNC = """
mutation($input: RunSyncInput!) { runSync(input: $input) {
  __typename
  ... on RunSyncSuccess { started clientMutationId job { id kind status } }
  ... on MutationError { code message }
} }
"""
WRITE_BACK = """
mutation($input: WriteBackScoresInput!) { writeBackScores(input: $input) {
  __typename
  ... on WriteBackScoresSuccess { started clientMutationId job { id kind status } }
  ... on MutationError { code message }
} }
"""
JOB = "query($id: ID!) { job(id: $id) { id kind status progress message error result syncRunId requestedBy } }"


@pytest.fixture
def odoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeOdoo, LoopbackServer, Path]]:
    """The fake Odoo on loopback and a sources file naming it ``odoo``."""
    monkeypatch.setenv("TEST_ODOO_PASSWORD", "admin")
    crm = recorded_odoo()
    with LoopbackServer(crm) as server:
        yield crm, server, write_sources(tmp_path, server.url)


def settings(sources: Path) -> ApiSettings:
    return ApiSettings(served_run_ttl=0.0, count_cache_ttl=0.0, sources_file=sources)


@pytest.fixture
def api(engine: Engine, keys: dict[str, str], odoo: tuple[FakeOdoo, LoopbackServer, Path]) -> Iterator[Api]:
    with TestClient(create_app(engine, settings=settings(odoo[2]))) as client:
        yield Api(client, keys["viewer"], keys=keys)


def wait_for(api: Api, job_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_for_job(api, job_id, timeout, query=JOB)


def started(api: Api, mutation: str, **input: Any) -> dict[str, Any]:
    """Run a job mutation that must succeed; returns the job when it has finished."""
    field = "runSync" if "RunSyncInput" in mutation else "writeBackScores"
    payload = api.data(mutation, {"input": input})[field]
    assert payload["__typename"].endswith("Success"), payload
    return wait_for(api, payload["job"]["id"])


def test_run_sync_answers_with_a_job_whose_progress_streams_until_it_has_synced(
    engine: Engine, keys: dict[str, str], odoo: tuple[FakeOdoo, LoopbackServer, Path]
) -> None:
    _crm, server, sources = odoo
    server.on_request = lambda _n: time.sleep(0.1)  # a CRM at a human pace: pages arrive while we watch
    admin = {"authorization": f"Bearer {keys['admin']}"}
    with serve(engine, settings(sources)) as (host, _app), httpx2.Client(base_url=f"http://{host}", timeout=10) as http:
        answer = http.post("/graphql", json={"query": RUN_SYNC, "variables": {"input": {"source": "odoo", "clientMutationId": "s1"}}},
                           headers=admin).json()["data"]["runSync"]
        assert answer["__typename"] == "RunSyncSuccess" and answer["started"] and answer["clientMutationId"] == "s1"
        assert answer["job"]["kind"] == "sync" and answer["job"]["status"] in ("QUEUED", "RUNNING")
        job_id = answer["job"]["id"]
        updates = []
        with socket_for(host, keys["viewer"]) as ws:
            subscribe(ws, "p", "subscription($id: ID!) { jobProgress(id: $id) { status progress message } }", {"id": job_id})
            for message in messages(ws):
                if message["type"] == "complete":
                    break
                updates.append(message["payload"]["data"]["jobProgress"])
        done = http.post("/graphql", json={"query": JOB, "variables": {"id": job_id}}, headers=admin).json()["data"]["job"]
        runs = http.post("/graphql", json={"query": "{ syncRuns(first: 5) { nodes { id source status counts } } }"},
                         headers=admin).json()["data"]["syncRuns"]["nodes"]
    pages = [u["message"] for u in updates if "records read" in (u["message"] or "")]
    assert pages[-1] == f"odoo partners: {PARTNERS} records read (stream 1 of 2)" and len(pages) >= 2
    assert updates[-1]["status"] == "SUCCEEDED" and updates[-1]["progress"] == 1.0
    assert [u["progress"] for u in updates] == sorted(u["progress"] for u in updates)
    assert done["status"] == "SUCCEEDED" and done["requestedBy"] == "test admin"
    assert (done["result"]["read"], done["result"]["inserted"]) == (PARTNERS, PARTNERS)
    assert runs == [{"id": done["syncRunId"], "source": "odoo", "status": "succeeded", "counts": done["result"]["streams"]}]


def test_write_back_scores_plans_in_a_dry_run_then_writes_with_a_key_limited_to_the_source(
    api: Api, odoo: tuple[FakeOdoo, LoopbackServer, Path]
) -> None:
    crm = odoo[0]
    assert started(api.admin, RUN_SYNC, source="odoo")["status"] == "SUCCEEDED"
    scoring = api.admin.data("mutation { runScoring { ... on RunScoringSuccess { job { id } } } }")["runScoring"]["job"]
    assert wait_for(api, scoring["id"])["status"] == "SUCCEEDED"
    limited = api.as_key(api.keys["odoo admin"])
    dry = started(limited, WRITE_BACK, source="odoo", dryRun=True)
    assert crm.writes == 0
    assert dry["status"] == "SUCCEEDED" and dry["syncRunId"] is None
    assert dry["result"]["planned"] == PARTNERS and dry["message"] == f"odoo: {PARTNERS} changed record(s) would be written"
    wet = started(limited, WRITE_BACK, source="odoo", batchSize=20, clientMutationId="w1")
    assert wet["status"] == "SUCCEEDED" and wet["kind"] == "write_back" and crm.writes > 0
    assert (wet["result"]["written"], wet["result"]["batches"]) == (PARTNERS, 3)
    assert wet["message"] == f"odoo: {PARTNERS} written, 0 refused by the CRM, 0 unchanged"
    runs = api.admin.data('{ syncRuns(first: 1, source: "odoo:writeback") { nodes { id status counts } } }')
    assert runs["syncRuns"]["nodes"] == [
        {"id": wet["syncRunId"], "status": "succeeded", "counts": {"writeback": {
            "read": PARTNERS, "inserted": 0, "updated": PARTNERS, "deleted": 0, "skipped": 0, "failed": 0,
            "deferred": 0, "echoes": 0, "pages": 3}}},
    ]


def test_a_sync_whose_crm_is_unreachable_fails_its_job_and_leaves_the_cursor_for_later(
    api: Api, odoo: tuple[FakeOdoo, LoopbackServer, Path]
) -> None:
    _crm, server, _sources = odoo
    assert started(api.admin, RUN_SYNC, source="odoo", streams=["partners"])["status"] == "SUCCEEDED"
    engine = api.client.app.state.api.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        before = load_state(conn, "odoo", "partners")
    server.__exit__(None, None, None)  # the CRM goes away (the fixture's own exit is then a no-op); its URL stays
    failed = started(api.admin, RUN_SYNC, source="odoo", streams=["partners"])
    with engine.connect() as conn:
        after = load_state(conn, "odoo", "partners")
    assert failed["status"] == "FAILED"
    assert failed["error"].startswith(f"CrmUnavailable: Odoo POST /jsonrpc: connection failed on all 1 attempts; is {server.url}/ up?")
    assert (after.cursor, after.ids_at_cursor, after.window_open) == (before.cursor, before.ids_at_cursor, False)
    assert before.cursor is not None
    runs = api.data('{ syncRuns(first: 1, source: "odoo") { nodes { id status errors } } }')["syncRuns"]["nodes"]
    assert runs == [{"id": failed["syncRunId"], "status": "failed", "errors": [
        {"where": None, "row": None, "column": None, "message": failed["error"], "record_id": None},
    ]}]


def two_sources(folder: Path, url: str) -> Path:
    """A sources file naming the Odoo at ``url`` twice: as ``odoo`` and as ``other`` (two CRM instances to the API)."""
    path = write_sources(folder, url)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + text.removeprefix("sources:\n").replace("  odoo:", "  other:", 1), encoding="utf-8")
    return path


JOBS = """
query($after: String) { jobs(first: 1, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }
"""


def job_ids(api: Api) -> tuple[list[str], int]:
    """Every job the key sees, walked one page at a time, and the total it was told."""
    ids: list[str] = []
    after = None
    while True:
        page = api.data(JOBS, {"after": after})["jobs"]
        ids += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


def progress_of(api: Api, job_id: str) -> list[dict[str, Any]]:
    """What jobProgress sends this key for the job, up to its completion."""
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {api.key}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "p", "type": "subscribe",
                      "payload": {"query": "subscription($id: ID!) { jobProgress(id: $id) { id status } }", "variables": {"id": job_id}}})
        sent = []
        while (message := ws.receive_json())["type"] != "complete":
            assert message["type"] == "next", message
            sent.append(message["payload"]["data"]["jobProgress"])
        return sent


def test_a_key_limited_to_a_source_sees_that_sources_jobs_and_runs_and_the_scoring_jobs_only(
    engine: Engine, keys: dict[str, str], odoo: tuple[FakeOdoo, LoopbackServer, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    sources = two_sources(folder, odoo[1].url)
    with TestClient(create_app(engine, settings=settings(sources))) as client:
        everyone = Api(client, keys["viewer"], keys=keys)
        admin = everyone.admin
        ours = started(admin, RUN_SYNC, source="odoo")["id"]
        theirs = started(admin, RUN_SYNC, source="other")["id"]
        scoring = admin.data("mutation { runScoring { ... on RunScoringSuccess { job { id } } } }")["runScoring"]["job"]["id"]
        assert wait_for(everyone, scoring)["status"] == "SUCCEEDED"
        our_write = started(admin, WRITE_BACK, source="odoo")["id"]
        their_write = started(admin, WRITE_BACK, source="other")["id"]
        assert job_ids(everyone) == ([their_write, our_write, scoring, theirs, ours], 5)
        assert job_ids(admin) == job_ids(everyone)
        for key in ("odoo viewer", "odoo admin"):
            limited = everyone.as_key(keys[key])
            assert job_ids(limited) == ([our_write, scoring, ours], 3), key
            assert [limited.data(JOB, {"id": i})["job"] for i in (theirs, their_write)] == [None, None], key
            assert limited.data(JOB, {"id": ours})["job"]["requestedBy"] == "test admin"
        limited = everyone.as_key(keys["odoo viewer"])
        assert progress_of(limited, theirs) == [] and progress_of(limited, their_write) == []
        assert progress_of(limited, ours) == [{"id": ours, "status": "SUCCEEDED"}]
        assert progress_of(everyone, theirs) == [{"id": theirs, "status": "SUCCEEDED"}]

        def runs(api: Api, source: str | None = None) -> tuple[list[str], int]:
            page = api.data("query($s: String) { syncRuns(source: $s) { totalCount nodes { source } } }", {"s": source})["syncRuns"]
            return [n["source"] for n in page["nodes"]], page["totalCount"]

        assert runs(everyone) == (["other:writeback", "odoo:writeback", "other", "odoo"], 4)
        assert runs(limited) == (["odoo:writeback", "odoo"], 2)
        assert runs(limited, "odoo:writeback") == (["odoo:writeback"], 1)
        assert runs(limited, "odoo") == (["odoo"], 1) == runs(everyone, "odoo")
        assert runs(limited, "other") == ([], 0) == runs(limited, "other:writeback")


def codes(api: Api, mutation: str, **input: Any) -> tuple[str, str, str]:
    field = "runSync" if "RunSyncInput" in mutation else "writeBackScores"
    payload = api.data(mutation, {"input": input})[field]
    return payload["__typename"], payload["code"], payload["message"]


def test_refusals_come_back_as_typed_payloads_and_start_nothing(api: Api, engine: Engine, tmp_path: Path) -> None:
    limited = api.as_key(api.keys["odoo admin"])
    assert codes(api, RUN_SYNC, source="odoo") == ("Forbidden", "FORBIDDEN", "runSync needs an admin key; this key is a viewer")
    assert codes(api, WRITE_BACK, source="odoo")[:2] == ("Forbidden", "FORBIDDEN")
    assert codes(limited, RUN_SYNC, source="suitecrm") == (
        "Forbidden", "FORBIDDEN", "runSync: this key is limited to source 'odoo', not 'suitecrm'"
    )
    assert codes(api.admin, RUN_SYNC, source="odo") == ("NotFound", "NOT_FOUND", "there is no source named 'odo'; sources are odoo")
    assert codes(api.admin, WRITE_BACK, source="suitecrm")[:2] == ("NotFound", "NOT_FOUND")
    assert codes(api.admin, RUN_SYNC, source="odoo", streams=["partners", "invoices"]) == (
        "ValidationFailed", "VALIDATION_FAILED",
        (
            "runSync(input.streams:): source 'odoo' has no stream 'invoices'; "
            "streams are partners, crm_leads, sale_orders, sale_order_lines, campaigns"
        ),
    )
    assert codes(api.admin, RUN_SYNC, source="odoo", streams=[])[:2] == ("ValidationFailed", "VALIDATION_FAILED")
    assert codes(api.admin, RUN_SYNC, source=" ")[2] == "runSync(input.source:): give a source name"
    assert codes(api.admin, WRITE_BACK, source="odoo", batchSize=0) == (
        "ValidationFailed", "VALIDATION_FAILED", "writeBackScores(input.batchSize:): must be between 1 and 10,000, got 0"
    )
    assert api.data("{ jobs { totalCount } }")["jobs"]["totalCount"] == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources:\n  odoo:\n    kind: odoo\n    url: ftp://crm\n    database: crm\n", encoding="utf-8")
    for path, expected in ((tmp_path / "none.yaml", ("NotFound", "NOT_FOUND")), (broken, ("ValidationFailed", "VALIDATION_FAILED"))):
        with TestClient(create_app(engine, settings=settings(path))) as client:
            kind, code, message = codes(Api(client, api.keys["admin"]), RUN_SYNC, source="odoo")
        assert (kind, code) == expected
    assert "the server's sources file is invalid: " in message and "sources.odoo.url: expected an http(s) URL" in message


def test_a_second_run_sync_of_a_source_that_is_syncing_returns_the_running_job(
    api: Api, odoo: tuple[FakeOdoo, LoopbackServer, Path]
) -> None:
    odoo[1].on_request = lambda _n: time.sleep(0.2)  # the first sync is still reading when we ask again
    first = api.admin.data(RUN_SYNC, {"input": {"source": "odoo"}})["runSync"]
    again = api.admin.data(RUN_SYNC, {"input": {"source": "odoo", "full": True}})["runSync"]
    assert (first["started"], again["started"]) == (True, False)
    assert again["job"]["id"] == first["job"]["id"]
    assert wait_for(api, first["job"]["id"])["status"] == "SUCCEEDED"
    assert api.data("{ jobs { totalCount } }")["jobs"]["totalCount"] == 1
