"""Scoring runs, CRM sync runs and background jobs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from crmscore.jobs import JobRecord
from graphql_api.ids import encode_id

__all__ = ["Job", "JobStatus", "ScoringRun", "SyncRun", "first_line"]


def first_line(error: str | None) -> str | None:
    """Errors are shown as one line: drivers put the SQL statement on the lines after it."""
    if error is None:
        return None
    return (error.strip().splitlines() or [""])[0][:500]


@strawberry.type(description="One execution of the scoring pipeline.")
class ScoringRun:
    id: strawberry.ID
    status: str = strawberry.field(description="running, succeeded or failed.")
    config_version: int = strawberry.field(description="Id of the config version it used.")
    as_of: datetime = strawberry.field(description="The moment the data was scored as of (UTC).")
    started_at: datetime
    finished_at: datetime | None
    customers_scored: int
    error: str | None = strawberry.field(description="The first line of the error of a failed run.")
    churn_model_version: int | None = strawberry.field(
        default=None, description="The churn model the run applied; null: none (churnNote says why)."
    )
    churn_note: str | None = strawberry.field(
        default=None, description="Churn risk in this run: which model rated how many customers, or why none did."
    )

    @classmethod
    def from_record(cls, rec: Any) -> ScoringRun:
        """From a ``scoring_runs`` row or the pipeline's ``ScoringRunRecord`` (same names)."""
        return cls(
            id=strawberry.ID(encode_id("ScoringRun", rec.id)),
            status=rec.status,
            config_version=rec.config_version_id,
            as_of=rec.as_of,
            started_at=rec.started_at,
            finished_at=rec.finished_at,
            customers_scored=rec.customers_scored,
            error=first_line(rec.error),
            churn_model_version=getattr(rec, "churn_model_version", None),
            churn_note=getattr(rec, "churn_note", None),
        )


@strawberry.type(description="One load of a source (a CRM sync or a file load) into the store.")
class SyncRun:
    id: strawberry.ID
    source: str
    status: str = strawberry.field(description="running, succeeded or failed.")
    started_at: datetime
    finished_at: datetime | None
    counts: JSON = strawberry.field(
        description="Counts keyed by what was read. A file load: per entity (`customers`, `orders`, ...) with "
        "`read inserted updated skipped`. A CRM sync: per stream (`partners`, `accounts`, ...) with `read inserted "
        "updated deleted skipped failed deferred echoes pages`. A write-back (source `<source>:writeback`): one key "
        "`writeback` with `read` (changed records planned), `updated` (written), `failed` (refused by the CRM), "
        "`skipped` (unchanged) and `pages` (batches)."
    )
    error_count: int = strawberry.field(description="How many record errors (data-quality problems) it reported.")
    errors: JSON = strawberry.field(description="The first record errors: where, and what is wrong.")

    @classmethod
    def from_row(cls, row: Any, *, max_errors: int = 100) -> SyncRun:
        errors = list(row.errors or [])
        return cls(
            id=strawberry.ID(encode_id("SyncRun", row.id)),
            source=row.source,
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            counts=row.counts or {},
            error_count=len(errors),
            errors=errors[:max_errors],
        )


@strawberry.enum
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@strawberry.type(description="A long operation started through the API; follow it with job(id) or jobProgress(id).")
class Job:
    pk: strawberry.Private[int]
    id: strawberry.ID
    kind: str = strawberry.field(description="scoring, sync or write_back.")
    status: JobStatus
    progress: float = strawberry.field(description="0..1.")
    message: str | None = strawberry.field(description="What it is doing now.")
    error: str | None
    result: JSON = strawberry.field(description="What it produced, e.g. {scoring_run_id} (raw ids).")
    requested_by: str | None = strawberry.field(description="The name of the API key that started it.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @strawberry.field(description="The scoring run a scoring job recorded (also when it failed).")
    def scoring_run_id(self) -> strawberry.ID | None:
        run = self.result.get("scoring_run_id") if isinstance(self.result, dict) else None
        return strawberry.ID(encode_id("ScoringRun", int(run))) if isinstance(run, int) else None

    @strawberry.field(
        description="The run a sync or write-back job recorded (also when it failed), as listed by syncRuns; "
        "write-back runs have the source `<source>:writeback`. Null for a dry run or when nothing had to be written."
    )
    def sync_run_id(self) -> strawberry.ID | None:
        run = self.result.get("sync_run_id") if isinstance(self.result, dict) else None
        return strawberry.ID(encode_id("SyncRun", int(run))) if isinstance(run, int) else None

    @classmethod
    def from_record(cls, r: JobRecord) -> Job:
        return cls(
            pk=r.id,
            id=strawberry.ID(encode_id("Job", r.id)),
            kind=r.kind,
            status=JobStatus(r.status),
            progress=r.progress,
            message=r.message,
            error=first_line(r.error),
            result=r.result,
            requested_by=r.requested_by,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Job:
        """From a ``jobs`` event (a JobRecord as JSON)."""

        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(p[key]) if p.get(key) else None

        return cls.from_record(
            JobRecord(
                id=int(p["id"]),
                kind=p["kind"],
                status=p["status"],
                progress=float(p["progress"]),
                message=p.get("message"),
                params=p.get("params") or {},
                result=p.get("result") or {},
                error=p.get("error"),
                requested_by=p.get("requested_by"),
                created_at=when("created_at") or datetime.fromisoformat(p["created_at"]),
                started_at=when("started_at"),
                finished_at=when("finished_at"),
            )
        )
