"""Predictive reads: a customer's churn risk, the health-score backtest and A/B evaluations.

All three only read (a viewer key may ask), all three see only the customers of the key's source,
and the two analyses run in the thread pool because they score or aggregate the whole store. The
work itself is shared with the CLI: ``crmscore.backtest_store`` and ``crmscore.abtest_store``.
Suggested weights come back as a draft that nothing here saves or activates; the draft config body
is shown to admin keys only, like every other config body.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from graphql_api.churn_reads import ChurnRiskRecord
from graphql_api.context import ApiContext
from graphql_api.errors import ApiError, bad_user_input
from graphql_api.filters import CustomerFilter, compile_customer_filter
from graphql_api.ids import decode_id, encode_id

__all__ = [
    "AbGroup",
    "AbGroupInput",
    "AbTestInput",
    "AbTestResult",
    "BacktestResult",
    "BandChurnRate",
    "ChurnDriver",
    "ChurnRisk",
    "DriverDirection",
    "IndicatorWeight",
    "MeanComparison",
    "ProportionComparison",
    "SuggestedWeights",
    "churn_risk_of",
    "resolve_ab_test",
    "resolve_backtest",
]

Info = strawberry.Info[ApiContext, None]
T = TypeVar("T")
MAX_LISTED_CUSTOMERS = 10_000


# ---- churn risk ------------------------------------------------------------------------------


@strawberry.enum(description="Whether a driver raises the churn risk (UP) or lowers it (DOWN).")
class DriverDirection(Enum):
    UP = "up"
    DOWN = "down"


@strawberry.type(description="One input that moved this customer's churn risk, by the model's own account.")
class ChurnDriver:
    feature: str = strawberry.field(description="The feature: an indicator key, recency_days, tenure_days, kind, ...")
    direction: DriverDirection
    contribution: float = strawberry.field(
        description="Its effect on the log-odds of churn (+ raises the risk): for a logistic model its share "
        "against the average training customer; for a gradient-boosted model how far the log-odds would fall "
        "were it the typical training value (such effects need not add up)."
    )
    value: float | None = strawberry.field(description="The customer's value; null when missing or not a number.")
    category: str | None = strawberry.field(description="The customer's value of a text feature (e.g. kind).")


@strawberry.type(description="The churn model's view of a customer in the served scoring run.")
class ChurnRisk:
    probability: float | None = strawberry.field(
        description="Calibrated probability of churning within the model's horizon (see `definition`); "
        "null when the model could not rate this customer (see `unavailableReason`)."
    )
    model_version: int = strawberry.field(description="The saved churn model version the run applied.")
    definition: str | None = strawberry.field(description="What churn means for this model, in words.")
    drivers: list[ChurnDriver] | None = strawberry.field(
        description="The strongest drivers up, then down (up to 3 each); null when there is no probability "
        "or the model gives no per-customer drivers (a gradient-boosted model saved before it had them)."
    )
    unavailable_reason: str | None = strawberry.field(
        description="Why there is no probability: already churned, or an input the model cannot impute."
    )

    @classmethod
    def from_record(cls, rec: ChurnRiskRecord) -> ChurnRisk:
        drivers = None
        if rec.drivers is not None:
            drivers = [
                ChurnDriver(
                    feature=str(d.get("feature")),
                    direction=DriverDirection(d.get("direction")),
                    contribution=float(d.get("contribution") or 0.0),
                    value=float(d["value"]) if isinstance(d.get("value"), int | float) else None,
                    category=d["value"] if isinstance(d.get("value"), str) else None,
                )
                for d in rec.drivers
            ]
        return cls(
            probability=rec.probability,
            model_version=rec.model_version,
            definition=rec.definition,
            drivers=drivers,
            unavailable_reason=rec.unavailable,
        )


async def churn_risk_of(info: Info, pk: int) -> ChurnRisk | None:
    """``Customer.churnRisk``: batched over the request by ``ApiContext.churn_risks``."""
    rec = await info.context.churn_risks.load(pk)
    return None if rec is None else ChurnRisk.from_record(rec)


async def _analysis(where: str, work: Callable[[], T]) -> T:
    """Run heavy work in the thread pool; its ValueErrors are the client's input errors."""
    try:
        return await run_in_threadpool(work)
    except ValueError as exc:
        raise bad_user_input(where, str(exc)) from None


# ---- backtest --------------------------------------------------------------------------------


@strawberry.type(description="Churn among the customers of one band at the backtest date.")
class BandChurnRate:
    band: str
    customers: int
    churned: int
    churn_rate: float


@strawberry.type(description="A suggested weight for one indicator.")
class IndicatorWeight:
    key: str
    weight: float


