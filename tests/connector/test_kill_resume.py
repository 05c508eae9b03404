"""A sync killed at any point resumes with nothing lost and nothing duplicated.

Twenty kill points per CRM on SQLite (eight more on PostgreSQL) are drawn at random (seeded) among
every place a sync can die: before any HTTP request, between a page's upsert and the commit of its
state, after the state is written but before the commit. The kill is a ``BaseException`` — like Ctrl-C or a dying worker, no
``except Exception`` can swallow it. Between the kill and the resume the CRM changes (records
edited, added, deleted), as it would in life. After the resumed sync and the next regular one, the
store must equal what a clean full sync of the final CRM produces, row for row and value for value.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

import connector.sync as sync_module
from connector.http import HttpClient
from connector.sync import SyncOptions, sync_source
from connector.testing import LoopbackServer
from store import open_store, tables

KILL_POINTS = {"sqlite": 20, "postgresql": 8}  # PostgreSQL repeats a smaller sample: the logic is shared
_COMPARED = ("customers", "contacts")


class Killed(BaseException):
    """The process died here."""


class KillSwitch:
    def __init__(self) -> None:
        self.events = 0
        self.kill_at: int | None = None

    def tick(self) -> None:
        self.events += 1
        if self.kill_at is not None and self.events == self.kill_at:
            self.kill_at = None
            raise Killed(f"killed at event {self.events}")


@pytest.fixture
def switch(monkeypatch: pytest.MonkeyPatch) -> KillSwitch:
    kill = KillSwitch()
    send, upsert, save_state = HttpClient.send, sync_module.upsert, sync_module.save_state

    def killing_send(self: HttpClient, *args: Any, **kwargs: Any) -> Any:
        kill.tick()
        return send(self, *args, **kwargs)

    def killing_upsert(*args: Any, **kwargs: Any) -> Any:
        result = upsert(*args, **kwargs)
        kill.tick()  # rows written, state not yet: the transaction must roll back both
        return result

    def killing_save_state(*args: Any, **kwargs: Any) -> Any:
        save_state(*args, **kwargs)
        kill.tick()  # state written, not committed

    monkeypatch.setattr(HttpClient, "send", killing_send)
    monkeypatch.setattr(sync_module, "upsert", killing_upsert)
    monkeypatch.setattr(sync_module, "save_state", killing_save_state)
    return kill


def _snapshot(engine: Engine, source: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows = {}
    with engine.connect() as conn:
        for entity in _COMPARED:
            table = tables.ENTITY_TABLES[entity]
            cols = [c for c in table.c if c.name not in ("id", "loaded_at")]
            for row in conn.execute(select(*cols).where(table.c.source == source)):
                key = (entity, row.external_id)
                assert key not in rows, f"duplicated {key}"
                rows[key] = tuple(row)
    return rows


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (*(tables.ENTITY_TABLES[e] for e in _COMPARED), tables.sync_state, tables.writeback_state):
            conn.execute(delete(table))


def _mutate(crm: Any, rng: random.Random, kind: str) -> None:
    ids = sorted(crm.records)
    for rid in rng.sample(ids, 3):
        crm.touch(rid, {"name": f"renamed {rng.randrange(10**6)}"})
    crm.delete(rng.choice(ids))
    for n in range(2):
        if kind == "suitecrm":
            crm.add({"name": f"new account {rng.randrange(10**6)}", "account_type": "Customer"})
        else:
            crm.add({"name": f"new partner {rng.randrange(10**6)}", "is_company": True, "parent_id": False,
                     "customer_rank": 1})


@pytest.mark.parametrize("kind", ["suitecrm", "odoo"])
def test_a_sync_killed_at_random_points_resumes_with_nothing_lost_or_duplicated(
    engine: Engine, fakes: Any, make_source: Any, switch: KillSwitch, kind: str, tmp_path: Path
) -> None:
    crm = fakes.suitecrm(40)[0] if kind == "suitecrm" else fakes.odoo(40)
    fakes.clock.advance(timedelta(minutes=2))
    options = SyncOptions(lookback=timedelta(minutes=2), quality=False)
    rng = random.Random(20261122)
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    lost = duplicated = 0
    with LoopbackServer(crm, fakes.clock) as server:
        source = make_source(kind, server.url, page_size=5)
        switch.events = 0
        sync_source(engine, source, options=options, clock=fakes.clock)  # a clean run, to count the kill points
        points = sorted(rng.sample(range(1, switch.events + 1), KILL_POINTS[engine.dialect.name]))
        for point in points:
            _wipe(engine)
            switch.events, switch.kill_at = 0, point
            with pytest.raises(Killed):
                sync_source(engine, source, options=options, clock=fakes.clock)
            _mutate(crm, rng, kind)
            sync_source(engine, source, options=options, clock=fakes.clock)  # the resume
            fakes.clock.advance(timedelta(minutes=2))
            sync_source(engine, source, options=SyncOptions(lookback=timedelta(minutes=2), reconcile="always",
                                                            quality=False), clock=fakes.clock)
            _wipe(reference)
            sync_source(reference, source, options=SyncOptions(full=True, quality=False), clock=fakes.clock)
            got, want = _snapshot(engine, source.name), _snapshot(reference, source.name)
            lost += len(set(want) - set(got))
            duplicated += len(set(got) - set(want))
            assert got == want, f"kill at event {point}: the resumed store differs from a clean full sync"
    reference.dispose()
    assert (lost, duplicated) == (0, 0)
    assert len(crm.records) > 40  # the CRM really changed under the syncs
