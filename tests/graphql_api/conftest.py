"""Seeding helpers, clients, and a faster ``engine`` for the GraphQL API tests.

Customers go in through ``store.upsert.upsert`` like a connector's would; scoring runs, scores and
indicator values are plain inserts, standing in for what the scoring pipeline writes.

``engine`` comes from tests/conftest.py (a copy of a migrated template per test); read-only test
modules share one seeded store per module and backend through ``shared_engine``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, insert, select
from starlette.testclient import TestClient

from crmscore.auth import create_key
from graphql_api import ApiSettings, create_app
from store.tables import (
    config_versions,
    customers,
    indicator_values,
    scores,
    scoring_runs,
)
from store.upsert import upsert

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

INDICATORS = [
    {"key": "recency_days", "label": "Days since last order"},
    {"key": "order_count", "label": "Orders in the last year"},
    {"key": "complaints", "label": "Open complaints"},
]


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, copy_store: Any
) -> Iterator[Engine]:
    """One store per test module and backend, for tests that only read (see ``api``/``population``)."""
    with copy_store(request.param, tmp_path_factory.mktemp("shared")) as eng:
        yield eng


class Seeder:
    """Writes customers, config versions and scoring runs into the test's store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def customers(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """Upsert customers (defaults: source ``crm``, kind ``company``); returns external_id -> pk.

        Customers sharing an external id across sources are keyed ``source/external_id``.
        """
        full = [{"source": "crm", "kind": "company", **row} for row in rows]
        with self.engine.begin() as conn:
            upsert(conn, customers, full)
            found = conn.execute(select(customers.c.source, customers.c.external_id, customers.c.id)).all()
        out: dict[str, int] = {}
        for r in found:
            out[f"{r.source}/{r.external_id}"] = r.id
            out.setdefault(r.external_id, r.id)
        return out

    def config(self, indicators: Sequence[Mapping[str, Any]] = INDICATORS) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    insert(config_versions).returning(config_versions.c.id),
                    {
                        "name": "test",
                        "body": {"indicators": list(indicators)},
                        "checksum": "0" * 64,
                        "created_at": T0,
                        "active": True,
                    },
                ).scalar_one()
            )

    def run(
        self,
        config_id: int,
        rows: Mapping[int, Mapping[str, Any]],
        *,
        status: str = "succeeded",
    ) -> int:
        """A scoring run with a score row per customer pk in ``rows``.

        A row may hold ``health_score``, ``band``, ``segment``, ``scorecard``, ``rfm`` (an (r, f, m)
        tuple) and ``indicators`` (key -> (value, score, points)).
        """
        with self.engine.begin() as conn:
            run_id = int(
                conn.execute(
                    insert(scoring_runs).returning(scoring_runs.c.id),
                    {
                        "status": status,
                        "config_version_id": config_id,
                        "as_of": T0,
                        "started_at": T0,
                        "finished_at": T0 + timedelta(seconds=5) if status != "running" else None,
                        "customers_scored": len(rows),
                        "error": "scoring failed" if status == "failed" else None,
                    },
                ).scalar_one()
            )
            score_rows = []
            value_rows = []
            for pk, row in rows.items():
                rfm = row.get("rfm") or (None, None, None)
                score_rows.append(
                    {
                        "run_id": run_id,
                        "customer_id": pk,
                        "health_score": row.get("health_score"),
                        "band": row.get("band"),
                        "segment": row.get("segment"),
                        "scorecard": row.get("scorecard"),
                        "r_score": rfm[0],
                        "f_score": rfm[1],
                        "m_score": rfm[2],
                    }
                )
                for key, (value, score, points) in row.get("indicators", {}).items():
                    value_rows.append(
                        {
                            "run_id": run_id,
                            "customer_id": pk,
                            "key": key,
                            "value": value,
                            "score": score,
                            "points": points,
                        }
                    )
            if score_rows:
                conn.execute(insert(scores), score_rows)
            if value_rows:
                conn.execute(insert(indicator_values), value_rows)
        return run_id


@pytest.fixture
def seed(engine: Engine) -> Seeder:
    return Seeder(engine)


#: Settings for tests: no caching of the served run or of totals, so what a test seeds between
#: requests is what the next request sees.
TEST_SETTINGS = ApiSettings(served_run_ttl=0.0, count_cache_ttl=0.0)


class Api:
    """A TestClient that posts GraphQL with an API key and returns the decoded body.

    ``api`` is a viewer; ``api.admin`` the same client with an admin key; ``api.anonymous`` sends none.
    """

    def __init__(self, client: TestClient, key: str | None, *, keys: Mapping[str, str] | None = None) -> None:
        self.client = client
        self.key = key
        self.keys = dict(keys or {})

    def as_key(self, key: str | None) -> Api:
        return Api(self.client, key, keys=self.keys)

    @property
    def admin(self) -> Api:
        return self.as_key(self.keys["admin"])

    @property
    def anonymous(self) -> Api:
        return self.as_key(None)

    def post(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        headers = {"authorization": f"Bearer {self.key}"} if self.key else {}
        return self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def __call__(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    def error_codes(self, query: str, variables: Mapping[str, Any] | None = None) -> list[Any]:
        """The ``extensions.code`` of each error of a response that must have errors."""
        body = self(query, variables)
        assert body.get("errors"), body
        return [e.get("extensions", {}).get("code") for e in body["errors"]]


def make_keys(engine: Engine) -> dict[str, str]:
    """A viewer, an admin and a viewer limited to source ``odoo``: role -> plaintext key."""
    return {
        "viewer": create_key(engine, name="test viewer", role="viewer")[1],
        "admin": create_key(engine, name="test admin", role="admin")[1],
        "odoo viewer": create_key(engine, name="odoo viewer", role="viewer", source="odoo")[1],
        "odoo admin": create_key(engine, name="odoo admin", role="admin", source="odoo")[1],
    }


@pytest.fixture
def keys(engine: Engine) -> dict[str, str]:
    return make_keys(engine)


@pytest.fixture
def fresh_api(engine: Engine, keys: dict[str, str]) -> Iterator[Api]:
    """A client of this test's own store (``engine``), for tests that write."""
    with TestClient(create_app(engine, settings=TEST_SETTINGS)) as client:
        yield Api(client, keys["viewer"], keys=keys)


