"""Load test of the GraphQL API: uvicorn on loopback, an open-loop client at a fixed request rate.

For each store size and backend: generate the sample CRM (``crmscore.sample.generate``), load it
through the file source (``connector.load.load_source``), score it (``crmscore.pipeline.run_scoring``),
start uvicorn in a separate process, and send the customers-page query at ``--rate`` requests per
second. Latency is measured from each request's *scheduled* send time, so a server that falls
behind is charged for the queue it builds (no coordinated omission). Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_api.py --customers 2000 100000 --backends sqlite postgresql

PostgreSQL databases (``crmscore_bench_<N>``) are created on 127.0.0.1:5432 and dropped afterwards
unless ``--keep``; SQLite files and generated samples are kept under ``--work`` for reuse.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PAGE = """
query Page($after: String) {
  customers(first: 20, after: $after, orderBy: {field: HEALTH_SCORE, direction: ASC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name healthScore band segment }
  }
}
"""
CARD_PAGE = """
query Cards {
  customers(first: 100, filter: {band: {eq: "At risk"}}) {
    nodes { id name healthScore band indicators { key value score } contributions { key points } alerts(first: 3) { id severity } }
  }
}
"""
QUERIES = {"page": PAGE, "cards": CARD_PAGE}
PG_ADMIN = os.environ.get("CRMSCORE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(customers: int, backend: str, work: Path) -> tuple[str, dict[str, float]]:
    """A scored store of ``customers`` sample customers; returns its URL and the seconds each step took."""
    from sqlalchemy import create_engine, func, select, text

    from connector.files import FileSource
    from connector.load import load_source
    from crmscore.pipeline import run_scoring
    from crmscore.sample import generate
    from store import open_store
    from store.tables import scoring_runs

    timings: dict[str, float] = {}
    sample = work / f"sample-{customers}"
    if not (sample / ".done").exists():
        started = time.perf_counter()
        generate(sample, customers=customers, seed=42)
        (sample / ".done").touch()
        timings["generate"] = time.perf_counter() - started
    if backend == "sqlite":
        url = f"sqlite:///{work / f'store-{customers}.db'}"
    else:
        name = f"crmscore_bench_{customers}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = open_store(url)
    with engine.connect() as conn:
        scored = conn.execute(select(func.count()).select_from(scoring_runs).where(scoring_runs.c.status == "succeeded")).scalar_one()
    if not scored:
        started = time.perf_counter()
        load_source(engine, FileSource(sample, source="sample"))
        timings["load"] = time.perf_counter() - started
        started = time.perf_counter()
        run_scoring(engine)
        timings["score"] = time.perf_counter() - started
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    return url, timings


def drop_postgres(customers: int) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "crmscore_bench_{customers}" WITH (FORCE)'))
    admin.dispose()


def viewer_key(url: str) -> str:
    from crmscore.auth import create_key
    from store import open_store

    engine = open_store(url)
    try:
        return create_key(engine, name="load test", role="viewer")[1]
    finally:
        engine.dispose()


def app_factory() -> Any:
    """For uvicorn's ``--factory`` in the server process (``CRMSCORE_DATABASE_URL`` names the store)."""
    from graphql_api import ApiSettings, create_app
    from store import open_store

    return create_app(open_store(os.environ["CRMSCORE_DATABASE_URL"]), settings=ApiSettings.from_env())


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU of these processes so far, from /proc (Linux)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _TICKS


