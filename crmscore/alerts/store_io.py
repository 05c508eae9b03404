"""Alerts and the store: the history trends compare with, earlier alerts, and writing new ones.

Reads are limited to what the rules need — the trend fields over the longest trend window and the
alerts inside the longest cooldown — so evaluating rules stays cheap however long the history is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from scoring.alerts import AlertRule, FiredAlert, evaluate_alerts
from scoring.alerts.evaluate import HISTORY_COLUMNS, PREVIOUS_COLUMNS
from scoring.conditions import trends_in
from scoring.engine import ScoreResult
from store import tables as t

__all__ = ["AlertRecord", "fired_alerts", "load_previous_alerts", "load_trend_history", "write_alerts"]


def _frame(rows: Sequence[Any], columns: Sequence[str], stamp: str) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    frame[stamp] = pd.to_datetime(frame[stamp], utc=True).astype("datetime64[us, UTC]")
    return frame


def load_trend_history(
    conn: Connection, rules: Sequence[AlertRule], as_of: datetime, *, exclude_run: int | None = None
) -> pd.DataFrame:
    """Earlier succeeded runs' values of every trend field the rules use (columns HISTORY_COLUMNS)."""
    trends = [tr for rule in rules for tr in trends_in(rule.when)]
    if not trends:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    start = as_of - timedelta(days=max(tr.days for tr in trends))
    runs = t.scoring_runs.c
    window = [runs.status == "succeeded", runs.as_of >= start, runs.as_of < as_of]
    if exclude_run is not None:
        window.append(runs.id != exclude_run)
    fields = {tr.field for tr in trends}
    parts: list[pd.DataFrame] = []
    rows: Sequence[Any]
    if "health_score" in fields:
        s = t.scores.c
        rows = conn.execute(
            select(s.customer_id, runs.as_of, s.health_score).join(t.scoring_runs, runs.id == s.run_id).where(*window)
        ).all()
        part = _frame(rows, ["customer_id", "as_of", "value"], "as_of")
        parts.append(part.assign(field="health_score"))
    keys = {f.removesuffix(".score") for f in fields if f != "health_score"}
    if keys:
        iv = t.indicator_values.c
        rows = conn.execute(
            select(iv.customer_id, runs.as_of, iv.key, iv.value, iv.score)
            .join(t.scoring_runs, runs.id == iv.run_id)
            .where(*window, iv.key.in_(sorted(keys)))
        ).all()
        part = _frame(rows, ["customer_id", "as_of", "key", "raw", "score"], "as_of")
        for name in fields - {"health_score"}:
            key, is_score = (name[:-6], True) if name.endswith(".score") else (name, False)
            mine = part.loc[part["key"] == key]
            parts.append(
                pd.DataFrame(
                    {
                        "customer_id": mine["customer_id"],
                        "as_of": mine["as_of"],
                        "value": mine["score" if is_score else "raw"],
                        "field": name,
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(HISTORY_COLUMNS))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame[list(HISTORY_COLUMNS)]


def load_previous_alerts(conn: Connection, rules: Sequence[AlertRule], as_of: datetime) -> pd.DataFrame:
    """Alerts of these rules raised within the longest cooldown of as_of, on either side."""
    if not rules:
        return pd.DataFrame(columns=list(PREVIOUS_COLUMNS))
    reach = timedelta(days=max(r.cooldown_days for r in rules))
    a = t.alerts.c
    rows = conn.execute(
        select(a.customer_id, a.rule, a.raised_at).where(
            a.rule.in_([r.key for r in rules]), a.raised_at >= as_of - reach, a.raised_at <= as_of + reach
        )
    ).all()
    return _frame(rows, PREVIOUS_COLUMNS, "raised_at")


def fired_alerts(conn: Connection, result: ScoreResult, *, exclude_run: int | None = None) -> list[FiredAlert]:
    """The alerts ``result``'s config would raise now, given the store's history and earlier alerts."""
    rules = result.config.alerts
    if not rules:
        return []
    as_of = result.as_of.to_pydatetime()
    return evaluate_alerts(
        rules,
        result.fields,
        result.scores["customer_id"].to_numpy(dtype=np.int64),
        result.as_of,
        history=load_trend_history(conn, rules, as_of, exclude_run=exclude_run),
        previous=load_previous_alerts(conn, rules, as_of),
    )


@dataclass(frozen=True)
class AlertRecord:
    """A fired alert once stored: its id, run and time."""

    alert_id: int
    run_id: int | None
    customer_id: int
    rule: str
    severity: str
    message: str
    raised_at: datetime


def write_alerts(conn: Connection, run_id: int | None, alerts: Sequence[FiredAlert], raised_at: datetime) -> list[AlertRecord]:
    """Insert the alerts (status open); ``raised_at`` is the run's as_of, the clock cooldowns use."""
    if not alerts:
        return []
    rows = [
        {
            "run_id": run_id,
            "customer_id": a.customer_id,
            "rule": a.rule,
            "severity": a.severity,
            "message": a.message,
            "status": "open",
            "raised_at": raised_at,
        }
        for a in alerts
    ]
    ids = conn.execute(insert(t.alerts).returning(t.alerts.c.id, sort_by_parameter_order=True), rows).scalars().all()
    return [
        AlertRecord(int(i), run_id, a.customer_id, a.rule, a.severity, a.message, raised_at)
        for a, i in zip(alerts, ids, strict=True)
    ]
