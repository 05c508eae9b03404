"""The job runner: work runs on a thread, its progress and outcome are recorded and announced."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine

from crmscore.jobs import (
    JobFailed,
    JobRecord,
    JobReporter,
    JobRunner,
    get_job,
    list_jobs,
)


def wait(runner: JobRunner, seen: list[JobRecord], job_id: int) -> JobRecord:
    runner.shutdown(wait=True)
    record = get_job(runner.engine, job_id)
    assert record is not None
    return record


def test_a_job_reports_progress_and_records_its_result(engine: Engine) -> None:
    runner = JobRunner(engine, min_interval=0.0)
    seen: list[JobRecord] = []
    runner.add_listener(seen.append)

    def work(report: JobReporter) -> dict[str, Any]:
        report(0.25, "a quarter")
        report(0.1, "progress never goes back")
        report(None, "only a message")
        return {"answer": 42}

    queued, started = runner.submit("demo", work, params={"x": 1}, requested_by="tester")
    assert started and queued.status == "queued" and queued.requested_by == "tester"
    done = wait(runner, seen, queued.id)
    assert (done.status, done.progress, done.result, done.error) == ("succeeded", 1.0, {"answer": 42}, None)
    assert done.started_at is not None and done.finished_at is not None and done.params == {"x": 1}
    assert [(r.status, r.progress, r.message) for r in seen] == [
        ("running", 0.0, None),
        ("running", 0.25, "a quarter"),
        ("running", 0.25, "progress never goes back"),
        ("running", 0.25, "only a message"),
        ("succeeded", 1.0, "only a message"),
    ]
    assert [j.id for j in list_jobs(engine)] == [queued.id]


def test_a_failing_job_is_recorded_with_a_one_line_error_and_its_partial_result(engine: Engine) -> None:
    runner = JobRunner(engine)

    def boom(_report: JobReporter) -> None:
        raise RuntimeError("first line\n[SQL: SELECT secret]")

    def partial(_report: JobReporter) -> None:
        raise JobFailed("scoring failed", {"scoring_run_id": 7})

    first, _ = runner.submit("a", boom)
    second, _ = runner.submit("b", partial)
    runner.shutdown(wait=True)
    failed = get_job(engine, first.id)
    assert failed is not None and failed.status == "failed" and failed.error == "RuntimeError: first line"
    kept = get_job(engine, second.id)
    assert kept is not None and kept.error == "scoring failed" and kept.result == {"scoring_run_id": 7}


def test_a_job_of_a_kind_already_in_flight_is_not_started_twice(engine: Engine) -> None:
    runner = JobRunner(engine)
    release = threading.Event()
    first, started = runner.submit("scoring", lambda _r: release.wait(10) and None)
    again, started_again = runner.submit("scoring", lambda _r: None)
    other, started_other = runner.submit("sync", lambda _r: None)
    release.set()
    runner.shutdown(wait=True)
    assert started and not started_again and again.id == first.id
    assert started_other and other.id != first.id
    later = JobRunner(engine)
    after, started_after = later.submit("scoring", lambda _r: None)
    later.shutdown(wait=True)
    assert started_after and after.id not in (first.id, other.id)
