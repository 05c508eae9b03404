"""Fixtures shared by every test: a real store on SQLite and on PostgreSQL.

``store_url`` and ``engine`` are parametrised, so a test that takes one runs once on each backend.
PostgreSQL is the one on 127.0.0.1:5432 (override with ``CRMSCORE_TEST_POSTGRES_URL``); each test gets
a database of its own. If PostgreSQL cannot be reached the PostgreSQL half fails, loudly, rather
than skipping: a green run must mean both backends passed.

``store_url`` is an *empty* database (for tests of opening and migrating). ``engine`` is a migrated
store: the schema is migrated once per session into a template (a SQLite file, a PostgreSQL template
database) and each test gets a copy, which is several times cheaper than migrating per test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrated template stores, made once: the SQLite file and the PostgreSQL template database."""
    sqlite_file = tmp_path_factory.mktemp("template") / "store.db"
    open_store(f"sqlite:///{sqlite_file}").dispose()
    name = f"crmscore_tpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created = False
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created = True
        open_store(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}").dispose()
        yield {"sqlite": str(sqlite_file), "postgresql": name}
    finally:
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


StoreCopier = Callable[[str, Path], AbstractContextManager[Engine]]


@pytest.fixture(scope="session")
def copy_store(store_templates: dict[str, str]) -> StoreCopier:
    """``with copy_store(backend, folder) as engine``: a migrated store of its own, from the template."""

    @contextmanager
    def copy(backend: str, folder: Path) -> Iterator[Engine]:
        if backend == "sqlite":
            target = folder / "store.db"
            shutil.copyfile(store_templates["sqlite"], target)
            eng = open_store(f"sqlite:///{target}")
            try:
                yield eng
            finally:
                eng.dispose()
            return
        name = f"crmscore_t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{store_templates["postgresql"]}"'))
            eng = open_store(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
            try:
                yield eng
            finally:
                eng.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return copy


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, copy_store: StoreCopier) -> Iterator[Engine]:
    """A migrated store of this test's own, copied from the session's template, on each backend."""
    with copy_store(request.param, tmp_path) as eng:
        yield eng