@pytest.fixture(scope="module")
def shared_keys(shared_engine: Engine) -> dict[str, str]:
    return make_keys(shared_engine)


@pytest.fixture(scope="module")
def api(shared_engine: Engine, shared_keys: dict[str, str]) -> Iterator[Api]:
    """A client of the module's shared store: for tests that only read. Writers use ``fresh_api``."""
    with TestClient(create_app(shared_engine, settings=TEST_SETTINGS)) as client:
        yield Api(client, shared_keys["viewer"], keys=shared_keys)


class Population:
    """Thirty customers on three sources, scored in the served run with ties and nulls.

    Runs: an older succeeded run and a newer failed one surround the served run, so a test that
    sees their values has read the wrong run. Most scored customers have a ``csat`` indicator; scored
    companies were scored with the ``enterprise`` scorecard, scored persons with ``standard``.
    Customers 22-23 have a score row without a score (nor a scorecard); 24-29 were not scored at all. Names and external ids repeat, so ordering must tie-break on id.
    """

    SCORES: ClassVar[list[float]] = [12.5, 40.0, 40.0, 55.25, 70.0, 70.0, 70.0, 91.0]

    def __init__(self, seed: Seeder) -> None:
        rows = []
        for i in range(30):
            source, external_id = ("suitecrm" if i % 3 else "odoo"), f"c{i:02d}"
            if i >= 28:
                source, external_id = "files", f"c{i - 27:02d}"
            rows.append(
                {
                    "source": source,
                    "external_id": external_id,
                    "name": f"Customer {i % 10:02d}",
                    "kind": "person" if i % 4 == 0 else "company",
                    "owner": None if i % 5 == 0 else ("alice" if i % 2 else "bob"),
                }
            )
        pks = seed.customers(rows)
        self.config_id = seed.config()
        self.customers: list[dict[str, Any]] = []
        served: dict[int, dict[str, Any]] = {}
        for i, row in enumerate(rows):
            pk = pks[f"{row['source']}/{row['external_id']}"]
            score = self.SCORES[i % 8] if i < 22 else None
            band = None
            if score is not None:
                band = "at_risk" if score < 40 else "watch" if score < 70 else "healthy"
            segment = ["champions", "loyal", "hibernating"][i % 3] if i < 24 else None
            scorecard = None if score is None else ("enterprise" if row["kind"] == "company" else "standard")
            # csat: value 5i and score 4i for most scored customers; missing for every fourth and the unscored.
            csat = (5.0 * i, 4.0 * i, 0.5 * i - 5) if i < 24 and i % 4 != 3 else None
            record = {
                **row,
                "pk": pk,
                "health_score": score,
                "band": band,
                "segment": segment,
                "scorecard": scorecard,
                "csat": csat,
            }
            self.customers.append(record)
            if i < 24:
                indicators = {"csat": csat} if csat else {}
                served[pk] = {
                    "health_score": score,
                    "band": band,
                    "segment": segment,
                    "scorecard": scorecard,
                    "indicators": indicators,
                }
        self.old_run = seed.run(
            self.config_id, {pk: {"health_score": 99.0, "band": "old", "scorecard": "old"} for pk in served}
        )
        self.served_run = seed.run(self.config_id, served)
        self.failed_run = seed.run(
            self.config_id,
            {pk: {"health_score": 1.0, "band": "failed", "scorecard": "failed"} for pk in served},
            status="failed",
        )


@pytest.fixture(scope="module")
def population(shared_engine: Engine) -> Population:
    """The population in the module's shared store (read it through ``api``; never write to it)."""
    return Population(Seeder(shared_engine))


@pytest.fixture
def fresh_population(seed: Seeder) -> Population:
    """The population in this test's own store (use with ``fresh_api`` and ``seed``)."""
    return Population(seed)
