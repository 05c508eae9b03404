"""Fixtures shared by every test: a real store on SQLite and on PostgreSQL.

``store_url`` is parametrised, so a test that takes it (or ``engine``) runs once on each backend.
PostgreSQL is the one on 127.0.0.1:5432 (override with ``CRMSCORE_TEST_POSTGRES_URL``); each test gets
a database of its own, created from the ``test`` database. If PostgreSQL cannot be reached the
PostgreSQL half fails, loudly, rather than skipping: a green run must mean both backends passed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from store import open_store

POSTGRES_ADMIN_URL = os.environ.get(
    "CRMSCORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, reachable database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    name = f"crmscore_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated store on each backend."""
    eng = open_store(store_url)
    try:
        yield eng
    finally:
        eng.dispose()
