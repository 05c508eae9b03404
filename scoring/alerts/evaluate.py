"""Which alerts fire: rule conditions over one score result, trend history, dedup and cooldown.

A rule fires for a customer when its condition is definitely true (see ``scoring.conditions``) and
no alert of the same rule for the same customer was raised within ``cooldown_days`` of this run's
as_of — before or after it, so re-scoring an earlier date does not re-fire either. An alert raised at
exactly this as_of always counts as a duplicate, whatever the cooldown, so running the same scoring
twice never raises an alert twice.

Trends compare the current value with earlier runs: the reference for "dropped by more than N in D
days" is the highest value among runs with as_of in ``[as_of − D days, as_of)``; for "rose by" the
lowest. Customers without such history never match a trend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.alerts.rules import AlertRule
from scoring.conditions import Trend, holds, trends_in

__all__ = [
    "DEFAULT_MESSAGE",
    "HISTORY_COLUMNS",
    "PLACEHOLDER",
    "PREVIOUS_COLUMNS",
    "FiredAlert",
    "TrendHistory",
    "evaluate_alerts",
    "render_message",
    "trend_references",
]

#: Earlier runs' values, long format: one row per customer × run × field.
HISTORY_COLUMNS = ("customer_id", "as_of", "field", "value")
#: Alerts raised before: one row per alert.
PREVIOUS_COLUMNS = ("customer_id", "rule", "raised_at")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
TEMPLATE_EXTRAS = ("rule", "label", "severity", "customer_id")
DEFAULT_MESSAGE = "{label}: {customer_name}, health score {health_score}, band {band}"

TrendHistory = pd.DataFrame


@dataclass(frozen=True)
class FiredAlert:
    customer_id: int
    rule: str
    severity: str
    message: str


def trend_references(trend: Trend, history: pd.DataFrame, ids: np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
    """Each customer's reference value for ``trend`` (NaN without history in the trend's window)."""
    out = np.full(len(ids), np.nan)
    if history is None or history.empty:
        return out
    start = as_of - pd.Timedelta(days=trend.days)
    rows = history.loc[
        (history["field"] == trend.field).to_numpy(dtype=bool)
        & (history["as_of"] >= start).to_numpy(dtype=bool)
        & (history["as_of"] < as_of).to_numpy(dtype=bool)
        & history["value"].notna().to_numpy(dtype=bool)
    ]
    if rows.empty:
        return out
    grouped = rows.groupby("customer_id")["value"]
    ref = grouped.max() if trend.change == "drop" else grouped.min()
    out[:] = pd.Series(ids).map(ref).to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _format(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if isinstance(value, (float, np.floating)):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return str(value)


def render_message(
    template: str, rule: AlertRule, fields: Mapping[str, np.ndarray], rows: np.ndarray, ids: np.ndarray
) -> list[str]:
    """The rule's message for each fired row; ``{name}`` is replaced by the field's value.

    Only names are substituted — no format specs, attribute access or indexing — so a template is
    data like everything else. Unknown names are refused by the validator before they get here.
    """
    text = template or DEFAULT_MESSAGE
    names = set(PLACEHOLDER.findall(text))
    extras = {"rule": rule.key, "label": rule.label or rule.key, "severity": rule.severity}
    columns = {n: fields[n][rows] for n in names if n not in extras and n != "customer_id"}
    out = []
    for i, row_id in enumerate(ids[rows]):
        def sub(match: re.Match[str], i: int = i, row_id: object = row_id) -> str:
            name = match.group(1)
            if name == "customer_id":
                return str(row_id)
            return extras[name] if name in extras else _format(columns[name][i])

        out.append(PLACEHOLDER.sub(sub, text))
    return out


def _cooled(rule: AlertRule, ids: np.ndarray, previous: pd.DataFrame | None, as_of: pd.Timestamp) -> np.ndarray:
    """Customers still inside this rule's cooldown (or already alerted at this very as_of)."""
    blocked = np.zeros(len(ids), dtype=bool)
    if previous is None or previous.empty:
        return blocked
    mine = previous.loc[(previous["rule"] == rule.key).to_numpy(dtype=bool)]
    if mine.empty:
        return blocked
    gap = (mine["raised_at"] - as_of).abs()
    recent = (gap < pd.Timedelta(days=rule.cooldown_days)) | (gap == pd.Timedelta(0))
    return np.isin(ids, mine.loc[recent.to_numpy(dtype=bool), "customer_id"].to_numpy())


def evaluate_alerts(
    rules: Sequence[AlertRule],
    fields: Mapping[str, np.ndarray],
    ids: np.ndarray,
    as_of: pd.Timestamp,
    *,
    history: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
) -> list[FiredAlert]:
    """The alerts to raise now, rule by rule in config order, customers in ``ids`` order."""
    ids = np.asarray(ids)
    fired: list[FiredAlert] = []
    for rule in rules:
        refs = {t: trend_references(t, history, ids, as_of) for t in _unique(trends_in(rule.when))}  # type: ignore[arg-type]
        rows = holds(rule.when, fields, len(ids), refs) & ~_cooled(rule, ids, previous, as_of)
        if not rows.any():
            continue
        messages = render_message(rule.message, rule, fields, rows, ids)
        fired.extend(
            FiredAlert(int(cid), rule.key, rule.severity, msg) for cid, msg in zip(ids[rows], messages, strict=True)
        )
    return fired


def _unique(trends: Iterable[Trend]) -> list[Trend]:
    return list(dict.fromkeys(trends))