@strawberry.type(
    description="Weights learned from the backtest (a non-negative logistic regression of staying on the "
    "indicators' scores, largest = 10). A draft: nothing is saved or applied — preview it with previewConfig "
    "and save it with saveConfig if it convinces you."
)
class SuggestedWeights:
    weights: list[IndicatorWeight]
    draft: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The backtested config with these weights (admin keys only, like every config body).")
    def draft_config(self, info: Info) -> JSON:
        info.context.admin("SuggestedWeights.draftConfig")
        return self.draft


@strawberry.type(description="How well a config's health score at a past date ranked who churned next.")
class BacktestResult:
    config_version: int | None = strawberry.field(description="The config version tested; null: the shipped default.")
    config_name: str
    as_of: datetime = strawberry.field(description="The date the portfolio was scored as of.")
    horizon_days: int
    churn_definition: str = strawberry.field(description="What counted as churn, in words.")
    customers: int = strawberry.field(description="Customers live at asOf (the ones that could churn).")
    churned: int
    roc_auc: float | None = strawberry.field(
        description="ROC AUC of low health against churn (0.5 = chance); null when nobody or everybody churned."
    )
    bands: list[BandChurnRate] = strawberry.field(description="Churn rate per band, in the config's band order.")
    suggested_weights: SuggestedWeights | None = strawberry.field(
        description="Null when nothing could be learned (see suggestedWeightsNote)."
    )
    suggested_weights_note: str | None


async def resolve_backtest(
    info: Info,
    config_version: Annotated[
        int | None, strawberry.argument(description="A config version id; default: the active config.")
    ] = None,
    as_of: Annotated[
        date | None,
        strawberry.argument(description="Score as of this day (UTC); default: one horizon before the newest event."),
    ] = None,
    horizon_days: Annotated[int, strawberry.argument(description="Churn is looked for in (asOf, asOf + horizon].")] = 90,
    inactivity_days: Annotated[
        int, strawberry.argument(description="Churned = no order or activity for longer than this.")
    ] = 90,
) -> BacktestResult:
    from crmscore.backtest_store import run_backtest
    from scoring.churn import ChurnDefinition

    ctx = info.context
    sources = ctx.sources
    try:
        definition = ChurnDefinition(horizon_days=horizon_days, inactivity_days=inactivity_days)
    except ValueError as exc:
        raise bad_user_input("backtest", str(exc).replace("churn.horizon_days", "horizonDays").replace(
            "churn.inactivity_days", "inactivityDays")) from None
    report = await _analysis(
        "backtest",
        lambda: run_backtest(
            ctx.engine, config_version_id=config_version, as_of=as_of, definition=definition, sources=sources
        ),
    )
    r = report.result
    weights = None
    if report.weights is not None and report.draft is not None:
        weights = SuggestedWeights(
            weights=[IndicatorWeight(key=k, weight=w) for k, w in report.weights.items()], draft=report.draft
        )
    return BacktestResult(
        config_version=report.config_version_id,
        config_name=report.config_name,
        as_of=r.as_of.to_pydatetime(),
        horizon_days=definition.horizon_days,
        churn_definition=definition.describe(),
        customers=r.customers,
        churned=r.churned,
        roc_auc=None if math.isnan(r.auc) else r.auc,
        bands=[
            BandChurnRate(band=str(b.band), customers=int(b.customers), churned=int(b.churned),
                          churn_rate=float(b.churn_rate))
            for b in r.bands.itertuples(index=False)
        ],
        suggested_weights=weights,
        suggested_weights_note=report.weights_note,
    )


# ---- A/B test --------------------------------------------------------------------------------


@strawberry.input(description="One group of an A/B test: give exactly one of tag, customerIds or filter.")
class AbGroupInput:
    name: str | None = strawberry.field(default=None, description="A label for the answer (default: treatment/control).")
    tag: str | None = strawberry.field(
        default=None, description="Customers whose `tags` attribute holds this tag (case-insensitive)."
    )
    customer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Customer ids (at most {MAX_LISTED_CUSTOMERS:,})."
    )
    filter_: CustomerFilter | None = strawberry.field(
        name="filter", default=None, description="A rule: the customers matching it in the served scoring run."
    )


@strawberry.input(description="Compare a treatment group (a campaign, a retention play) with a control group.")
class AbTestInput:
    treatment: AbGroupInput
    control: AbGroupInput
    window_start: date = strawberry.field(description="Outcomes are measured in (windowStart, windowEnd] (UTC days).")
    window_end: date | None = strawberry.field(default=None, description="Default: the newest order or activity.")
    min_group_size: int = strawberry.field(
        default=30, description="Below this many customers in a group the verdict says the sample is too small."
    )


@strawberry.type(description="A group as it was selected.")
class AbGroup:
    name: str
    customers: int


@strawberry.type(description="Retention of the two groups: rates, their difference, its confidence interval and test.")
class ProportionComparison:
    n_treatment: int
    n_control: int
    rate_treatment: float
    rate_control: float
    difference: float = strawberry.field(description="rateTreatment − rateControl.")
    ci_low: float = strawberry.field(description="95 % confidence interval of the difference (Wald).")
    ci_high: float
    p_value: float
    method: str = strawberry.field(description="two-proportion z-test, or Fisher exact when a cell is small.")


