"""``runSync`` and ``writeBackScores``: start a CRM sync or a write-back of scores as a job.

Who may: admin keys only; an admin key limited to a source may sync and write back *that* source
and no other (both touch only the source's own rows and its own CRM), while ``runScoring`` and the
config mutations stay with unlimited admins because they change every source's scores. The source
limit is checked before the source is looked up, so a limited key learns nothing about the names
of other sources.

The sources file is read on every call (it is small, and an admin editing it should not have to
restart the API); the CRM is only contacted by the job. The work itself lives in
``crmscore.sync_jobs``, shared with ``crmscore sync`` and ``crmscore writeback``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool

from connector.sources_config import SourceConfig
from crmscore.sync_jobs import (
    MAX_BATCH_SIZE,
    NoSourcesFile,
    SourcesError,
    UnknownSource,
    find_source,
    stream_names,
    sync_work,
    writeback_work,
)
from graphql_api.context import ApiContext
from graphql_api.payloads import (
    Forbidden,
    NotFound,
    ValidationFailed,
    admin_or_forbidden,
    not_found,
    validation_failed,
)
from graphql_api.run_types import Job

__all__ = [
    "RunSyncInput",
    "RunSyncPayload",
    "RunSyncSuccess",
    "WriteBackScoresInput",
    "WriteBackScoresPayload",
    "WriteBackScoresSuccess",
    "run_sync",
    "write_back_scores",
]

Info = strawberry.Info[ApiContext, None]


@strawberry.input(description="Which source to sync, and how (the options of `crmscore sync`).")
class RunSyncInput:
    source: str = strawberry.field(description="A source name of the server's sources file.")
    full: bool = strawberry.field(
        default=False, description="Forget the cursor, read everything again and check for deletions."
    )
    streams: list[str] | None = strawberry.field(
        default=None, description="Only these streams (e.g. `partners`); null for every enabled stream."
    )
    reconcile: bool | None = strawberry.field(
        default=None,
        description="Check for deleted records now (true) or not this time (false); null: when the source's "
        "`reconcile_every_hours` has passed.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The sync job was queued (or the one already running for this source was returned).")
class RunSyncSuccess:
    job: Job
    started: bool = strawberry.field(description="False when this source was already syncing: that job is returned.")
    client_mutation_id: str | None = None


RunSyncPayload = Annotated[RunSyncSuccess | ValidationFailed | NotFound | Forbidden, strawberry.union("RunSyncPayload")]


@strawberry.input(description="Which source's CRM to write the current scores into (the options of `crmscore writeback`).")
class WriteBackScoresInput:
    source: str = strawberry.field(description="A source name of the server's sources file.")
    dry_run: bool = strawberry.field(
        default=False, description="Plan only: the job's result lists what would be written; nothing is sent."
    )
    batch_size: int | None = strawberry.field(
        default=None, description=f"Records per batch, 1..{MAX_BATCH_SIZE:,}; null: the source's `writeback.batch_size` (100)."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The write-back job was queued (or the one already running for this source was returned).")
class WriteBackScoresSuccess:
    job: Job
    started: bool = strawberry.field(description="False when this source was already being written: that job is returned.")
    client_mutation_id: str | None = None


WriteBackScoresPayload = Annotated[
    WriteBackScoresSuccess | ValidationFailed | NotFound | Forbidden, strawberry.union("WriteBackScoresPayload")
]


async def _source(info: Info, action: str, name: str) -> Any:
    """The source's config, or the payload error that says why there is none."""
    if not name.strip():
        return validation_failed(f"{action}(input.source:): give a source name")
    path = info.context.settings.sources_file
    try:
        return await run_in_threadpool(find_source, path, name)
    except UnknownSource as exc:
        return not_found(f"there is no source named {exc.name!r}; sources are {', '.join(exc.known) or 'none'}")
    except NoSourcesFile:
        return not_found(f"there is no source named {name!r}: the server has no sources file (CRMSCORE_SOURCES)")
    except SourcesError as exc:  # the server's file is wrong: say where, for the admin who edits it
        return validation_failed(f"the server's sources file is invalid: {exc}")


async def run_sync(info: Info, data: RunSyncInput) -> Any:
    refused = admin_or_forbidden(info, "runSync", source=data.source)
    if refused is not None:
        return refused
    config = await _source(info, "runSync", data.source)
    if not isinstance(config, SourceConfig):
        return config
    streams = tuple(dict.fromkeys(data.streams or ()))
    if data.streams is not None and not streams:
        return validation_failed("runSync(input.streams:): name at least one stream, or leave it out for all of them")
    known = stream_names(config)
    unknown = [s for s in streams if s not in known]
    if unknown:
        return validation_failed(
            f"runSync(input.streams:): source {config.name!r} has no stream {', '.join(map(repr, unknown))}; "
            f"streams are {', '.join(known)}"
        )
    params = {"source": config.name, "full": data.full, "streams": list(streams), "reconcile": data.reconcile}
    work = sync_work(config, full=data.full, streams=streams, reconcile=data.reconcile)
    return await _submit(info, "sync", config.name, work, params, data.client_mutation_id, RunSyncSuccess)


async def write_back_scores(info: Info, data: WriteBackScoresInput) -> Any:
    refused = admin_or_forbidden(info, "writeBackScores", source=data.source)
    if refused is not None:
        return refused
    if data.batch_size is not None and not 1 <= data.batch_size <= MAX_BATCH_SIZE:
        return validation_failed(
            f"writeBackScores(input.batchSize:): must be between 1 and {MAX_BATCH_SIZE:,}, got {data.batch_size}"
        )
    config = await _source(info, "writeBackScores", data.source)
    if not isinstance(config, SourceConfig):
        return config
    params = {"source": config.name, "dry_run": data.dry_run, "batch_size": data.batch_size}
    work = writeback_work(config, dry_run=data.dry_run, batch_size=data.batch_size)
    return await _submit(info, "write_back", config.name, work, params, data.client_mutation_id, WriteBackScoresSuccess)


async def _submit(info: Info, kind: str, source: str, work: Any, params: dict[str, Any], mutation_id: str | None, success: Any) -> Any:
    """Queue the job; one job of a kind per source runs at a time in this process."""
    jobs = info.context.state.jobs
    name = info.context.viewer().name
    record, started = await run_in_threadpool(
        lambda: jobs.submit(kind, work, params=params, requested_by=name, dedupe_key=f"{kind}:{source}")
    )
    return success(job=Job.from_record(record), started=started, client_mutation_id=mutation_id)
