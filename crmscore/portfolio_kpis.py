"""Portfolio KPIs, campaign ROI and cohort curves from the store: the store → ``scoring.kpis`` edge.

The CLI (``crmscore model kpis|cohorts``) and the GraphQL API (``portfolioKpis``, ``campaignRoi``,
``cohortRetention``) both call these functions, so the two can never disagree. Everything is read
through the readers of :mod:`crmscore.frames`, joined to customers on ``(source, external id)``
once, here; a caller limited to some sources (an API key with a source) gets only their rows, and
leads and campaigns of their sources. A segment is the customer's segment in the served scoring run
(by default the newest succeeded run): today's segment, applied to every period of the report.

Bad arguments raise :class:`KpiArgumentError` (a ``ValueError``) naming what is wrong and carrying
which argument it was; the CLI prints it as one ``error:`` line, the API as ``BAD_USER_INPUT`` at
that argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, select

from crmscore.frames import customer_join, read_frame
from crmscore.pipeline import latest_run
from scoring.kpis import (
    PERIOD_KINDS,
    KpiInputs,
    Period,
    calendar_periods,
    cohort_retention,
    kpi_table,
    marketing_roi,
    period_label,
    segment_customers,
)
from scoring.kpis.inputs import rows_of_customers
from scoring.kpis.retention import DEFAULT_INACTIVE_DAYS
from store import tables as t

__all__ = [
    "CAMPAIGN_ROI_COLUMNS",
    "DEFAULT_GROSS_MARGIN",
    "MAX_PERIODS",
    "KpiArgumentError",
    "campaign_roi",
    "cohort_curves",
    "portfolio_kpis",
    "read_kpi_inputs",
    "read_segments",
    "records",
    "report_periods",
]

#: Twenty years of months: enough for any report, and a bound on what one API request can cost.
MAX_PERIODS = 240
DEFAULT_GROSS_MARGIN = 0.3
CAMPAIGN_ROI_COLUMNS = (
    "campaign_id",
    "source",
    "name",
    "channel",
    "started_at",
    "cost",
    "customers",
    "revenue",
    "roi",
)


class KpiArgumentError(ValueError):
    """A report argument is wrong; ``arguments`` names it (API spelling: ``from``, ``segment``, ...)."""

    def __init__(self, arguments: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.arguments = arguments


def report_periods(period: str, first_day: date, last_day: date) -> list[Period]:
    """The calendar periods of a report, refusing ranges longer than :data:`MAX_PERIODS` periods."""
    if period not in PERIOD_KINDS:
        raise KpiArgumentError(("period",), f"period must be one of {', '.join(PERIOD_KINDS)}, got {period!r}")
    if (last_day - first_day).days > MAX_PERIODS * 366:  # refuse before building a huge list
        raise KpiArgumentError(
            ("from", "to"), f"{first_day.isoformat()} to {last_day.isoformat()} is more than {MAX_PERIODS} {period}s"
        )
    try:
        found = calendar_periods(period, first_day, last_day)
    except ValueError as exc:
        raise KpiArgumentError(("from", "to"), str(exc)) from None
    if len(found) > MAX_PERIODS:
        raise KpiArgumentError(
            ("from", "to"),
            f"{first_day.isoformat()} to {last_day.isoformat()} is {len(found)} {period}s; at most {MAX_PERIODS} per report"
        )
    return found


def _check_settings(inactive_days: float, gross_margin: float) -> None:
    if not (math.isfinite(inactive_days) and inactive_days > 0):
        raise KpiArgumentError(("inactiveDays",), f"inactive days must be a positive number of days, got {inactive_days}")
    if not (math.isfinite(gross_margin) and 0 <= gross_margin <= 1):
        raise KpiArgumentError(("grossMargin",), f"gross margin must be between 0 and 1, got {gross_margin}")


def _visible(frame: pd.DataFrame, sources: Sequence[str] | None, *, drop: bool = True) -> pd.DataFrame:
    """Only the rows of ``sources`` (all when None), without the ``source`` column unless ``drop=False``."""
    if sources is not None:
        frame = frame.loc[frame["source"].isin(list(sources)).to_numpy(dtype=bool)].reset_index(drop=True)
    return frame.drop(columns="source") if drop else frame


def _text(values: pd.Series) -> pd.Series:
    """Text, with NULLs kept missing (pandas' ``str`` dtype does not turn None into the word "None")."""
    return values.astype("str")


def _ids(values: pd.Series) -> pd.Series:
    """Store ids as text keys (campaign ids), missing where the row has none."""
    return pd.Series(pd.array(values, dtype="Int64"), index=values.index).astype("str")


def _orders(conn: Connection, sources: Sequence[str] | None) -> pd.DataFrame:
    o, c = t.orders.c, t.customers.c
    frame = read_frame(conn, customer_join(t.orders, o.ordered_at, o.amount, o.kind, c.source), dates=["ordered_at"])
    frame = _visible(frame, sources)
    return frame.astype({"customer_id": "int64", "amount": "float64"}).assign(kind=lambda f: _text(f["kind"]))


def _leads(conn: Connection, sources: Sequence[str] | None) -> pd.DataFrame:
    ld, cm, c = t.leads.c, t.campaigns.c, t.customers.c
    stmt = select(ld.source, ld.created_at, ld.converted_at, cm.id.label("campaign_pk"), c.id.label("customer_pk")).select_from(
        t.leads.outerjoin(t.customers, and_(ld.source == c.source, ld.customer_external_id == c.external_id)).outerjoin(
            t.campaigns, and_(ld.source == cm.source, ld.campaign_external_id == cm.external_id)
        )
    )
    frame = _visible(read_frame(conn, stmt, dates=["created_at", "converted_at"]), sources)
    return pd.DataFrame(
        {
            "created_at": frame["created_at"],
            "converted_at": frame["converted_at"],
            "campaign_id": _ids(frame["campaign_pk"]),
            "customer_id": pd.array(frame["customer_pk"], dtype="Int64"),
        }
    )


def _campaigns(conn: Connection, sources: Sequence[str] | None) -> pd.DataFrame:
    cm = t.campaigns.c
    stmt = select(cm.id, cm.source, cm.external_id, cm.name, cm.channel, cm.started_at, cm.cost)
    frame = _visible(read_frame(conn, stmt, dates=["started_at"]), sources, drop=False)
    return pd.DataFrame(
        {
            "campaign_id": _ids(frame["id"]),
            "cost": pd.to_numeric(frame["cost"], errors="coerce").astype("float64"),
            "started_at": frame["started_at"],
            "channel": _text(frame["channel"]),
            "source": _text(frame["source"]),
            "external_id": _text(frame["external_id"]),
            "name": _text(frame["name"]),
        }
    )


def _surveys(conn: Connection, sources: Sequence[str] | None) -> pd.DataFrame:
    s, c = t.survey_responses.c, t.customers.c
    stmt = customer_join(t.survey_responses, s.survey, s.score, s.scale_min, s.scale_max, s.responded_at, c.source)
    frame = _visible(read_frame(conn, stmt, dates=["responded_at"]), sources)
    return frame.astype(
        {"customer_id": "int64", "score": "float64", "scale_min": "float64", "scale_max": "float64"}
    ).assign(survey=lambda f: _text(f["survey"]))


def _cases(conn: Connection, sources: Sequence[str] | None) -> pd.DataFrame:
    k, c = t.cases.c, t.customers.c
    frame = _visible(read_frame(conn, customer_join(t.cases, k.opened_at, k.is_complaint, c.source), dates=["opened_at"]), sources)
    return frame.astype({"customer_id": "int64", "is_complaint": "bool"})


def read_kpi_inputs(conn: Connection, *, sources: Sequence[str] | None = None, orders_only: bool = False) -> KpiInputs:
    """What the KPIs read, one query a table; only rows of ``sources`` when given.

    ``orders_only`` skips the other tables (cohort curves need nothing else).
    """
    orders = _orders(conn, sources)
    if orders_only:
        return KpiInputs.empty(orders=orders)
    inputs = KpiInputs(
        orders=orders,
        leads=_leads(conn, sources),
        campaigns=_campaigns(conn, sources),
        surveys=_surveys(conn, sources),
        cases=_cases(conn, sources),
    )
    inputs.check()
    return inputs


def read_segments(conn: Connection, run_id: int | None = None, *, sources: Sequence[str] | None = None) -> pd.Series:
    """customer_id → segment in scoring run ``run_id`` (default: the newest succeeded run).

    Raises ``ValueError`` when there is no such run: without one, no customer has a segment.
    """
    if run_id is None:
        run = latest_run(conn)
        if run is None:
            raise KpiArgumentError(
                ("segment",), "there is no succeeded scoring run yet, so customers have no segment; score the store first"
            )
        run_id = run.id
    s, c = t.scores.c, t.customers.c
    stmt = select(s.customer_id, s.segment, c.source).join_from(t.scores, t.customers, c.id == s.customer_id).where(
        s.run_id == run_id
    )
    rows = conn.execute(stmt).all()
    if sources is not None:
        rows = [r for r in rows if r[2] in sources]
    return pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], dtype="int64"), dtype="str")