@strawberry.type(description="A per-customer number of the two groups: means, their difference, its interval and test.")
class MeanComparison:
    n_treatment: int
    n_control: int
    mean_treatment: float
    mean_control: float
    difference: float = strawberry.field(description="meanTreatment − meanControl.")
    ci_low: float = strawberry.field(description="95 % confidence interval of the difference.")
    ci_high: float
    p_value: float
    method: str


@strawberry.type(description="The outcome of an A/B evaluation, with a verdict in plain words.")
class AbTestResult:
    treatment: AbGroup
    control: AbGroup
    window_start: datetime
    window_end: datetime
    retention: ProportionComparison | None = strawberry.field(
        description="Share with an order or activity in the window; null when a group is empty."
    )
    revenue: MeanComparison | None = strawberry.field(description="Net order amount in the window per customer.")
    score_change: MeanComparison | None = strawberry.field(
        description="Health score change between the scoring runs on or before each end of the window; "
        "null when there are no such runs (see notes)."
    )
    score_change_runs: list[strawberry.ID] | None = strawberry.field(
        description="The two scoring runs the score change compares (start side, end side)."
    )
    sample_too_small: bool
    verdict: str
    notes: list[str]


def _group(ctx: ApiContext, g: AbGroupInput, default: str, where: str, run_id: int | None) -> Any:
    from crmscore.abtest_store import GroupSpec

    given = [n for n, v in (("tag", g.tag), ("customerIds", g.customer_ids), ("filter", g.filter_)) if v is not None]
    if len(given) != 1:
        raise bad_user_input(where, f"give exactly one of tag, customerIds or filter (got {', '.join(given) or 'none'})")
    name = g.name or default
    if g.customer_ids is not None:
        if len(g.customer_ids) > MAX_LISTED_CUSTOMERS:
            raise bad_user_input(f"{where}.customerIds", f"at most {MAX_LISTED_CUSTOMERS:,} ids, got {len(g.customer_ids):,}")
        pks = [decode_id("Customer", i, where=f"{where}.customerIds") for i in g.customer_ids]
        return GroupSpec(name=name, customer_ids=pks)
    if g.filter_ is not None:
        try:
            predicate = compile_customer_filter(g.filter_, run_id, sources=ctx.sources)
        except ApiError as exc:
            raise bad_user_input(where, exc.message.replace("customers(filter:)", "filter")) from None
        return GroupSpec(name=name, where=predicate)
    return GroupSpec(name=name, tag=g.tag)


async def resolve_ab_test(info: Info, input: AbTestInput) -> AbTestResult:
    from crmscore.abtest_store import run_abtest

    ctx = info.context
    sources = ctx.sources
    served = await ctx.served_run()
    treatment = _group(ctx, input.treatment, "treatment", "abTest(input.treatment)", served.run_id)
    control = _group(ctx, input.control, "control", "abTest(input.control)", served.run_id)
    if treatment.name == control.name:
        raise bad_user_input("abTest(input)", f"the two groups need different names (both are {treatment.name!r})")
    report = await _analysis(
        "abTest(input)",
        lambda: run_abtest(
            ctx.engine,
            treatment,
            control,
            start=input.window_start,
            end=input.window_end,
            sources=sources,
            rule_run_id=served.run_id,
            min_group=input.min_group_size,
        ),
    )
    r = report.result
    retention = None
    if r.retention is not None:
        p = r.retention
        retention = ProportionComparison(
            n_treatment=p.n_a, n_control=p.n_b, rate_treatment=p.rate_a, rate_control=p.rate_b,
            difference=p.difference, ci_low=p.ci_low, ci_high=p.ci_high, p_value=p.p_value, method=p.method,
        )

    def means(m: Any) -> MeanComparison | None:
        if m is None:
            return None
        return MeanComparison(
            n_treatment=m.n_a, n_control=m.n_b, mean_treatment=m.mean_a, mean_control=m.mean_b,
            difference=m.difference, ci_low=m.ci_low, ci_high=m.ci_high, p_value=m.p_value, method=m.method,
        )

    return AbTestResult(
        treatment=AbGroup(name=treatment.name, customers=report.sizes[0]),
        control=AbGroup(name=control.name, customers=report.sizes[1]),
        window_start=report.start,
        window_end=report.end,
        retention=retention,
        revenue=means(r.revenue),
        score_change=means(r.score_change),
        score_change_runs=None if report.score_runs is None else [
            strawberry.ID(encode_id("ScoringRun", run)) for run in report.score_runs
        ],
        sample_too_small=min(report.sizes) < input.min_group_size,
        verdict=r.verdict,
        notes=report.notes,
    )

