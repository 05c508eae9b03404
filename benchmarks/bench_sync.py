"""Benchmark: sync 100,000+ records from a loopback CRM replaying the recorded page shapes.

A fake Odoo (JSON-RPC) or SuiteCRM (V8) server runs in its own process on 127.0.0.1, holding
copies of the partners / accounts recorded from the live servers (new ids, spread modification
times). A second process runs ``sync_source`` into a fresh store and reports records per second
and its peak resident memory. Memory must stay flat as the record count grows: pages are mapped,
upserted and dropped one at a time, and nothing per record survives a page except the ids at the
cursor.

    PYTHONPATH=. python benchmarks/bench_sync.py                       # Odoo, 25,000 and 100,000 records
    PYTHONPATH=. python benchmarks/bench_sync.py --crm suitecrm --sizes 20000 100000
    PYTHONPATH=. python benchmarks/bench_sync.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "recordings"


def _recorded(crm: str, seq: int) -> Any:
    with (RECORDINGS / crm / "exchanges.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            exchange = json.loads(line)
            if exchange["seq"] == seq:
                return json.loads(exchange["response"]["body"]["string"])
    raise LookupError(f"{crm} exchange {seq}")


def _serve(crm: str, records: int, ready: Any, stop: Any) -> None:
    """The server process: build the fake CRM from recorded templates and serve until told to stop."""
    from connector.testing import FakeClock, FakeOdoo, FakeSuiteCrm, LoopbackServer

    start = datetime.now(UTC) - timedelta(days=30)
    clock = FakeClock(start, tick=timedelta(0))
    step = timedelta(days=29) / records
    if crm == "odoo":
        types = {name: info["type"] for name, info in _recorded("odoo17", 8)["result"].items()}
        templates = [r for seq in (15, 16, 17) for r in _recorded("odoo17", seq)["result"]]
        fake: Any = FakeOdoo(clock, field_types=types)
        for n in range(records):
            values = {k: v for k, v in templates[n % len(templates)].items() if k not in ("id", "write_date", "parent_id")}
            values["name"] = f"{values['name']} #{n}"
            fake.add(values, modified=start + step * n)
    else:
        meta = _recorded("suitecrm714", 19)["data"]["attributes"]
        templates = [r["attributes"] for seq in (28, 29, 30, 31) for r in _recorded("suitecrm714", seq)["data"]]
        fake = FakeSuiteCrm(clock, meta_fields=meta)
        for n in range(records):
            attributes = {k: v for k, v in templates[n % len(templates)].items() if k != "date_modified"}
            attributes["name"] = f"{attributes['name']} #{n}"
            fake.add(attributes, modified=start + step * n)
    with LoopbackServer(fake) as server:
        ready.put(server.url)
        stop.wait()


def _sync(crm: str, url: str, database_url: str, page_size: int, name: str, out: Any) -> None:
    """The measured process: a cold sync (a source name of its own) into the store."""
    from connector.api_mapping import parse_stream
    from connector.http import HttpClient
    from connector.sync import SyncOptions, sync_source
    from store import open_store

    engine = open_store(database_url)
    http = HttpClient(url)
    if crm == "odoo":
        from connector.odoo import OdooSource, connect, odoo_streams

        transport = connect(http, database="crm", login="admin", password="admin")
        spec = parse_stream("partners", odoo_streams(transport.version)["partners"], where="bench")
        source: Any = OdooSource(name, transport, [spec], page_size=page_size)
    else:
        from connector.suitecrm import SUITECRM_STREAMS, SuiteCrmClient, SuiteCrmSource

        spec = parse_stream("accounts", SUITECRM_STREAMS["accounts"], where="bench")
        client = SuiteCrmClient(url, client_id="client", client_secret="secret", http=http)
        source = SuiteCrmSource(name, client, [spec], page_size=page_size)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = sync_source(engine, source, options=SyncOptions(quality=False, reconcile="never"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.dispose()
    out.put({"read": report.total("read"), "inserted": report.total("inserted"), "seconds": seconds,
             "requests": http.requests_sent, "baseline_mb": baseline / 1024, "peak_mb": peak / 1024})


def run(crm: str, size: int, page_size: int, database_url: str | None) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(crm, size, ready, stop), daemon=True)
    server.start()
    url = ready.get(timeout=600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = ctx.Queue()
            worker = ctx.Process(target=_sync, args=(crm, url, database_url or f"sqlite:///{tmp}/bench.db", page_size,
                                                          f"bench-{crm}-{size}-{time.time_ns()}", out))
            worker.start()
            result = out.get(timeout=3600)
            worker.join()
    finally:
        stop.set()
        server.join(timeout=10)
    return {"size": size, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crm", choices=("odoo", "suitecrm"), default="odoo")
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="store to sync into (default: a fresh SQLite file)")
    args = parser.parse_args()
    print(f"{args.crm}, page size {args.page_size}, store {args.database_url or 'SQLite (temporary file)'}")
    print(f"{'records':>9} {'seconds':>8} {'records/s':>10} {'requests':>9} {'peak RSS':>9} {'over start':>11}")
    for size in args.sizes:
        r = run(args.crm, size, args.page_size, args.database_url)
        assert r["read"] == size == r["inserted"], r
        print(f"{size:>9,} {r['seconds']:>8.1f} {size / r['seconds']:>10,.0f} {r['requests']:>9,} "
              f"{r['peak_mb']:>7.0f}MB {r['peak_mb'] - r['baseline_mb']:>9.0f}MB")


if __name__ == "__main__":
    main()
