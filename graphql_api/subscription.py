"""Subscriptions (``graphql-transport-ws`` only): alerts as they are raised, and job progress.

Both listen on the process's event bus (Redis pub/sub when configured) *before* reading anything
from the store, so no event published in between is missed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from starlette.concurrency import run_in_threadpool

from crmscore.jobs import get_job
from graphql_api.alert_types import Alert, Severity, severity_rank
from graphql_api.context import ApiContext
from graphql_api.events import ALERTS, JOBS
from graphql_api.ids import decode_id
from graphql_api.run_types import Job

__all__ = ["Subscription"]

Info = strawberry.Info[ApiContext, None]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Alerts as scoring runs raise them (rules with an `event` action), at or above minSeverity."
    )
    async def alert_raised(self, info: Info, min_severity: Severity = Severity.INFO) -> AsyncGenerator[Alert, None]:
        ctx = info.context
        source = ctx.viewer().source
        floor = severity_rank(min_severity.value)
        async with ctx.state.bus.listen(ALERTS) as events:
            while True:
                event = await events.get()
                if severity_rank(str(event.get("severity", ""))) < floor:
                    continue
                ctx.reset_loaders()
                if source is not None:
                    customer = await ctx.customers.load(int(event["customer_id"]))
                    if customer is None:  # another source's customer
                        continue
                yield Alert.build(
                    int(event["alert_id"]),
                    int(event["customer_id"]),
                    str(event["rule"]),
                    str(event["severity"]),
                    str(event["message"]),
                    "open",
                    datetime.fromisoformat(str(event["raised_at"])),
                    event.get("run_id"),
                )

    @strawberry.subscription(
        description="A job's state now, then each change until it has finished. Completes at once, sending nothing, "
        "for an unknown job or one this key may not see (see Query.jobs)."
    )
    async def job_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Job, None]:
        ctx = info.context
        limit = ctx.viewer().source
        pk = decode_id("Job", id, where="jobProgress(id:)")
        async with ctx.state.bus.listen(JOBS) as events:
            record = await run_in_threadpool(lambda: get_job(ctx.engine, pk, source=limit))
            if record is None:  # unknown, or another source's: the same answer, so ids reveal nothing
                return
            yield Job.from_record(record)
            if record.finished:
                return
            while True:
                event = await events.get()
                if int(event.get("id", -1)) != pk:
                    continue
                job = Job.from_payload(event)
                yield job
                if job.status.value in ("succeeded", "failed"):
                    return
