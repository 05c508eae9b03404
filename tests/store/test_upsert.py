"""Idempotent loading by (source, external_id), and aware-UTC timestamps on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, func, select

from store import tables as t
from store.upsert import upsert

T0 = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def _customers(n: int, name: str = "Acme") -> list[dict[str, object]]:
    return [
        {"source": "crm", "external_id": f"C{i}", "name": f"{name} {i}", "kind": "company", "active": True, "modified_at": T0}
        for i in range(n)
    ]


def test_loading_the_same_rows_twice_leaves_one_copy_and_reports_updates(engine: Engine) -> None:
    with engine.begin() as conn:
        first = upsert(conn, t.customers, _customers(3))
    with engine.begin() as conn:
        second = upsert(conn, t.customers, _customers(3, name="Renamed"))
        rows = conn.execute(select(t.customers.c.external_id, t.customers.c.name).order_by(t.customers.c.external_id)).all()
    assert (first.inserted, first.updated) == (3, 0)
    assert (second.inserted, second.updated) == (0, 3)
    assert rows == [("C0", "Renamed 0"), ("C1", "Renamed 1"), ("C2", "Renamed 2")]


def test_the_same_external_id_in_two_sources_is_two_customers(engine: Engine) -> None:
    with engine.begin() as conn:
        upsert(conn, t.customers, _customers(1))
        upsert(conn, t.customers, [{**_customers(1)[0], "source": "other"}])
        assert conn.execute(select(func.count()).select_from(t.customers)).scalar_one() == 2


def test_a_key_repeated_in_one_batch_keeps_the_last_row(engine: Engine) -> None:
    rows = _customers(1) + [{**_customers(1)[0], "name": "Later"}]
    with engine.begin() as conn:
        counts = upsert(conn, t.customers, rows)
        assert conn.execute(select(t.customers.c.name)).scalar_one() == "Later"
    assert counts.inserted == 1


def test_timestamps_come_back_aware_utc_whatever_zone_went_in(engine: Engine) -> None:
    cet = timezone(timedelta(hours=2))
    naive = datetime(2026, 5, 1, 12, 30)
    with engine.begin() as conn:
        upsert(conn, t.customers, [{**_customers(1)[0], "modified_at": T0.astimezone(cet)}])
        upsert(conn, t.customers, [{**_customers(2)[1], "modified_at": naive}])
        stamps = conn.execute(select(t.customers.c.modified_at).order_by(t.customers.c.external_id)).scalars().all()
    assert stamps == [T0, T0]
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in stamps)


def test_attributes_keep_what_the_model_does_not_name(engine: Engine) -> None:
    row = {**_customers(1)[0], "attributes": {"x_loyalty_tier": "gold", "nested": {"a": [1, 2]}}}
    with engine.begin() as conn:
        upsert(conn, t.customers, [row])
        assert conn.execute(select(t.customers.c.attributes)).scalar_one() == {
            "x_loyalty_tier": "gold",
            "nested": {"a": [1, 2]},
        }
