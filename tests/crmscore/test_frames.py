"""Reading the store into scoring's frames: same values and types on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from crmscore.frames import load_frames
from scoring.frames import is_loaded
from store import tables as t
from store.upsert import upsert

T = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


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


def test_order_lines_the_config_does_not_need_are_not_read(engine: Engine) -> None:
    with engine.begin() as conn:
        upsert(conn, t.customers, [{"source": "s", "external_id": "C1", "name": "Acme", "created_at": T}])
        upsert(conn, t.orders, [{"source": "s", "external_id": "O1", "customer_external_id": "C1", "ordered_at": T, "amount": 10.0}])
        upsert(
            conn,
            t.order_lines,
            [
                {"source": "s", "external_id": "L1", "order_external_id": "O1", "category": "Training"},
                {"source": "s", "external_id": "L2", "order_external_id": "GONE", "category": "Hardware"},
            ],
        )
        full = load_frames(conn)
        lean = load_frames(conn, skip={"order_lines"})
    # Lines take their customer and date from their order; the line of an unknown order is left out.
    assert full.order_lines[["customer_id", "category"]].astype(object).values.tolist() == [
        [int(full.customers["customer_id"].iloc[0]), "Training"]
    ]
    assert full.order_lines["ordered_at"].tolist() == [pd.Timestamp(T)]
    assert "order_id" not in full.orders.columns
    assert is_loaded(full.order_lines) and not is_loaded(lean.order_lines)
    assert lean.orders.equals(full.orders)


def test_only_on_demand_frames_can_be_skipped(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(ValueError, match=r"only on-demand frames \(order_lines\) can be skipped, not \['orders'\]"):
        load_frames(conn, skip={"orders"})
