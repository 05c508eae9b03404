"""Preview: what a draft config would do on the store's current data, next to the active config.

Nothing is written: the store is read on one connection whose transaction is rolled back, scoring is
pure, and alert rules are evaluated against the stored history and earlier alerts without recording
anything — so a preview leaves the store byte-identical, and shows exactly the alerts a run with the
draft would raise right now (cooldowns included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from crmscore.alerts import fired_alerts
from crmscore.config_versions import active_version
from crmscore.pipeline import data_as_of, load_scoring_frames
from scoring import ScoreResult, score_customers
from scoring.alerts import FiredAlert
from scoring.config import ScoringConfig
from scoring.frames import CRMFrames

__all__ = ["HISTOGRAM_EDGES", "Mover", "Preview", "Summary", "counts_table", "preview", "preview_frames"]

#: Health-score histogram bins: [0, 10), [10, 20), … [90, 100]; scores outside 0–100 go to the ends.
HISTOGRAM_EDGES = tuple(range(0, 101, 10))


@dataclass(frozen=True)
class Summary:
    """One config's results on the data: distribution, counts and the alerts it would raise."""

    label: str
    version_id: int | None
    customers: int
    scored: int
    mean: float | None
    median: float | None
    histogram: list[int]
    bands: dict[str, int]
    segments: dict[str, int]
    scorecards: dict[str, int]
    alerts: list[FiredAlert] = field(default_factory=list)

    @property
    def alert_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for a in self.alerts:
            counts[a.rule] = counts.get(a.rule, 0) + 1
        return counts


@dataclass(frozen=True)
class Mover:
    """A customer whose band differs between the active and the draft config."""

    customer_id: int
    name: str
    before: float | None
    after: float | None
    before_band: str | None
    after_band: str | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Preview:
    as_of: datetime
    draft: Summary
    active: Summary | None
    band_changes: int  # customers whose band differs (0 without an active config)
    movers: list[Mover]  # the band changers with the largest score change first, at most ``top``
    contributions: dict[str, dict[str, float]]  # draft: scorecard → indicator → nominal %


def _counts(values: pd.Series) -> dict[str, int]:
    counts = values.dropna().value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))}


def _float(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def _summary(label: str, version_id: int | None, result: ScoreResult, alerts: list[FiredAlert]) -> Summary:
    s = result.scores
    health = s["health_score"].to_numpy(dtype=np.float64)
    present = health[~np.isnan(health)]
    histogram, _ = np.histogram(np.clip(present, 0, 100), bins=np.asarray(HISTOGRAM_EDGES, dtype=np.float64))
    return Summary(
        label=label,
        version_id=version_id,
        customers=len(s),
        scored=int(present.size),
        mean=_float(float(present.mean())) if present.size else None,
        median=_float(float(np.median(present))) if present.size else None,
        histogram=[int(h) for h in histogram],
        bands=_counts(s["band"]),
        segments=_counts(s["segment"]),
        scorecards=_counts(s["scorecard"]),
        alerts=alerts,
    )


def _movers(frames: CRMFrames, before: ScoreResult, after: ScoreResult, top: int) -> tuple[int, list[Mover]]:
    b, a = before.scores, after.scores  # same customers, same order: both scored the same frames
    changed = (b["band"].fillna("\0") != a["band"].fillna("\0")).to_numpy(dtype=bool)
    delta = (a["health_score"] - b["health_score"]).abs().to_numpy(dtype=np.float64)
    idx = np.flatnonzero(changed)
    order = idx[np.lexsort((b["customer_id"].to_numpy()[idx], -np.nan_to_num(delta[idx], nan=np.inf)))][:top]
    names = frames.customers["name"].to_numpy(dtype=object)

    def opt(value: object) -> object:
        return None if pd.isna(value) else value

    movers = [
        Mover(
            customer_id=int(b["customer_id"].iat[i]),
            name=str(names[i]),
            before=opt(b["health_score"].iat[i]),  # type: ignore[arg-type]
            after=opt(a["health_score"].iat[i]),  # type: ignore[arg-type]
            before_band=opt(b["band"].iat[i]),  # type: ignore[arg-type]
            after_band=opt(a["band"].iat[i]),  # type: ignore[arg-type]
        )
        for i in order
    ]
    return int(changed.sum()), movers


def preview_frames(
    conn: Connection,
    frames: CRMFrames,
    draft: ScoringConfig,
    active: tuple[int, ScoringConfig] | None,
    as_of: datetime,
    top: int = 20,
) -> Preview:
    """The preview of ``draft`` against ``active`` (version id, config) on ``frames``; reads only."""
    draft_result = score_customers(frames, draft, as_of)
    draft_summary = _summary("draft", None, draft_result, fired_alerts(conn, draft_result))
    active_summary: Summary | None = None
    changes, movers = 0, list[Mover]()
    if active is not None:
        version_id, config = active
        active_result = score_customers(frames, config, as_of)
        active_summary = _summary(f"active (version {version_id})", version_id, active_result, fired_alerts(conn, active_result))
        changes, movers = _movers(frames, active_result, draft_result, top)
    return Preview(
        as_of=draft_result.as_of.to_pydatetime(),
        draft=draft_summary,
        active=active_summary,
        band_changes=changes,
        movers=movers,
        contributions={c.key: c.contributions() for c in draft.cards},
    )


def preview(engine: Engine, draft: ScoringConfig, *, as_of: datetime | None = None, top: int = 20) -> Preview:
    """Score the store's data with ``draft`` and with the active config, without writing anything."""
    with engine.connect() as conn:
        try:
            frames = load_scoring_frames(conn)
            current = active_version(conn)
            active = None if current is None else (current.id, ScoringConfig.from_dict(current.body))
            return preview_frames(conn, frames, draft, active, as_of or data_as_of(frames), top)
        finally:
            conn.rollback()


def counts_table(summary: Summary, other: Summary | None, attribute: str) -> list[tuple[str, int, int | None]]:
    """(name, draft count, active count) rows for bands/segments/scorecards, for side-by-side views."""
    mine: Mapping[str, int] = getattr(summary, attribute)
    theirs: Mapping[str, int] = getattr(other, attribute) if other else {}
    names = list(mine) + [n for n in theirs if n not in mine]
    return [(n, mine.get(n, 0), theirs.get(n, 0) if other else None) for n in names]
