"""What the dashboard and customer pages show, read from the store as plain JSON-ready dicts.

Score-based figures come from the stored scoring runs (so the dashboard shows what was really
computed, and changes when a new run lands); order-based KPIs reuse the pure ``scoring.kpis``
functions on the orders the KPI reports read (``crmscore.portfolio_kpis``), so the page and the
reports cannot disagree.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, select, update

from crmscore.pipeline import latest_run
from crmscore.portfolio_kpis import read_kpi_inputs
from crmscore.summary import summarise_run
from scoring.kpis.cohorts import cohort_retention
from scoring.kpis.periods import calendar_periods, period_label, periods
from scoring.kpis.retention import (
    churn_rate,
    purchases,
    repurchase_rate,
    retention_counts,
    retention_rate,
)
from store import tables as t

__all__ = ["acknowledge_alert", "customer_detail", "dashboard_data", "open_alerts"]

TREND_MONTHS = 12
COHORT_QUARTERS = 6


def _finite(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 1)


def _run_history(conn: Connection) -> list[dict[str, Any]]:
    r, s = t.scoring_runs.c, t.scores.c
    rows = conn.execute(
        select(r.id, r.as_of, r.finished_at, r.config_version_id, func.avg(s.health_score), func.count(s.health_score))
        .join_from(t.scoring_runs, t.scores, s.run_id == r.id)
        .where(r.status == "succeeded")
        .group_by(r.id, r.as_of, r.finished_at, r.config_version_id)
        .order_by(r.id)
    ).all()
    return [
        {
            "run": rid,
            "as_of": as_of.isoformat(),
            "finished_at": fin.isoformat() if fin else None,
            "config_version": cv,
            "mean_health": _finite(mean),
            "scored": int(n),
        }
        for rid, as_of, fin, cv, mean, n in rows
    ]


def _kpi_trends(orders: pd.DataFrame, end: datetime) -> dict[str, list[Any]]:
    if orders.empty:
        return {"labels": [], "retention": [], "churn": [], "repurchase": []}
    month_end = pd.Timestamp(end).tz_convert("UTC").normalize().replace(day=1)
    months = periods(month_end - pd.DateOffset(months=TREND_MONTHS), month_end, "MS")
    trend: dict[str, list[Any]] = {"labels": [], "retention": [], "churn": [], "repurchase": []}
    for period in months:
        counts = retention_counts(orders, period)
        trend["labels"].append(period.start.strftime("%Y-%m"))
        trend["retention"].append(_finite(retention_rate(counts)))
        trend["churn"].append(_finite(churn_rate(counts)))
        trend["repurchase"].append(_finite(repurchase_rate(orders, period)))
    return trend


def _cohorts(orders: pd.DataFrame) -> dict[str, Any]:
    """Share of each first-purchase quarter still buying 1, 2, … quarters later (percent).

    The curves are ``scoring.kpis.cohort_retention`` over calendar quarters, so the dashboard and
    ``crmscore model cohorts`` / GraphQL ``cohortRetention`` cannot disagree. The newest cohort has
    no later quarter yet and is left out.
    """
    bought = purchases(orders)
    if bought.empty:
        return {"quarters": [], "rows": []}
    first = bought["ordered_at"].min().tz_convert("UTC").tz_localize(None).to_period("Q").start_time.date()
    last = bought["ordered_at"].max().tz_convert("UTC").date()
    quarters = calendar_periods("quarter", first, last)
    table = cohort_retention(orders, quarters)
    shown = sorted(table["cohort"].unique())[-COHORT_QUARTERS - 1 : -1]
    rows = []
    for cohort in shown:
        curve = table.loc[(table["cohort"] == cohort) & table["age"].between(1, COHORT_QUARTERS)]
        rows.append(
            {
                "cohort": period_label(quarters[int(cohort)], "quarter"),
                "size": int(table.loc[table["cohort"] == cohort, "size"].iloc[0]),
                "cells": [_finite(v) for v in curve["retention"]],
            }
        )
    return {"quarters": list(range(1, COHORT_QUARTERS + 1)), "rows": rows}


def open_alerts(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    a, c = t.alerts.c, t.customers.c
    rows = conn.execute(
        select(a.id, a.rule, a.severity, a.message, a.status, a.raised_at, c.id, c.name)
        .join_from(t.alerts, t.customers, a.customer_id == c.id)
        .where(a.status == "open")
        .order_by(a.raised_at.desc(), a.id.desc())
        .limit(limit)
    ).all()
    return [
        {"id": i, "rule": r, "severity": sev, "message": m, "status": st, "raised_at": at.isoformat(), "customer_id": cid, "customer": nm}
        for i, r, sev, m, st, at, cid, nm in rows
    ]


def acknowledge_alert(engine: Engine, alert_id: int) -> bool:
    """Mark an open alert acknowledged; False if there is no such open alert."""
    with engine.begin() as conn:
        done = conn.execute(
            update(t.alerts).where(t.alerts.c.id == alert_id, t.alerts.c.status == "open").values(status="acknowledged")
        )
    return done.rowcount == 1


def dashboard_data(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        run = latest_run(conn)
        if run is None:
            return {"run": None, "history": [], "alerts": open_alerts(conn)}
        summary = summarise_run(conn, run, lowest=10)
        history = _run_history(conn)
        orders = read_kpi_inputs(conn, orders_only=True).orders
        alerts = open_alerts(conn)
        c = t.customers.c
        ids = dict(conn.execute(select(c.external_id, c.id)).all())
    counts = dict(summary.histogram)
    return {
        "run": {"id": run.id, "as_of": run.as_of.isoformat(), "config_version": run.config_version_id, "scored": run.customers_scored},
        "histogram": {"labels": [f"{b}–{b + 10}" for b in range(0, 100, 10)], "counts": [counts.get(b, 0) for b in range(0, 100, 10)]},
        "bands": summary.bands,
        "segments": summary.segments,
        "lowest": [
            {"customer_id": ids.get(ext), "name": nm, "score": round(sc, 1), "band": b, "segment": g}
            for ext, nm, sc, b, g in summary.lowest
        ],
        "history": history,
        "kpis": _kpi_trends(orders, run.as_of if run.as_of else datetime.now(UTC)),
        "cohorts": _cohorts(orders),
        "alerts": alerts,
    }


def customer_detail(engine: Engine, customer_id: int) -> dict[str, Any] | None:
    c, s, iv, r = t.customers.c, t.scores.c, t.indicator_values.c, t.scoring_runs.c
    with engine.connect() as conn:
        cust = conn.execute(select(c.id, c.name, c.external_id, c.source, c.kind, c.country, c.industry).where(c.id == customer_id)).first()
        if cust is None:
            return None
        run = latest_run(conn)
        history = conn.execute(
            select(r.id, r.as_of, s.health_score, s.band, s.segment, s.scorecard)
            .join_from(t.scores, t.scoring_runs, s.run_id == r.id)
            .where(s.customer_id == customer_id, r.status == "succeeded")
            .order_by(r.id)
        ).all()
        indicators = (
            conn.execute(
                select(iv.key, iv.value, iv.score, iv.points).where(iv.run_id == run.id, iv.customer_id == customer_id).order_by(iv.key)
            ).all()
            if run
            else []
        )
        alerts = conn.execute(
            select(t.alerts.c.rule, t.alerts.c.severity, t.alerts.c.message, t.alerts.c.status)
            .where(t.alerts.c.customer_id == customer_id)
            .order_by(t.alerts.c.id.desc())
            .limit(20)
        ).all()
    current = history[-1] if history and run and history[-1][0] == run.id else None
    return {
        "customer": {k: getattr(cust, k) for k in ("id", "name", "external_id", "source", "kind", "country", "industry")},
        "current": None
        if current is None
        else {"score": _finite(current[2]), "band": current[3], "segment": current[4], "scorecard": current[5]},
        "indicators": [{"key": k, "value": _finite(v), "score": _finite(sc), "points": _finite(p)} for k, v, sc, p in indicators],
        "history": [{"run": rid, "as_of": at.isoformat(), "score": _finite(h), "band": b, "segment": g} for rid, at, h, b, g, _ in history],
        "alerts": [{"rule": a, "severity": sev, "message": m, "status": st} for a, sev, m, st in alerts],
    }
