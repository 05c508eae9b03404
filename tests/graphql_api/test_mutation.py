"""runScoring returns a job at once; the job runs the pipeline and records the run it made."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from graphql_api.ids import decode_id
from store import tables
from store.upsert import upsert
from tests.graphql_api.conftest import Api


@pytest.fixture
def api(fresh_api: Api) -> Api:
    """Every test here writes: each gets a store of its own."""
    return fresh_api


T0 = datetime(2025, 3, 1, tzinfo=UTC)

RUN = """
mutation { runScoring(input: {clientMutationId: "m1"}) {
  __typename
  ... on RunScoringSuccess { started clientMutationId job { id kind status progress createdAt requestedBy } }
} }
"""
JOB = """
query($id: ID!) { job(id: $id) { id kind status progress message error scoringRunId startedAt finishedAt } }
"""


def ago(days: int) -> datetime:
    return T0 - timedelta(days=days)


def seed_activity(seed: Any) -> None:
    """A little of everything the pipeline reads, for four customers (one without any activity)."""
    seed.customers([{"external_id": f"r{i}", "name": f"Run {i}"} for i in range(4)])
    orders = [
        {
            "external_id": f"o{i}-{n}",
            "customer_external_id": f"r{i}",
            "kind": "order",
            "ordered_at": ago(30 * n + 7 * i),
            "amount": 100.0 * (i + 1),
            "currency": "EUR",
            "status": "paid",
        }
        for i in range(3)
        for n in range(i + 1)
    ]
    survey = {
        "external_id": "s0",
        "customer_external_id": "r0",
        "survey": "nps",
        "score": 9.0,
        "scale_min": 0.0,
        "scale_max": 10.0,
        "responded_at": ago(5),
    }
    with seed.engine.begin() as conn:
        for table, batch in ((tables.orders, orders), (tables.survey_responses, [survey])):
            upsert(conn, table, [{"source": "crm", **row} for row in batch])


def wait_for(api: Any, job_id: str, timeout: float = 60, *, query: str = JOB) -> dict[str, Any]:
    """The job once it has finished, read with ``query`` (a ``job(id:)`` query) until then."""
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = api.data(query, {"id": job_id})["job"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def stored_run(engine: Engine, run_id: str) -> Any:
    pk = decode_id("ScoringRun", run_id, where="test")
    with engine.connect() as conn:
        return conn.execute(select(tables.scoring_runs).where(tables.scoring_runs.c.id == pk)).one()


def test_run_scoring_returns_a_job_at_once_that_runs_the_pipeline(api: Any, engine: Engine, seed: Any) -> None:
    seed_activity(seed)
    started = time.perf_counter()
    payload = api.admin.data(RUN)["runScoring"]
    assert time.perf_counter() - started < 2
    assert payload["__typename"] == "RunScoringSuccess" and payload["clientMutationId"] == "m1"
    job = payload["job"]
    assert job["kind"] == "scoring" and job["status"] in ("QUEUED", "RUNNING", "SUCCEEDED")
    assert job["requestedBy"] == "test admin"
    done = wait_for(api, job["id"])
    assert done["status"] == "SUCCEEDED" and done["progress"] == 1.0 and done["error"] is None
    row = stored_run(engine, done["scoringRunId"])
    assert row.status == "succeeded"
    latest = api.data("{ latestScoringRun(onlySucceeded: true) { id customersScored } }")["latestScoringRun"]
    assert latest == {"id": done["scoringRunId"], "customersScored": row.customers_scored}
    scored = api.data("{ customers(filter: {healthScore: {isNull: false}}) { totalCount } }")
    assert scored["customers"]["totalCount"] == row.customers_scored > 0
    runs = api.data("{ scoringRuns(first: 5) { totalCount nodes { id status } } jobs { totalCount nodes { id } } }")
    assert runs["scoringRuns"]["nodes"] == [{"id": done["scoringRunId"], "status": "succeeded"}]
    assert runs["jobs"]["nodes"] == [{"id": job["id"]}]


def test_a_failing_scoring_job_records_the_failed_run_and_a_one_line_error(api: Any, engine: Engine, seed: Any) -> None:
    seed_activity(seed)
    with engine.begin() as conn:  # the pipeline can score, then cannot store the results
        conn.execute(text("DROP TABLE indicator_values"))
    job = wait_for(api, api.admin.data(RUN)["runScoring"]["job"]["id"])
    assert job["status"] == "FAILED"
    assert "indicator_values" in job["error"] and "\n" not in job["error"] and "INSERT" not in job["error"]
    row = stored_run(engine, job["scoringRunId"])
    assert row.status == "failed"
    run = api.data("{ latestScoringRun { status error } }")["latestScoringRun"]
    assert run["status"] == "failed" and "\n" not in run["error"]
