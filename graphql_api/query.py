"""The root Query type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool

from crmscore.jobs import count_jobs, get_job, list_jobs
from graphql_api.alert_store import count_alerts, fetch_alert, fetch_alert_page
from graphql_api.alert_types import Alert, AlertStatus, Severity
from graphql_api.config_types import (
    Band,
    ConfigVersion,
    IndicatorDefinition,
    Scorecard,
    Segment,
    definitions_of,
    segments_of,
)
from graphql_api.context import ApiContext
from graphql_api.cursors import (
    Cursor,
    decode_cursor,
    decode_id_cursor,
    encode_cursor,
    encode_id_cursor,
)
from graphql_api.errors import bad_user_input
from graphql_api.filters import CustomerFilter, compile_customer_filter
from graphql_api.ids import decode_id
from graphql_api.kpis import (
    CAMPAIGN_ROI_DESCRIPTION,
    COHORT_RETENTION_DESCRIPTION,
    PORTFOLIO_KPIS_DESCRIPTION,
    CampaignRoi,
    Cohort,
    PeriodKpis,
    resolve_campaign_roi,
    resolve_cohort_retention,
    resolve_portfolio_kpis,
)
from graphql_api.objects import Customer, CustomerConnection, CustomerEdge
from graphql_api.ordering import CustomerOrderBy, sort_spec
from graphql_api.pagination import Connection, Edge, PageInfo, PageSize, page_size
from graphql_api.portfolio import Portfolio
from graphql_api.predictive import (
    AbTestResult,
    BacktestResult,
    resolve_ab_test,
    resolve_backtest,
)
from graphql_api.reads import fetch_customer_page, fetch_customers
from graphql_api.run_reads import (
    count_rows,
    count_sync_runs,
    fetch_latest_run,
    fetch_scoring_runs,
    fetch_sync_runs,
    sync_run_sources,
)
from graphql_api.run_types import Job, ScoringRun, SyncRun
from store.tables import scoring_runs

__all__ = ["Query", "Viewer"]

Info = strawberry.Info[ApiContext, None]
T = TypeVar("T")
After = Annotated[str | None, strawberry.argument(description="endCursor of the previous page.")]


@strawberry.type(description="The API key making the request.")
class Viewer:
    name: str
    role: str = strawberry.field(description="viewer or admin.")
    source: str | None = strawberry.field(description="The only source this key sees; null for all.")


async def _id_page(
    kind: str,
    first: int | None,
    after: str | None,
    where: str,
    fetch: Callable[[int | None, int], list[Any]],
    build: Callable[[Any], T],
    pk: Callable[[Any], int],
    counter: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """A newest-first page of a list keyed by id (alerts, runs, jobs)."""
    size = page_size(first, where)
    before = None if after is None else decode_id_cursor(after, kind=kind, where=f"{where}(after:)")
    rows = await run_in_threadpool(fetch, before, size + 1)
    edges = [Edge(cursor=encode_id_cursor(kind, pk(r)), node=build(r)) for r in rows[:size]]
    info = PageInfo.of([e.cursor for e in edges], more=len(rows) > size, after=after)
    return Connection(edges=edges, page_info=info, counter=counter)


async def _active_config(info: Info) -> Any | None:
    from crmscore.config_versions import active_version
    from scoring.config import ScoringConfig

    def load() -> Any | None:
        with info.context.engine.connect() as conn:
            version = active_version(conn)
        return None if version is None else ScoringConfig.from_dict(version.body)

    return await run_in_threadpool(load)


@strawberry.type
class Query:
    @strawberry.field(description="Who is asking: the API key's name, role and source limit.")
    def viewer(self, info: Info) -> Viewer:
        p = info.context.viewer()
        return Viewer(name=p.name, role=p.role, source=p.source)

    @strawberry.field(description="Customers with their scores, filtered, sorted and paginated, with aggregates.")
    async def customers(
        self,
        info: Info,
        first: PageSize = 20,
        after: After = None,
        filter_: Annotated[CustomerFilter | None, strawberry.argument(name="filter")] = None,
        order_by: CustomerOrderBy | None = None,
    ) -> CustomerConnection:
        ctx = info.context
        size = page_size(first, "customers")
        spec = sort_spec(order_by)
        cursor = None
        if after is not None:
            cursor = decode_cursor(after, ordering=spec.name, numeric=spec.numeric, where="customers(after:)")
            if cursor.run_id is not None:
                pinned = await run_in_threadpool(ctx.state.pinned_run, cursor.run_id)
                if pinned is None:
                    raise bad_user_input("customers(after:)", "the scoring run this cursor was issued for is gone; start from the first page")
                ctx.pin_run(pinned)
        served = await ctx.served_run()
        where = compile_customer_filter(filter_, served.run_id, sources=ctx.sources)
        run_id = served.run_id

        def page() -> list[Any]:
            unscored = ctx.state.unscored(run_id) if run_id is not None and spec.name == "HEALTH_SCORE" else None
            return fetch_customer_page(ctx.engine, run_id, where, spec, cursor, size + 1, unscored)

        records = await run_in_threadpool(page)
        edges = [
            CustomerEdge(node=Customer.from_record(rec), position=Cursor(spec.name, rec.sort_value, rec.pk, served.run_id))
            for rec in records[:size]
        ]
        ends = [encode_cursor(e.position) for e in edges[:1] + edges[1:][-1:]]  # the first and the last
        page_info = PageInfo.of(ends, more=len(records) > size, after=after)
        return CustomerConnection(edges=edges, page_info=page_info, run_id=served.run_id, where=where)

    @strawberry.field(description="One customer by its global id; null when there is none (or the key may not see it).")
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        pk = decode_id("Customer", id, where="customer(id:)")
        served = await info.context.served_run()
        found = await run_in_threadpool(fetch_customers, info.context.engine, served.run_id, [pk], info.context.source_limit())
        return Customer.from_record(found[pk]) if pk in found else None

    @strawberry.field(description="Portfolio KPIs over every customer this key may see.")
    def portfolio(self, info: Info) -> Portfolio:
        info.context.viewer()
        return Portfolio()

    portfolio_kpis: list[PeriodKpis] = strawberry.field(resolver=resolve_portfolio_kpis, description=PORTFOLIO_KPIS_DESCRIPTION)
    campaign_roi: list[CampaignRoi] = strawberry.field(resolver=resolve_campaign_roi, description=CAMPAIGN_ROI_DESCRIPTION)
    cohort_retention: list[Cohort] = strawberry.field(resolver=resolve_cohort_retention, description=COHORT_RETENTION_DESCRIPTION)

    backtest: BacktestResult = strawberry.field(
        resolver=resolve_backtest,
        description="How well a config's health score at a past date ranked the customers who churned in the "
        "horizon after it (ROC AUC, churn per band), with suggested weights as a draft that is never applied.",
    )
    ab_test: AbTestResult = strawberry.field(
        resolver=resolve_ab_test,
        description="Compare a treatment group with a control group on retention, revenue and score change "
        "over a window: tests, confidence intervals and a plain-words verdict.",
    )

    @strawberry.field(description="Alerts, newest first.")
    async def alerts(
        self,
        info: Info,
        first: PageSize = 20,
        after: After = None,
        status: list[AlertStatus] | None = None,
        min_severity: Severity | None = None,
        rule: str | None = None,
        customer_id: strawberry.ID | None = None,
    ) -> Connection[Alert]:
        ctx = info.context
        source = ctx.viewer().source
        filters = {
            "statuses": None if status is None else [s.value.lower() for s in status],
            "min_severity": None if min_severity is None else min_severity.value.lower(),
            "rule": rule,
            "customer_id": None if customer_id is None else decode_id("Customer", customer_id, where="alerts(customerId:)"),
            "source": source,
        }
        return await _id_page(
            "Alert",
            first,
            after,
            "alerts",
            lambda before, limit: fetch_alert_page(ctx.engine, before=before, limit=limit, **filters),
            Alert.from_record,
            lambda r: r.pk,
            lambda: run_in_threadpool(lambda: count_alerts(ctx.engine, **filters)),
        )

    @strawberry.field(description="One alert by id; null when there is none (or the key may not see it).")
    async def alert(self, info: Info, id: strawberry.ID) -> Alert | None:
        pk = decode_id("Alert", id, where="alert(id:)")
        record = await run_in_threadpool(fetch_alert, info.context.engine, pk, source=info.context.viewer().source)
        return None if record is None else Alert.from_record(record)

    @strawberry.field(
        description="The newest scoring run of any status, or the newest succeeded one "
        "(the run customer scores come from) with onlySucceeded: true."
    )
    async def latest_scoring_run(self, info: Info, only_succeeded: bool = False) -> ScoringRun | None:
        info.context.viewer()
        row = await run_in_threadpool(fetch_latest_run, info.context.engine, only_succeeded=only_succeeded)
        return ScoringRun.from_record(row) if row is not None else None

    @strawberry.field(description="Scoring runs, newest first.")
    async def scoring_runs(self, info: Info, first: PageSize = 20, after: After = None) -> Connection[ScoringRun]:
        engine = info.context.engine
        info.context.viewer()
        return await _id_page(
            "ScoringRun",
            first,
            after,
            "scoringRuns",
            lambda before, limit: fetch_scoring_runs(engine, before=before, limit=limit),
            ScoringRun.from_record,
            lambda r: r.id,
            lambda: run_in_threadpool(count_rows, engine, scoring_runs),
        )

    @strawberry.field(
        description="Loads of sources into the store (syncs and file loads) and write-backs (source "
        "`<source>:writeback`), newest first, with their data-quality errors. A key limited to a source sees that "
        "source's runs and its write-back runs."
    )
    async def sync_runs(
        self, info: Info, first: PageSize = 20, after: After = None, source: str | None = None
    ) -> Connection[SyncRun]:
        engine = info.context.engine
        sources = sync_run_sources(info.context.viewer().source, source)
        if sources == []:
            return Connection(edges=[], page_info=PageInfo.of([], more=False, after=after), counter=_zero)
        return await _id_page(
            "SyncRun",
            first,
            after,
            "syncRuns",
            lambda before, n: fetch_sync_runs(engine, before=before, limit=n, sources=sources),
            SyncRun.from_row,
            lambda r: r.id,
            lambda: run_in_threadpool(count_sync_runs, engine, sources),
        )

    @strawberry.field(
        description="A job started through the API (runScoring, ...); null when there is none or this key may not "
        "see it (see jobs)."
    )
    async def job(self, info: Info, id: strawberry.ID) -> Job | None:
        limit = info.context.viewer().source
        pk = decode_id("Job", id, where="job(id:)")
        record = await run_in_threadpool(lambda: get_job(info.context.engine, pk, source=limit))
        return None if record is None else Job.from_record(record)

    @strawberry.field(
        description="Jobs, newest first. A key limited to a source sees scoring jobs and that source's sync and "
        "write-back jobs only."
    )
    async def jobs(self, info: Info, first: PageSize = 20, after: After = None) -> Connection[Job]:
        engine = info.context.engine
        limit = info.context.viewer().source
        return await _id_page(
            "Job",
            first,
            after,
            "jobs",
            lambda before, n: list_jobs(engine, limit=n, before_id=before, source=limit),
            Job.from_record,
            lambda r: r.id,
            lambda: run_in_threadpool(lambda: count_jobs(engine, source=limit)),
        )

    @strawberry.field(description="The indicators the active config defines, in its order.")
    async def indicator_definitions(self, info: Info) -> list[IndicatorDefinition]:
        info.context.viewer()
        config = await _active_config(info)
        return [] if config is None else definitions_of(config)[0]

    @strawberry.field(description="The health-score bands of the active config, lowest first.")
    async def bands(self, info: Info) -> list[Band]:
        info.context.viewer()
        config = await _active_config(info)
        return [] if config is None else definitions_of(config)[1]

    @strawberry.field(description="The scorecards of the active config (the implicit one when it defines none).")
    async def scorecards(self, info: Info) -> list[Scorecard]:
        info.context.viewer()
        config = await _active_config(info)
        return [] if config is None else definitions_of(config)[2]

    @strawberry.field(description="The segments the active config can place customers in.")
    async def segments(self, info: Info) -> list[Segment]:
        info.context.viewer()
        config = await _active_config(info)
        return [] if config is None else segments_of(config)

    @strawberry.field(description="The active config version (admin keys only).")
    async def active_config(self, info: Info) -> ConfigVersion | None:
        info.context.admin("activeConfig")
        from crmscore.config.service import active_config

        version = await run_in_threadpool(active_config, info.context.engine)
        return None if version is None else ConfigVersion.of(version)

    @strawberry.field(description="Config versions, newest first, each with its diff (admin keys only).")
    async def config_versions(
        self, info: Info, first: Annotated[int, strawberry.argument(description="1..100")] = 20
    ) -> list[ConfigVersion]:
        info.context.admin("configVersions")
        from crmscore.config.service import config_versions

        size = page_size(first, "configVersions")
        versions = await run_in_threadpool(config_versions, info.context.engine, size)
        return [ConfigVersion.of(v) for v in versions]


async def _zero() -> int:
    return 0
