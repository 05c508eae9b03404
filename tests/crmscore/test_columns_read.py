"""Reading query rows into typed columns, chunk by chunk: same values on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from crmscore import columns_read
from crmscore.columns_read import read_columns
from store import tables as t
from store.upsert import upsert

T = datetime(2026, 3, 1, 9, 30, 15, 999_999, tzinfo=UTC)  # a fraction SQL rounding would carry


def _cases(n: int) -> list[dict[str, object]]:
    return [
        {
            "source": "s",
            "external_id": f"K{i:03d}",
            "customer_external_id": "C1",
            "opened_at": T + timedelta(microseconds=i),
            "first_response_at": None if i % 2 else T - timedelta(days=400 * i),
            "is_complaint": i % 3 == 0,
            "priority": None if i == 4 else ["low", "high"][i % 2],
        }
        for i in range(7)
    ][:n]


def test_columns_get_their_dtypes_and_timestamps_stay_exact_across_chunks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columns_read, "CHUNK_ROWS", 3)  # 7 rows: three chunks, the last one short
    k = t.cases.c
    with engine.begin() as conn:
        upsert(conn, t.cases, _cases(7))
        frame = read_columns(
            conn,
            select(k.id, k.opened_at, k.first_response_at, k.is_complaint, k.priority, k.external_id).order_by(k.id),
            {"id": "id", "opened_at": "time", "first_response_at": "time", "is_complaint": "bool", "priority": "category", "external_id": "text"},
        )
    expected = _cases(7)
    assert frame.dtypes.astype(str).to_dict() == {
        "id": "int32",  # small ids take half the memory
        "opened_at": "datetime64[us, UTC]",
        "first_response_at": "datetime64[us, UTC]",
        "is_complaint": "bool",
        "priority": "category",
        "external_id": "str",
    }
    assert frame["opened_at"].tolist() == [pd.Timestamp(r["opened_at"]) for r in expected]  # type: ignore[arg-type]
    assert [None if pd.isna(v) else v for v in frame["first_response_at"]] == [
        None if r["first_response_at"] is None else pd.Timestamp(r["first_response_at"]) for r in expected  # type: ignore[arg-type]
    ]
    assert frame["is_complaint"].tolist() == [r["is_complaint"] for r in expected]
    assert [None if pd.isna(v) else v for v in frame["priority"]] == [r["priority"] for r in expected]
    assert list(frame["priority"].cat.categories) == ["high", "low"]  # sorted, whatever the row order
    assert frame["external_id"].tolist() == [r["external_id"] for r in expected]


def test_an_empty_result_still_has_typed_columns(engine: Engine) -> None:
    k = t.cases.c
    with engine.connect() as conn:
        frame = read_columns(conn, select(k.id, k.opened_at, k.priority), {"id": "id", "opened_at": "time", "priority": "category"})
    assert frame.empty
    assert frame.dtypes.astype(str).tolist() == ["int64", "datetime64[us, UTC]", "category"]


def test_ids_beyond_int32_keep_64_bits_even_when_an_earlier_chunk_fitted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns_read, "CHUNK_ROWS", 1)
    k = t.cases.c
    big = 2**31 + 5
    with engine.begin() as conn:
        upsert(conn, t.cases, _cases(1))
        conn.execute(t.cases.insert().values(id=big, source="s", external_id="BIG", opened_at=T, attributes={}, loaded_at=T))
        frame = read_columns(conn, select(k.id).order_by(k.id), {"id": "id"})
    assert str(frame["id"].dtype) == "int64"
    assert frame["id"].tolist()[-1] == big


def test_kinds_must_name_exactly_the_selected_columns(engine: Engine) -> None:
    k = t.cases.c
    with engine.connect() as conn, pytest.raises(ValueError, match=r"kinds name \['id'\] but the statement selects \['id', 'priority'\]"):
        read_columns(conn, select(k.id, k.priority), {"id": "id"})
