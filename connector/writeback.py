"""Write-back: put crmscore's scores into the CRM's own custom fields, so its screens show them.

The values come from the current scoring run (the newest that succeeded): health score, band,
segment and churn risk per customer (the risk is null, and so not written, when the run applied no
churn model or could not rate the customer), and the run's finish time as *scored at*. CLV has no
column in ``scores`` yet, so it is written only when a caller supplies it (``extra``); the CRM field
exists (``crmscore install``) and stays empty until then.

Only what changed since the last write-back is sent: ``writeback_state`` keeps, per record, the
values last written successfully, so a nightly run after an unchanged scoring touches nothing
(every CRM write bumps the record's modified time and fires the CRM's workflows). *Scored at*
alone never counts as a change. Writes go in batches; each successful batch is recorded at once,
so an interrupted write-back resumes where it stopped, and a record the CRM refuses (deleted,
read-only) is reported without stopping the others. ``dry_run`` plans and reports, writes nothing.

A writer is the CRM-specific part (:class:`~connector.suitecrm.writer.SuiteCrmWriter`,
:class:`~connector.odoo.writer.OdooWriter`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, insert, select

from connector.crm_errors import CrmRequestError
from connector.errors import RecordError
from connector.runs import RunLog, writeback_run_source
from store import tables

__all__ = [
    "SCORE_KEYS",
    "ScoreWriter",
    "WriteOutcome",
    "WritebackPlan",
    "WritebackReport",
    "current_scores",
    "plan_writeback",
    "write_back",
]

SCORE_KEYS = ("health_score", "band", "segment", "churn_risk", "clv", "scored_at")
_ROUNDING = {"health_score": 2, "churn_risk": 4, "clv": 2}


@dataclass
class WriteOutcome:
    external_id: str
    ok: bool
    message: str = ""


class ScoreWriter(Protocol):
    """Sends canonical score values (keys of :data:`SCORE_KEYS`) to the CRM's custom fields."""

    entity: str
    fields: Mapping[str, str]  # canonical key -> CRM field

    def write(self, batch: list[tuple[str, dict[str, Any]]]) -> list[WriteOutcome]: ...


@dataclass
class WritebackPlan:
    changes: list[tuple[str, dict[str, Any]]]  # (external id, the values to send)
    desired: dict[str, dict[str, Any]]  # external id -> every current value (what the state will hold)
    unchanged: int
    run_id: int | None


@dataclass
class WritebackReport:
    source: str
    dry_run: bool
    planned: int = 0
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    batches: int = 0
    errors: list[RecordError] = field(default_factory=list)
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the plan (first 1000)
    run_id: int | None = None  # the ``sync_runs`` row (source ``<source>:writeback``); None when nothing was sent


def _clean(key: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, _ROUNDING.get(key, 4))
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0)
    return value


