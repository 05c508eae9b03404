"""Opening the store: any SQLAlchemy URL, migrated on open, clear errors when it cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, insert, inspect, select

from store import StoreUnavailable, open_store
from store.engine import database_url, reading
from store.tables import customers, metadata


def test_the_migrated_schema_matches_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), metadata)
    assert drift == [], "store/tables.py and the Alembic migrations disagree; write a migration"


def test_opening_twice_is_a_no_op(store_url: str) -> None:
    first = open_store(store_url)
    tables = set(inspect(first).get_table_names())
    first.dispose()
    second = open_store(store_url)
    assert set(inspect(second).get_table_names()) == tables
    assert {"customers", "orders", "scores", "indicator_values", "alembic_version"} <= tables
    second.dispose()


def test_the_url_comes_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMSCORE_DATABASE_URL", "sqlite:///from-env.db")
    assert database_url() == "sqlite:///from-env.db"
    assert database_url("sqlite:///explicit.db") == "sqlite:///explicit.db"
    monkeypatch.delenv("CRMSCORE_DATABASE_URL")
    assert database_url() == "sqlite:///crmscore.db"


def test_an_unreachable_server_is_named_without_its_password() -> None:
    with pytest.raises(StoreUnavailable) as info:
        open_store("postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere")
    message = str(info.value)
    assert message.startswith("cannot reach postgresql+psycopg://someone:***@127.0.0.1:1/nowhere")
    assert "s3cret" not in message


def test_a_sqlite_file_in_a_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_garbage_is_not_a_url() -> None:
    with pytest.raises(StoreUnavailable, match="not a database URL"):
        open_store("definitely not a url")


def _autocommit(conn: Any) -> bool:
    driver = conn.connection.driver_connection
    return bool(driver.autocommit) if hasattr(driver, "pgconn") else driver.isolation_level is None


def test_reads_run_in_autocommit_and_hand_back_a_transactional_connection(engine: Engine) -> None:
    """API reads skip BEGIN/ROLLBACK; the pooled connection a writer gets next must not."""
    with reading(engine) as conn:
        assert conn.execute(select(func.count()).select_from(customers)).scalar_one() == 0
        assert _autocommit(conn)
    with engine.begin() as conn:  # the same pooled connection, reset on its way back
        assert not _autocommit(conn)
        conn.execute(insert(customers).values(source="t", external_id="1", name="kept", kind="company", active=True, loaded_at=datetime.now(UTC)))
        conn.rollback()
    with reading(engine) as conn:
        assert conn.execute(select(func.count()).select_from(customers)).scalar_one() == 0  # the rollback held
