"""``crmscore model kpis`` and ``crmscore model cohorts``: portfolio KPIs and cohort curves from the store.

A rich table for people, ``--json`` for scripts; both come from :mod:`crmscore.portfolio_kpis`, the
same functions the GraphQL API calls. Bad dates, a reversed range or an unknown segment print one
``error:`` line and exit with status 2.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import click
from rich import box
from rich.table import Table

from crmscore.commands.common import (
    console,
    friendly_value_errors,
    open_engine,
)
from crmscore.errors import UserFacingError

__all__ = ["cohorts_cmd", "kpis_cmd"]

F = TypeVar("F", bound=Callable[..., Any])

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Rows of the KPI table as printed: (column, label, format).
_KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("leads", "leads", "count"),
    ("lead_conversion_rate", "lead → customer conversion", "pct"),
    ("new_customers", "new customers", "count"),
    ("marketing_spend", "marketing spend", "money"),
    ("cac", "CAC", "money"),
    ("new_customer_clv", "new-customer CLV", "money"),
    ("clv_cac", "CLV / CAC", "ratio"),
    ("customers", "customers in the period", "count"),
    ("revenue", "revenue (net)", "money"),
    ("arpu", "ARPU", "money"),
    ("repurchase_rate", "repurchase rate", "pct"),
    ("start_active", "active at start (S)", "count"),
    ("end_active", "active at end (E)", "count"),
    ("retention_rate", "retention (E − N)/S", "pct"),
    ("churn_rate", "churn rate", "pct"),
    ("win_back_rate", "win-back success", "pct"),
    ("retention_spend", "retention spend", "money"),
    ("retention_cost", "retention cost", "money"),
    ("csat", "CSAT", "pct"),
    ("csat_responses", "CSAT answers", "count"),
    ("nps", "NPS", "score"),
    ("nps_responses", "NPS answers", "count"),
    ("complaints", "complaints", "count"),
    ("complaint_rate", "complaint rate", "pct"),
)




def _day(option: str, text: str) -> date:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UserFacingError(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "pct":
        return f"{value:.1f} %"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "ratio":
        return f"{value:.2f}"
    return f"{value:+.1f}"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _range_options(fn: F) -> F:
    fn = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")(fn)
    fn = click.option("--source", "sources", multiple=True, help="Only customers (and leads, campaigns) of this source; repeatable.")(fn)
    fn = click.option("--segment", default=None, help="Only customers in this segment of the newest succeeded scoring run.")(fn)
    fn = click.option("--to", "to_text", required=True, help="Last day, included (YYYY-MM-DD).")(fn)
    fn = click.option("--from", "from_text", required=True, help="First day (YYYY-MM-DD).")(fn)
    return click.option(
        "--period",
        type=click.Choice(["month", "quarter", "year"]),
        default="month",
        show_default=True,
        help="Calendar periods to split the range into.",
    )(fn)


def _sources(sources: Sequence[str]) -> list[str] | None:
    return list(sources) or None


@click.command("kpis")
@_range_options
@click.option("--inactive-days", type=float, default=180, show_default=True, help="Active = a purchase within this many days.")
@click.option("--gross-margin", type=float, default=0.3, show_default=True, help="Margin for CLV and campaign ROI (0–1).")
@click.pass_context
@friendly_value_errors
def kpis_cmd(
    ctx: click.Context,
    period: str,
    from_text: str,
    to_text: str,
    segment: str | None,
    sources: tuple[str, ...],
    as_json: bool,
    inactive_days: float,
    gross_margin: float,
) -> None:
    """Portfolio KPIs per period (acquisition, value, satisfaction, retention) and ROI per campaign."""
    from crmscore.portfolio_kpis import campaign_roi, portfolio_kpis, records

    first, last = _day("--from", from_text), _day("--to", to_text)
    engine = open_engine(ctx)
    rows = records(
        portfolio_kpis(
            engine, period, first, last, segment=segment, sources=_sources(sources),
            inactive_days=inactive_days, gross_margin=gross_margin,
        )
    )  # fmt: skip
    campaigns = [] if segment is not None else records(campaign_roi(engine, first, last, sources=_sources(sources), gross_margin=gross_margin))
    if as_json:
        body = {"period": period, "from": first, "to": last, "segment": segment, "kpis": rows, "campaigns": campaigns}
        click.echo(json.dumps(body, default=_json_default, indent=2))
        return
    title = f"portfolio KPIs by {period}, {first} to {last}" + (f", segment {segment}" if segment else "")
    table = Table(title=title, title_justify="left")
    table.add_column("KPI", no_wrap=True)
    for row in rows:
        table.add_column(row["label"], justify="right")
    for key, label, kind in _KPI_ROWS:
        table.add_row(label, *(_fmt(row[key], kind) for row in rows))
    console.print(table)
    if segment is not None:
        console.print("Leads, spend, CAC and retention cost belong to no segment: shown as –.", highlight=False)
        return
    roi = Table(
        title=f"marketing ROI of the campaigns started {first} to {last} (margin {gross_margin:g})",
        title_justify="left",
        box=box.SIMPLE,
    )
    several = len({c["source"] for c in campaigns}) > 1
    columns = ["campaign", *(["source"] if several else []), "started", "cost", "won", "revenue", "ROI"]
    for col in columns:
        roi.add_column(col, justify="left" if col in ("campaign", "source") else "right", no_wrap=col != "campaign")
    for c in campaigns:
        roi.add_row(
            str(c["name"] or c["campaign_id"]),
            *([str(c["source"])] if several else []),
            "–" if c["started_at"] is None else c["started_at"].date().isoformat(),
            "–" if c["cost"] is None else f"{c['cost']:,.0f}",
            _fmt(c["customers"], "count"),
            f"{c['revenue']:,.0f}",
            "–" if c["roi"] is None else f"{c['roi']:,.0f} %",
        )
    console.print(roi)


@click.command("cohorts")
@_range_options
@click.pass_context
@friendly_value_errors
def cohorts_cmd(
    ctx: click.Context,
    period: str,
    from_text: str,
    to_text: str,
    segment: str | None,
    sources: tuple[str, ...],
    as_json: bool,
) -> None:
    """Cohort retention: of the customers first buying in each period, the share buying in each later one."""
    from crmscore.portfolio_kpis import cohort_curves, records

    first, last = _day("--from", from_text), _day("--to", to_text)
    rows = records(cohort_curves(open_engine(ctx), period, first, last, segment=segment, sources=_sources(sources)))
    if as_json:
        body = {"period": period, "from": first, "to": last, "segment": segment, "cohorts": rows}
        click.echo(json.dumps(body, default=_json_default, indent=2))
        return
    if not rows:
        console.print(f"no customer made a first purchase between {first} and {last}", highlight=False)
        return
    ages = max(r["age"] for r in rows) + 1
    title = f"cohort retention by {period}: % of each cohort buying {period}s later" + (f", segment {segment}" if segment else "")
    table = Table(title=title, title_justify="left")
    table.add_column("cohort")
    table.add_column("customers", justify="right")
    for age in range(ages):
        table.add_column(f"+{age}", justify="right")
    cohorts: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        cohorts.setdefault(r["cohort"], []).append(r)
    for label, curve in cohorts.items():
        cells = [f"{r['retention']:.0f} %" for r in curve]
        table.add_row(label, f"{curve[0]['size']:,}", *cells, *([""] * (ages - len(cells))))
    console.print(table)
