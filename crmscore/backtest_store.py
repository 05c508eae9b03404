"""The health-score backtest over the store: which config, which date, which customers.

``scoring.backtest`` is pure; this module picks its inputs — a saved config version (or the active
one), the store's frames limited to the sources the caller may see, and a date whose churn horizon
the data already covers — so the CLI and the GraphQL ``backtest`` query answer the same question
the same way. Suggested weights are returned as a draft config body and never saved or activated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from crmscore.churn_model import store_config
from crmscore.pipeline import data_as_of, load_scoring_frames
from scoring.backtest import BacktestResult, backtest_health, suggest_weights
from scoring.churn import ChurnDefinition
from scoring.config import ScoringConfig
from scoring.frames import CRMFrames
from store import tables as t

__all__ = ["BacktestReport", "frames_for_sources", "run_backtest"]


@dataclass(frozen=True)
class BacktestReport:
    result: BacktestResult
    config_version_id: int | None  # None: an unsaved config, or the shipped default (none saved yet)
    config_name: str
    data_end: datetime
    weights: dict[str, float] | None  # suggested, never applied; None when nothing could be learned
    draft: dict[str, Any] | None  # the config body with the suggested weights, for preview
    weights_note: str | None  # why there are no suggested weights


def frames_for_sources(frames: CRMFrames, sources: Sequence[str] | None) -> CRMFrames:
    """Only the customers of ``sources`` (None: all) and their rows: a source-limited caller's view."""
    if sources is None:
        return frames
    keep = frames.customers["source"].isin(list(sources)).to_numpy(dtype=bool)
    customers = frames.customers[keep].reset_index(drop=True)
    ids = customers["customer_id"].to_numpy(np.int64)

    def own(frame: Any) -> Any:
        return frame[frame["customer_id"].isin(ids).to_numpy(dtype=bool)].reset_index(drop=True)

    return CRMFrames(
        customers=customers,
        orders=own(frames.orders),
        order_lines=own(frames.order_lines),
        cases=own(frames.cases),
        activities=own(frames.activities),
        surveys=own(frames.surveys),
    )


def _config(
    engine: Engine, version_id: int | None, config: ScoringConfig | None
) -> tuple[int | None, ScoringConfig]:
    if config is not None:
        if version_id is not None:
            raise ValueError("give a config or a config version to backtest, not both")
        return None, config
    with engine.connect() as conn:
        if version_id is None:
            active = conn.execute(select(t.config_versions.c.id).where(t.config_versions.c.active)).scalar()
            return (None if active is None else int(active)), store_config(conn)
        body = conn.execute(select(t.config_versions.c.body).where(t.config_versions.c.id == version_id)).scalar()
    if body is None:
        raise ValueError(f"configVersion: there is no config version {version_id}")
    return version_id, ScoringConfig.from_dict(body)


def run_backtest(
    engine: Engine,
    *,
    config_version_id: int | None = None,
    config: ScoringConfig | None = None,
    as_of: date | datetime | None = None,
    definition: ChurnDefinition | None = None,
    sources: Sequence[str] | None = None,
) -> BacktestReport:
    """Backtest a config version (default: the active one) or an unsaved ``config`` as of ``as_of``
    (default: one churn horizon before the newest event, the latest date whose outcome the data
    fully shows)."""
    definition = definition or ChurnDefinition()
    version_id, config = _config(engine, config_version_id, config)
    with engine.connect() as conn:
        frames = frames_for_sources(load_scoring_frames(conn), sources)
    if frames.customers.empty:
        raise ValueError("the store holds no customers (that this caller may see); load a source first")
    data_end = data_as_of(frames)
    horizon = timedelta(days=definition.horizon_days)
    if as_of is None:
        stamp = data_end - horizon
    elif isinstance(as_of, datetime):
        stamp = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
    else:
        stamp = datetime.combine(as_of, time(), tzinfo=UTC)
    if stamp + horizon > data_end:
        latest = (data_end - horizon).date()
        raise ValueError(
            f"asOf: the data ends on {data_end.date()}, so churn in the {definition.horizon_days} days after "
            f"{stamp.date()} is not known yet; use {latest} or earlier"
        )
    result = backtest_health(frames, config, stamp, definition)
    weights = draft = note = None
    try:
        weights, draft = suggest_weights(frames, config, stamp, definition)
    except ValueError as exc:
        note = str(exc)
    return BacktestReport(
        result=result,
        config_version_id=version_id,
        config_name=config.name,
        data_end=data_end,
        weights=weights,
        draft=draft,
        weights_note=note,
    )
