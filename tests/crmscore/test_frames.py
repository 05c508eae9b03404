"""Reading the store into scoring's frames: same values and types on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import Engine

from crmscore.frames import load_frames
from store import tables as t
from store.upsert import upsert

T = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)


def test_frames_carry_resolved_ids_and_exact_utc_timestamps(engine: Engine) -> None:
    with engine.begin() as conn:
        upsert(conn, t.customers, [{"source": "s", "external_id": "C1", "name": "Acme", "created_at": T}])
        upsert(
            conn,
            t.orders,
            [
                {"source": "s", "external_id": "O1", "customer_external_id": "C1", "ordered_at": T, "amount": 10.0},
                {"source": "s", "external_id": "O2", "customer_external_id": "GONE", "ordered_at": T, "amount": 5.0},
            ],
        )
        upsert(
            conn,
            t.cases,
            [{"source": "s", "external_id": "K1", "customer_external_id": "C1", "opened_at": T, "is_complaint": True}],
        )
        frames = load_frames(conn)
    frames.check()
    customer_id = int(frames.customers["customer_id"].iloc[0])
    assert frames.customers["source"].tolist() == ["s"]
    assert frames.orders["customer_id"].tolist() == [customer_id]  # the orphan O2 is left out
    assert frames.orders["ordered_at"].tolist() == [pd.Timestamp(T)]
    assert str(frames.orders["ordered_at"].dtype) == "datetime64[us, UTC]"
    assert frames.cases["first_response_at"].isna().all()
    assert frames.cases["is_complaint"].tolist() == [True]
    assert frames.surveys.empty and "responded_at" in frames.surveys.columns
