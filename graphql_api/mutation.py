"""Mutations on alerts and long jobs. Every mutation is admin-only and takes one ``input``.

Long operations return a :class:`Job` at once; follow it with ``job(id)`` or ``jobProgress(id)``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool

from crmscore.jobs import scoring_work
from graphql_api.alert_store import ACKNOWLEDGED, RESOLVED, transition
from graphql_api.alert_types import Alert
from graphql_api.context import ApiContext
from graphql_api.errors import ApiError, ErrorCode
from graphql_api.ids import decode_id
from graphql_api.payloads import (
    Forbidden,
    NotFound,
    ValidationFailed,
    admin_or_forbidden,
    not_found,
    validation_failed,
)
from graphql_api.run_types import Job
from graphql_api.sync_mutations import (
    RunSyncInput,
    RunSyncPayload,
    WriteBackScoresInput,
    WriteBackScoresPayload,
    run_sync,
    write_back_scores,
)

__all__ = ["AlertMutations", "JobMutations"]

Info = strawberry.Info[ApiContext, None]


@strawberry.input
class RunScoringInput:
    client_mutation_id: str | None = None


@strawberry.type(description="The scoring job was queued (or one already running was returned).")
class RunScoringSuccess:
    job: Job
    started: bool = strawberry.field(description="False when a scoring job was already running: that job is returned.")
    client_mutation_id: str | None = None


RunScoringPayload = Annotated[RunScoringSuccess | Forbidden, strawberry.union("RunScoringPayload")]


@strawberry.input
class AlertInput:
    id: strawberry.ID
    client_mutation_id: str | None = None


@strawberry.type
class AlertSuccess:
    alert: Alert
    client_mutation_id: str | None = None


AlertPayload = Annotated[AlertSuccess | ValidationFailed | NotFound | Forbidden, strawberry.union("AlertPayload")]


async def _move(info: Info, data: AlertInput, to: str, action: str) -> Any:
    refused = admin_or_forbidden(info, action, all_sources=False)
    if refused is not None:
        return refused
    try:
        pk = decode_id("Alert", data.id, where=f"{action}(input.id:)")
    except ApiError as exc:
        return validation_failed(exc.message)
    source = info.context.viewer().source
    record, moved = await run_in_threadpool(transition, info.context.engine, pk, to, source=source)
    if record is None:
        return not_found(f"there is no alert {data.id}")
    if not moved and record.status != to:
        return validation_failed(f"the alert is {record.status}; it cannot become {to}", code=ErrorCode.CONFLICT)
    return AlertSuccess(alert=Alert.from_record(record), client_mutation_id=data.client_mutation_id)


@strawberry.type
class AlertMutations:
    @strawberry.mutation(description="Mark an open alert as acknowledged (someone is on it). Admin keys only.")
    async def acknowledge_alert(self, info: Info, input: AlertInput) -> AlertPayload:
        return await _move(info, input, ACKNOWLEDGED, "acknowledgeAlert")  # type: ignore[no-any-return]

    @strawberry.mutation(description="Resolve an open or acknowledged alert (final). Admin keys only.")
    async def resolve_alert(self, info: Info, input: AlertInput) -> AlertPayload:
        return await _move(info, input, RESOLVED, "resolveAlert")  # type: ignore[no-any-return]


@strawberry.type
class JobMutations:
    @strawberry.mutation(
        description="Start a scoring run with the active config and return its job at once. Admin keys "
        "(not limited to a source) only."
    )
    async def run_scoring(self, info: Info, input: RunScoringInput | None = None) -> RunScoringPayload:
        refused = admin_or_forbidden(info, "runScoring", all_sources=True)
        if refused is not None:
            return refused
        state = info.context.state
        name = info.context.viewer().name
        record, started = await run_in_threadpool(lambda: state.jobs.submit("scoring", scoring_work(), requested_by=name))
        return RunScoringSuccess(
            job=Job.from_record(record),
            started=started,
            client_mutation_id=None if input is None else input.client_mutation_id,
        )

    @strawberry.mutation(
        description="Sync a source of the server's sources file into the store (as `crmscore sync`) and return its "
        "job at once. Admin keys; a key limited to a source may sync only that source."
    )
    async def run_sync(self, info: Info, input: RunSyncInput) -> RunSyncPayload:
        return await run_sync(info, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Write the current scores into a source's CRM fields (as `crmscore writeback`; only changed "
        "values) and return its job at once. Admin keys; a key limited to a source may write only to that source."
    )
    async def write_back_scores(self, info: Info, input: WriteBackScoresInput) -> WriteBackScoresPayload:
        return await write_back_scores(info, input)  # type: ignore[no-any-return]