def current_scores(conn: Connection, source: str) -> tuple[int | None, dict[str, dict[str, Any]]]:
    """``(run id, {external id: {health_score, band, segment, churn_risk, scored_at}})`` of the current run."""
    r, s, c = tables.scoring_runs, tables.scores, tables.customers
    run = conn.execute(
        select(r.c.id, r.c.finished_at, r.c.as_of)
        .where(r.c.status == "succeeded")
        .order_by(r.c.finished_at.desc(), r.c.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None, {}
    scored_at = run.finished_at or run.as_of
    rows = conn.execute(
        select(c.c.external_id, s.c.health_score, s.c.band, s.c.segment, s.c.churn_risk)
        .join(c, c.c.id == s.c.customer_id)
        .where(s.c.run_id == run.id, c.c.source == source)
    ).all()
    return int(run.id), {
        row.external_id: {
            "health_score": row.health_score,
            "band": row.band,
            "segment": row.segment,
            "churn_risk": row.churn_risk,
            "scored_at": scored_at,
        }
        for row in rows
    }


def plan_writeback(
    conn: Connection,
    source: str,
    writer: ScoreWriter,
    *,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> WritebackPlan:
    """What to send: per record, the configured values that differ from what was last written."""
    run_id, scores = current_scores(conn, source)
    for external_id, values in (extra or {}).items():
        scores.setdefault(external_id, {}).update(values)
    wb = tables.writeback_state
    previous = {
        row.external_id: dict(row.values or {})
        for row in conn.execute(select(wb.c.external_id, wb.c["values"]).where(wb.c.source == source, wb.c.entity == writer.entity))
    }
    changes: list[tuple[str, dict[str, Any]]] = []
    desired: dict[str, dict[str, Any]] = {}
    unchanged = 0
    for external_id in sorted(scores):
        values = {k: _clean(k, v) for k, v in scores[external_id].items() if k in writer.fields}
        values = {k: v for k, v in values.items() if v is not None}  # never clear a field we have no value for
        before = previous.get(external_id, {})
        changed = {k: v for k, v in values.items() if k != "scored_at" and _stored(v) != before.get(k)}
        desired[external_id] = {k: _stored(v) for k, v in values.items()}
        if not changed:
            unchanged += 1
            continue
        if "scored_at" in values:
            changed["scored_at"] = values["scored_at"]
        changes.append((external_id, changed))
    return WritebackPlan(changes=changes, desired=desired, unchanged=unchanged, run_id=run_id)


def _stored(value: Any) -> Any:
    """A value as JSON keeps it in ``writeback_state`` (so comparisons survive the round trip)."""
    return value.isoformat() if isinstance(value, datetime) else value


def write_back(
    engine: Engine,
    source: str,
    writer: ScoreWriter,
    *,
    dry_run: bool = False,
    batch_size: int = 100,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Any = None,
    planned: Callable[[int], None] | None = None,
) -> WritebackReport:
    """Plan, then (unless ``dry_run``) send the changes in batches, recording each batch as it lands.

    ``progress`` gets the records sent so far after each batch; ``planned`` gets, once, how many
    changed records there are to send (so a caller can show a fraction).
    """
    with engine.connect() as conn:
        plan = plan_writeback(conn, source, writer, extra=extra)
    if planned is not None:
        planned(len(plan.changes))
    report = WritebackReport(source=source, dry_run=dry_run, planned=len(plan.changes), unchanged=plan.unchanged,
                             changes=plan.changes[:1000])
    if dry_run or not plan.changes:
        return report
    log = RunLog(source=writeback_run_source(source))
    report.run_id = log.start(engine)
    counts = log.stream("writeback")
    try:
        for start in range(0, len(plan.changes), batch_size):
            batch = plan.changes[start : start + batch_size]
            outcomes = writer.write(batch)
            report.batches += 1
            ok = [o.external_id for o in outcomes if o.ok]
            failed = [o for o in outcomes if not o.ok]
            errors = [RecordError(where=f"{source} write-back", row=None, column=None, message=o.message,
                                  record_id=o.external_id) for o in failed]
            report.written += len(ok)
            report.failed += len(failed)
            report.errors.extend(errors)
            log.add_errors(errors)
            counts.updated += len(ok)
            counts.failed += len(failed)
            counts.pages += 1
            _record(engine, source, writer.entity, {i: plan.desired[i] for i in ok})
            if progress is not None:
                progress(report.written + report.failed)
    except BaseException as exc:
        log.finish(engine, "failed", str(exc) if isinstance(exc, Exception) else type(exc).__name__)
        raise
    counts.read, counts.skipped = report.planned, report.unchanged  # planned changes; unchanged records
    log.finish(engine, "succeeded")
    return report


def _record(engine: Engine, source: str, entity: str, values: Mapping[str, dict[str, Any]]) -> None:
    if not values:
        return
    wb = tables.writeback_state
    now = datetime.now(UTC)
    ids = list(values)
    with engine.begin() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            conn.execute(delete(wb).where(wb.c.source == source, wb.c.entity == entity, wb.c.external_id.in_(chunk)))
        conn.execute(insert(wb), [
            {"source": source, "entity": entity, "external_id": i, "values": values[i], "written_at": now} for i in ids
        ])


def refused(exc: CrmRequestError) -> bool:
    """A refusal that concerns one record (deleted, invalid value, no rights on it), not the whole run."""
    return exc.kind in ("missing", "invalid", "validation", "access")