def _segment_ids(segment_of: pd.Series, segment: str) -> pd.Index:
    try:
        return segment_customers(segment_of, segment)
    except ValueError as exc:
        raise KpiArgumentError(("segment",), str(exc)) from None


def _labelled(frame: pd.DataFrame, found: Sequence[Period], period: str) -> pd.DataFrame:
    return frame.assign(
        label=[period_label(p, period) for p in found],
        start=[p.start for p in found],
        end=[p.end for p in found],
    )


def portfolio_kpis(
    engine: Engine,
    period: str,
    first_day: date,
    last_day: date,
    *,
    segment: str | None = None,
    sources: Sequence[str] | None = None,
    run_id: int | None = None,
    inactive_days: float = DEFAULT_INACTIVE_DAYS,
    gross_margin: float = DEFAULT_GROSS_MARGIN,
) -> pd.DataFrame:
    """The KPI table (``scoring.kpis.KPI_COLUMNS``) of each ``period`` from ``first_day`` to ``last_day``.

    Adds ``label`` (``2025-01``, ``2025-Q1``, ``2025`` or the days of a partial period), ``start``
    (exclusive) and ``end`` (inclusive) and ``segment``. ``segment`` is read from run ``run_id``.
    """
    found = report_periods(period, first_day, last_day)
    _check_settings(inactive_days, gross_margin)
    with engine.connect() as conn:
        segment_of = None if segment is None else read_segments(conn, run_id, sources=sources)
        if segment_of is not None and segment is not None:
            _segment_ids(segment_of, segment)  # an unknown name fails before the big reads
        inputs = read_kpi_inputs(conn, sources=sources)
    table = kpi_table(
        inputs.orders,
        inputs.leads,
        inputs.campaigns,
        found,
        surveys=inputs.surveys,
        cases=inputs.cases,
        segment_of=segment_of,
        segment=segment,
        inactive_days=inactive_days,
        gross_margin=gross_margin,
    )
    return _labelled(table, found, period).assign(segment=segment)


