"""The scoring job: store → scoring → store, recorded as a scoring run.

This is the seam between pure scoring and the store. A run row is written first (``running``) in its
own transaction so that a crash leaves a visible ``failed`` or ``running`` row rather than nothing;
results — scores, indicator values, the alerts the config's rules raise and their task intents —
are then written in one transaction together with the ``succeeded`` status, so readers see either
the whole run or none of it. Results are appended per run and never overwrite an earlier run.
Alert events and webhooks go out only after that transaction committed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update

from crmscore.alerts import fired_alerts, record_task_intents, run_actions, write_alerts
from crmscore.churn_scoring import RunChurn, churn_for_run, score_columns
from crmscore.config import DEFAULT_CONFIG_PATH, load_config
from crmscore.config_versions import (
    ConfigVersion,
    activate,
    active_version,
    save_version,
)
from crmscore.frames import load_frames
from scoring import ScoreResult, score_customers
from scoring.config import ScoringConfig
from scoring.frames import CRMFrames
from scoring.frames_needed import unread_frames
from store import tables as t
from store.bulk import bulk_insert

__all__ = ["ScoringRunRecord", "data_as_of", "latest_run", "load_scoring_frames", "resolve_config", "run_scoring"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScoringRunRecord:
    id: int
    status: str
    config_version_id: int
    as_of: datetime
    started_at: datetime
    finished_at: datetime | None
    customers_scored: int
    error: str | None
    churn_model_version: int | None = None  # None: no churn model was applied (churn_note says why)
    churn_note: str | None = None


def _record(row: Any) -> ScoringRunRecord:
    return ScoringRunRecord(
        id=row.id,
        status=row.status,
        config_version_id=row.config_version_id,
        as_of=row.as_of,
        started_at=row.started_at,
        finished_at=row.finished_at,
        customers_scored=row.customers_scored,
        error=row.error,
        churn_model_version=row.churn_model_version,
        churn_note=row.churn_note,
    )


def data_as_of(frames: CRMFrames) -> datetime:
    """The default scoring date: the newest event in the data.

    Using the data's own clock (rather than the wall clock) makes a score reproducible from the same
    data, and for a live CRM the newest event is as good as "now".
    """
    stamps = [
        frames.orders["ordered_at"].max(),
        frames.activities["occurred_at"].max(),
        frames.cases["opened_at"].max(),
        frames.surveys["responded_at"].max(),
    ]
    present = [s for s in stamps if not pd.isna(s)]
    if not present:
        return datetime.now(UTC)
    return max(present).to_pydatetime()


def resolve_config(conn: Connection, config_path: Path | None) -> tuple[ConfigVersion, ScoringConfig]:
    """The config a run uses: the file given (saved and activated), else the active version, else
    the shipped default (saved and activated on first use)."""
    if config_path is None:
        current = active_version(conn)
        if current is not None:
            return current, ScoringConfig.from_dict(current.body)
        config_path = DEFAULT_CONFIG_PATH
    config = load_config(config_path)
    version = save_version(
        conn, config.raw, name=str(config.raw.get("name", config_path.stem)), comment=f"from {config_path.name}"
    )
    activate(conn, version.id)
    return version, config


def load_scoring_frames(conn: Connection, *, skip: Collection[str] = ()) -> CRMFrames:
    """The frames scoring reads, with each customer's ``source`` (scorecards can be assigned by it);
    ``skip``: on-demand frames the config does not need (``scoring.frames_needed.unread_frames``)."""
    frames = load_frames(conn, skip=skip)
    if "source" in frames.customers.columns or frames.customers.empty:
        return frames
    c = t.customers.c
    rows = conn.execute(select(c.id, c.source)).all()
    sources = pd.Series([r[1] for r in rows], index=pd.Index([r[0] for r in rows], dtype="int64"), dtype="str")
    customers = frames.customers.assign(source=frames.customers["customer_id"].map(sources).astype("str"))
    return CRMFrames(
        customers=customers,
        orders=frames.orders,
        order_lines=frames.order_lines,
        cases=frames.cases,
        activities=frames.activities,
        surveys=frames.surveys,
    )


def latest_run(conn: Connection) -> ScoringRunRecord | None:
    """The newest succeeded run, which is what "current scores" means everywhere."""
    r = t.scoring_runs
    row = conn.execute(
        select(r).where(r.c.status == "succeeded").order_by(r.c.id.desc()).limit(1)
    ).first()
    return None if row is None else _record(row)


def _write_results(conn: Connection, run_id: int, result: ScoreResult, churn: RunChurn) -> None:
    s = result.scores
    scored = s["health_score"].notna()
    score_rows = pd.DataFrame(
        {
            "run_id": run_id,
            "customer_id": s["customer_id"].astype("int64"),
            "health_score": s["health_score"].astype("float64"),
            "band": s["band"],
            "segment": s["segment"],
            "r_score": s["r_score"],
            "f_score": s["f_score"],
            "m_score": s["m_score"],
            # Which scorecard's weights and bands made the score; like the band, none without a score.
            "scorecard": s["scorecard"].where(scored),
            **score_columns(churn, s["customer_id"]),
        }
    )
    bulk_insert(conn, t.scores, score_rows)
    ind = result.indicators
    bulk_insert(
        conn,
        t.indicator_values,
        pd.DataFrame(
            {
                "run_id": run_id,
                "customer_id": ind["customer_id"].astype("int64"),
                "key": ind["key"],
                "value": ind["value"].astype("float64"),
                "score": ind["score"].astype("float64"),
                "points": ind["points"].astype("float64"),
            }
        ),
    )


def run_scoring(
    engine: Engine,
    config_path: Path | None = None,
    *,
    as_of: datetime | None = None,
    progress: Progress | None = None,
    models_dir: Path | None = None,
) -> ScoringRunRecord:
    """Score every customer in the store and record the run. Raises after marking the run failed.

    The newest churn model in ``models_dir`` (default: ``crmscore.model_files.models_dir()``) is
    applied to the run's result; without one the run records no churn risk and says why."""
    say = progress or (lambda _msg: None)
    started = datetime.now(UTC)
    with engine.begin() as conn:  # may save and activate the default: a write, committed at once
        version, config = resolve_config(conn, config_path)
    # Progress is reported outside any write transaction: a job's reporter writes to the same store,
    # and on SQLite it would wait on this thread's own lock until the busy timeout.
    say("loading customers and activity from the store")
    with engine.connect() as conn:
        frames = load_scoring_frames(conn, skip=unread_frames(config))
    effective_as_of = as_of or data_as_of(frames)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(t.scoring_runs)
            .values(
                status="running",
                config_version_id=version.id,
                as_of=effective_as_of,
                started_at=started,
                customers_scored=0,
            )
            .returning(t.scoring_runs.c.id)
        ).scalar_one()
    try:
        say(f"scoring {len(frames.customers):,} customers")
        result = score_customers(frames, config, effective_as_of)
        churn = churn_for_run(frames, result, models_dir)
        say(churn.note)
        say("writing scores")
        with engine.begin() as conn:
            _write_results(conn, run_id, result, churn)
            alerts = write_alerts(conn, run_id, fired_alerts(conn, result, exclude_run=run_id), effective_as_of)
            tasks = record_task_intents(conn, result, alerts)
            conn.execute(
                update(t.scoring_runs)
                .where(t.scoring_runs.c.id == run_id)
                .values(
                    status="succeeded",
                    finished_at=datetime.now(UTC),
                    customers_scored=int(result.scores["health_score"].notna().sum()),
                    churn_model_version=churn.version,
                    churn_definition=churn.definition,
                    churn_note=churn.note,
                )
            )
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(
                update(t.scoring_runs)
                .where(t.scoring_runs.c.id == run_id)
                .values(status="failed", finished_at=datetime.now(UTC), error=f"{type(exc).__name__}: {exc}")
            )
        raise
    if alerts:
        say(f"raised {len(alerts):,} alert(s)" + (f", recorded {tasks:,} CRM task(s)" if tasks else ""))
    for report in run_actions(config.alerts, alerts):
        say(f"{'' if report.ok else 'failed: '}{report.rule} {report.type}: {report.detail}")
    with engine.connect() as conn:
        row = conn.execute(select(t.scoring_runs).where(t.scoring_runs.c.id == run_id)).one()
    return _record(row)