def _tree(root: int) -> set[int]:
    """``root`` and its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def _postgres_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CRMSCORE_DATABASE_URL": url, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [
        sys.executable, "-m", "uvicorn", "benchmarks.bench_api:app_factory", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, cwd=env["PYTHONPATH"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("the server exited during start-up") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start within 60 s")


_IDLE_SECONDS = 3.0  # below uvicorn's keep-alive timeout (5 s)


class _Http:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less CPU than the
    server it measures (httpx spends ~3.5 ms of CPU per request, more than half the server's), or
    on two cores the client, not the server, sets the ceiling."""

    def __init__(self, port: int, request: bytes) -> None:
        self.port = port
        self.request = request
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened: list[asyncio.StreamWriter] = []

    async def post(self) -> tuple[int, bytes]:
        now = time.monotonic()
        while self.idle and now - self.idle[-1][2] > _IDLE_SECONDS:  # the server may have closed it
            self.idle.pop()[1].close()
        if self.idle:
            reader, writer, _used = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.opened.append(writer)
        writer.write(self.request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("the server answered without Content-Length")
        body = await reader.readexactly(length)
        self.idle.append((reader, writer, time.monotonic()))
        return status, body

    async def close(self) -> None:
        for writer in self.opened:
            writer.close()


async def load(port: int, key: str, query: str, rate: float, count: int, max_seconds: float) -> dict[str, Any]:
    """Send ``count`` requests at ``rate``/s (open loop), stopping early after ``max_seconds``."""
    body = json.dumps({"query": query}).encode()
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    client = _Http(port, request)
    latencies: list[float] = []
    errors: list[str] = []
    try:
        for _ in range(20):  # warm-up: connections, caches, the served run
            await client.post()

        async def one(scheduled: float) -> None:
            try:
                status, answer = await client.post()
                if status != 200 or b'"errors"' in answer:
                    errors.append(f"{status}: {answer[:200]!r}")
            except Exception as exc:  # noqa: BLE001  (counted, reported)
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - scheduled)

        started = time.perf_counter()
        tasks = []
        for i in range(count):
            scheduled = started + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() - started > max_seconds:
                break
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    finally:
        await client.close()
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": 1000 * statistics.fmean(latencies),
    }


def _run(coroutine: Any) -> Any:
    """uvloop when installed (uvicorn[standard] brings it): a cheaper client loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[2000, 100_000])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--queries", nargs="+", choices=sorted(QUERIES), default=["page"])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--requests", type=int, default=3000, help="requests per run (bounded)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="stop sending after this long")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--work", type=Path, default=Path("crmscore-data/bench"))
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for customers in args.customers:
        for backend in args.backends:
            url, timings = prepare(customers, backend, args.work.resolve())
            key = viewer_key(url)
            port = _free_port()
            server = start_server(url, port, args.workers)
            try:
                for name in args.queries:
                    server_pids, pg_pids = _tree(server.pid), _postgres_pids()
                    before = (_cpu_seconds(server_pids), _cpu_seconds(pg_pids), time.process_time())
                    pg_pids_before = set(pg_pids)
                    r = _run(load(port, key, QUERIES[name], args.rate, args.requests, args.max_seconds))
                    done = max(1, r["requests"] + 20)  # the 20 warm-up requests ran on this clock too
                    r["server_cpu_ms"] = 1000 * (_cpu_seconds(server_pids) - before[0]) / done
                    pg_now = _postgres_pids()  # backends opened during the run count from zero
                    pg_used = _cpu_seconds(pg_now & pg_pids_before) - before[1] + _cpu_seconds(pg_now - pg_pids_before)
                    r["postgres_cpu_ms"] = 1000 * pg_used / done if backend == "postgresql" else 0.0
                    r["client_cpu_ms"] = 1000 * (time.process_time() - before[2]) / done
                    r.update(customers=customers, backend=backend, query=name, rate=args.rate, workers=args.workers, setup=timings)
                    results.append(r)
                    print(
                        f"{customers:>7,} {backend:<10} {name:<5} {args.rate:.0f} req/s x{args.workers}: "
                        f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                        f"{r['throughput']:6.1f} req/s  {r['requests']} requests, {r['errors']} errors  "
                        f"CPU per request: server {r['server_cpu_ms']:.1f} ms, PostgreSQL {r['postgres_cpu_ms']:.1f} ms, "
                        f"client {r['client_cpu_ms']:.1f} ms"
                        + (f"  (first: {r['first_error']})" if r["errors"] else ""),
                        flush=True,
                    )
            finally:
                server.terminate()
                server.wait(timeout=30)
                if backend == "postgresql" and not args.keep:
                    drop_postgres(customers)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