def campaign_roi(
    engine: Engine,
    first_day: date,
    last_day: date,
    *,
    sources: Sequence[str] | None = None,
    gross_margin: float = DEFAULT_GROSS_MARGIN,
) -> pd.DataFrame:
    """Marketing ROI of each campaign started from ``first_day`` to ``last_day`` (columns :data:`CAMPAIGN_ROI_COLUMNS`).

    Revenue is what the customers its leads became bought after converting and by ``last_day``;
    ``roi = 100 × (revenue × gross_margin − cost) / cost``. Oldest campaign first.
    """
    years = report_periods("year", first_day, last_day)  # validates the dates
    whole = Period(years[0].start, years[-1].end)
    _check_settings(DEFAULT_INACTIVE_DAYS, gross_margin)
    with engine.connect() as conn:
        orders = _orders(conn, sources)
        leads = _leads(conn, sources)
        campaigns = _campaigns(conn, sources)
    roi = marketing_roi(campaigns, leads, orders, whole, gross_margin=gross_margin)
    about = campaigns.set_index("campaign_id")[["source", "external_id", "name", "channel", "started_at"]]
    out = roi.join(about, on="campaign_id").sort_values(["started_at", "campaign_id"], kind="stable")
    out = out.drop(columns="campaign_id").rename(columns={"external_id": "campaign_id"})
    return out[list(CAMPAIGN_ROI_COLUMNS)].reset_index(drop=True)


def cohort_curves(
    engine: Engine,
    period: str,
    first_day: date,
    last_day: date,
    *,
    segment: str | None = None,
    sources: Sequence[str] | None = None,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Cohort retention (``scoring.kpis.COHORT_COLUMNS``) with ``cohort`` and ``period`` as labels.

    Adds ``cohort_start``/``cohort_end`` (the cohort's period) for charts that need instants.
    """
    found = report_periods(period, first_day, last_day)
    with engine.connect() as conn:
        orders = read_kpi_inputs(conn, sources=sources, orders_only=True).orders
        if segment is not None:
            ids = _segment_ids(read_segments(conn, run_id, sources=sources), segment)
            orders = rows_of_customers(orders, ids)
    curves = cohort_retention(orders, found)
    labels = [period_label(p, period) for p in found]
    return pd.DataFrame(
        {
            "cohort": [labels[i] for i in curves["cohort"]],
            "cohort_start": [found[i].start for i in curves["cohort"]],
            "cohort_end": [found[i].end for i in curves["cohort"]],
            "size": curves["size"].to_numpy(),
            "age": curves["age"].to_numpy(),
            "period": [labels[i] for i in curves["period"]],
            "active": curves["active"].to_numpy(),
            "retention": curves["retention"].to_numpy(),
        }
    )


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.integer | bool | np.bool_):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python dicts: NaN and NA become None, numpy numbers Python numbers, stamps datetimes."""
    return [{col: _plain(v) for col, v in zip(frame.columns, row, strict=True)} for row in frame.itertuples(index=False)]
