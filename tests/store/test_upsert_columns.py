"""Column-wise upserts store exactly what row upserts store, with the same idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, select

from store import tables as t
from store.upsert import upsert, upsert_columns

T0 = datetime(2026, 5, 1, 12, 30, 59, 999_999, tzinfo=UTC)


def _orders(prefix: str, amounts: list[float]) -> dict[str, np.ndarray]:
    n = len(amounts)
    stamps = [T0 - timedelta(days=i, microseconds=i) for i in range(n)]
    return {
        "source": np.full(n, "crm", dtype=object),
        "external_id": np.array([f"{prefix}{i}" for i in range(n)], dtype=object),
        "customer_external_id": np.array(["C1"] * (n - 1) + [None], dtype=object),
        "ordered_at": np.array(stamps, dtype=object),
        "amount": np.array(amounts, dtype=object),
        "attributes": np.array([{}] * (n - 1) + [{"channel": "web"}], dtype=object),
    }


def _stored(engine: Engine, prefix: str) -> list[tuple[object, ...]]:
    o = t.orders.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(o.external_id, o.customer_external_id, o.kind, o.ordered_at, o.amount, o.attributes)
            .where(o.external_id.like(f"{prefix}%"))
            .order_by(o.external_id)
        ).all()
    return [tuple(r[1:]) for r in rows]


def test_columns_and_rows_store_the_same_values(engine: Engine) -> None:
    columns = _orders("R", [10.0, 20.5, -3.0])
    naive = np.array([v.replace(tzinfo=None) for v in columns["ordered_at"]], dtype="datetime64[us]")
    with engine.begin() as conn:
        by_rows = upsert(conn, t.orders, [dict(zip(columns, vals)) for vals in zip(*columns.values())])
        by_columns = upsert_columns(
            conn, t.orders, {**columns, "external_id": np.array(["K0", "K1", "K2"], dtype=object)}, stamps={"ordered_at": naive}
        )
    assert (by_rows.inserted, by_columns.inserted) == (3, 3)
    assert _stored(engine, "K") == _stored(engine, "R")
    assert _stored(engine, "K")[0] == ("C1", "order", T0, 10.0, {})  # the kind default, exact microseconds


def test_loading_the_same_columns_twice_updates_and_a_repeated_key_keeps_its_last_row(engine: Engine) -> None:
    with engine.begin() as conn:
        first = upsert_columns(conn, t.orders, _orders("O", [1.0, 2.0]))
    again = _orders("O", [5.0, 6.0, 7.0])
    again["external_id"] = np.array(["O0", "O9", "O0"], dtype=object)  # O0 twice: the later one wins
    with engine.begin() as conn:
        second = upsert_columns(conn, t.orders, again)
    assert (first.inserted, first.updated) == (2, 0)
    assert (second.inserted, second.updated) == (1, 1)
    stored = {r[0]: r[1] for r in _stored_amounts(engine)}
    assert stored == {"O0": 7.0, "O1": 2.0, "O9": 6.0}


def _stored_amounts(engine: Engine) -> list[tuple[str, float]]:
    o = t.orders.c
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(select(o.external_id, o.amount).order_by(o.external_id))]
