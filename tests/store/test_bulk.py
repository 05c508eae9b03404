"""Bulk appends of results: NaN and <NA> become NULL, integers stay integers, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

from store import tables as t
from store.bulk import bulk_insert
from store.upsert import upsert


def _run(conn) -> int:  # type: ignore[no-untyped-def]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cfg = conn.execute(
        insert(t.config_versions)
        .values(name="x", body={}, checksum="0", created_at=now, active=True)
        .returning(t.config_versions.c.id)
    ).scalar_one()
    return conn.execute(
        insert(t.scoring_runs)
        .values(status="running", config_version_id=cfg, as_of=now, started_at=now, customers_scored=0)
        .returning(t.scoring_runs.c.id)
    ).scalar_one()


def test_scores_with_missing_values_land_as_nulls(engine: Engine) -> None:
    with engine.begin() as conn:
        upsert(conn, t.customers, [{"source": "s", "external_id": f"C{i}", "name": f"n{i}"} for i in range(3)])
        ids = conn.execute(select(t.customers.c.id).order_by(t.customers.c.id)).scalars().all()
        run_id = _run(conn)
        frame = pd.DataFrame(
            {
                "run_id": run_id,
                "customer_id": np.array(ids, dtype="int64"),
                "health_score": [12.5, np.nan, 99.0],
                "band": ["At risk", None, "Champion"],
                "segment": ["Hibernating", "No Purchases", "Champions"],
                "r_score": pd.array([1, None, 5], dtype="Int64"),
                "f_score": pd.array([2, None, 5], dtype="Int64"),
                "m_score": pd.array([3, None, 5], dtype="Int64"),
            }
        )
        assert bulk_insert(conn, t.scores, frame) == 3
        rows = conn.execute(
            select(t.scores.c.health_score, t.scores.c.band, t.scores.c.r_score).order_by(t.scores.c.customer_id)
        ).all()
    assert rows == [(12.5, "At risk", 1), (None, None, None), (99.0, "Champion", 5)]


def test_an_unknown_column_is_refused_before_writing(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="no columns"):
        bulk_insert(conn, t.scores, pd.DataFrame({"nope": [1]}))
