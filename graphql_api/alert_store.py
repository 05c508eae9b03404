"""Alerts in the store: lists, per-customer batches, and the acknowledge/resolve transitions.

An alert is ``open`` when raised; it can be acknowledged (someone is on it) and resolved. Resolved
is final. A transition is one guarded UPDATE (``... WHERE status IN (allowed)``), so two people
clicking at once cannot move an alert backwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, true, update

from store.engine import reading
from store.tables import alerts, customers

__all__ = [
    "ACKNOWLEDGED",
    "OPEN",
    "RESOLVED",
    "SEVERITIES",
    "AlertRecord",
    "count_alerts",
    "fetch_alert",
    "fetch_alert_page",
    "fetch_customer_alerts",
    "transition",
]

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
SEVERITIES = ("info", "low", "medium", "high", "critical")
_FROM = {ACKNOWLEDGED: (OPEN,), RESOLVED: (OPEN, ACKNOWLEDGED)}


@dataclass(frozen=True)
class AlertRecord:
    pk: int
    run_id: int | None
    customer_id: int
    customer_source: str
    rule: str
    severity: str
    message: str
    status: str
    raised_at: datetime


_COLUMNS = (
    alerts.c.id.label("pk"),
    alerts.c.run_id,
    alerts.c.customer_id,
    customers.c.source.label("customer_source"),
    alerts.c.rule,
    alerts.c.severity,
    alerts.c.message,
    alerts.c.status,
    alerts.c.raised_at,
)
_JOINED = alerts.join(customers, customers.c.id == alerts.c.customer_id)


def _where(
    *,
    statuses: Sequence[str] | None = None,
    min_severity: str | None = None,
    rule: str | None = None,
    customer_id: int | None = None,
    source: str | None = None,
) -> Any:
    clauses = [true()]
    if statuses is not None:
        clauses.append(alerts.c.status.in_(list(statuses)))
    if min_severity is not None:
        clauses.append(alerts.c.severity.in_(list(SEVERITIES[SEVERITIES.index(min_severity) :])))
    if rule is not None:
        clauses.append(alerts.c.rule == rule)
    if customer_id is not None:
        clauses.append(alerts.c.customer_id == customer_id)
    if source is not None:
        clauses.append(customers.c.source == source)
    return and_(*clauses)


def fetch_alert_page(engine: Engine, *, before: int | None, limit: int, **filters: Any) -> list[AlertRecord]:
    """Newest first (by id); ``before`` is the id of the last alert of the previous page."""
    stmt = select(*_COLUMNS).select_from(_JOINED).where(_where(**filters)).order_by(alerts.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(alerts.c.id < before)
    with reading(engine) as conn:
        return [AlertRecord(**r._mapping) for r in conn.execute(stmt)]


def count_alerts(engine: Engine, **filters: Any) -> int:
    stmt = select(func.count()).select_from(_JOINED).where(_where(**filters))
    with reading(engine) as conn:
        return int(conn.execute(stmt).scalar_one())


def fetch_alert(engine: Engine, pk: int, *, source: str | None = None) -> AlertRecord | None:
    stmt = select(*_COLUMNS).select_from(_JOINED).where(alerts.c.id == pk, _where(source=source))
    with reading(engine) as conn:
        row = conn.execute(stmt).first()
    return None if row is None else AlertRecord(**row._mapping)


def fetch_customer_alerts(
    engine: Engine, customer_ids: Sequence[int], *, first: int, statuses: Sequence[str] | None
) -> dict[int, list[AlertRecord]]:
    """The newest ``first`` alerts of each customer, for many customers in one statement."""
    out: dict[int, list[AlertRecord]] = {pk: [] for pk in customer_ids}
    if not customer_ids:
        return out
    rank = func.row_number().over(partition_by=alerts.c.customer_id, order_by=alerts.c.id.desc()).label("rank")
    inner = (
        select(*_COLUMNS, rank)
        .select_from(_JOINED)
        .where(alerts.c.customer_id.in_(list(out)), _where(statuses=statuses))
        .subquery()
    )
    stmt = select(*(inner.c[c.key] for c in _COLUMNS)).where(inner.c.rank <= first).order_by(inner.c.customer_id, inner.c.pk.desc())
    with reading(engine) as conn:
        for row in conn.execute(stmt):
            out[row.customer_id].append(AlertRecord(**row._mapping))
    return out


def transition(engine: Engine, pk: int, to: str, *, source: str | None) -> tuple[AlertRecord | None, bool]:
    """Move an alert to ``to``; returns (the alert as it is now, whether it moved).

    (None, False) when there is no such alert (or it belongs to another source than ``source``).
    """
    with engine.begin() as conn:
        row = conn.execute(select(*_COLUMNS).select_from(_JOINED).where(alerts.c.id == pk, _where(source=source))).first()
        if row is None:
            return None, False
        moved = conn.execute(
            update(alerts).where(alerts.c.id == pk, alerts.c.status.in_(_FROM[to])).values(status=to)
        ).rowcount
        row = conn.execute(select(*_COLUMNS).select_from(_JOINED).where(alerts.c.id == pk)).one()
    return AlertRecord(**row._mapping), bool(moved)
