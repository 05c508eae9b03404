"""Benchmark: end-to-end scoring from the store, against a DuckDB bare aggregation of the same data.

Stages (each timed; the two measured ones run in a fresh child process so that their peak RSS is
their own):

1. generate the sample CRM (``crmscore.sample.generate``) and load it into a SQLite store — setup,
   reported but not part of the ratio;
2. **e2e**: read the store into frames (``load_scoring_frames``, skipping the frames the config
   does not need, as ``run_scoring`` does) and ``score_customers`` with the shipped default config;
3. **duckdb**: read the orders (joined to customer ids, the same query ``load_frames`` runs) from the
   same store and aggregate count, sum, min and max of amount per customer with DuckDB — the least
   any scorer must do. DuckDB's SQLite scanner needs a network download, so the rows reach DuckDB as
   a DataFrame read through the same DBAPI cursor and typed reader (``crmscore.columns_read``); the
   aggregation-only time is printed too.

    PYTHONPATH=. python benchmarks/bench_e2e.py --customers 100000
    PYTHONPATH=. python benchmarks/bench_e2e.py --customers 1000000 --store sqlite:////tmp/big.db --workdir /tmp/big
    PYTHONPATH=. python benchmarks/bench_e2e.py --store sqlite:////tmp/big.db --skip-setup

Figures and what limits them: docs/benchmarks.md.

DuckDB is a benchmark-only dependency (``pip install duckdb``); nothing else imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the
    parent, so a child would report the setup stage's peak."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stage_e2e(url: str) -> dict[str, float]:
    from crmscore.config import DEFAULT_CONFIG_PATH, load_config
    from crmscore.pipeline import data_as_of, load_scoring_frames
    from scoring import score_customers
    from scoring.frames_needed import unread_frames
    from store import open_store

    config = load_config(DEFAULT_CONFIG_PATH)
    engine = open_store(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        frames = load_scoring_frames(conn, skip=unread_frames(config))  # as run_scoring reads it
    read = time.perf_counter() - start
    result = score_customers(frames, config, data_as_of(frames))
    total = time.perf_counter() - start
    return {
        "seconds": total,
        "read_seconds": read,
        "score_seconds": total - read,
        "peak_mb": _peak_mb(),
        "customers": float(len(result.scores)),
        "orders": float(len(frames.orders)),
    }


def stage_duckdb(url: str) -> dict[str, float]:
    import duckdb
    from sqlalchemy import and_, select

    from crmscore.columns_read import read_columns
    from store import open_store
    from store import tables as t

    engine = open_store(url)
    c, o = t.customers.c, t.orders.c
    stmt = select(c.id.label("customer_id"), o.amount).select_from(
        t.orders.join(
            t.customers,
            and_(o.source == c.source, o.customer_external_id == c.external_id),
        )
    )
    start = time.perf_counter()
    with engine.connect() as conn:
        orders = read_columns(conn, stmt, {"customer_id": "id", "amount": "float"})
    read = time.perf_counter() - start
    con = duckdb.connect()
    con.register("orders", orders)
    agg = con.execute(
        "SELECT customer_id, count(*), sum(amount), min(amount), max(amount) FROM orders GROUP BY customer_id"
    ).fetchnumpy()
    total = time.perf_counter() - start
    return {
        "seconds": total,
        "read_seconds": read,
        "agg_seconds": total - read,
        "peak_mb": _peak_mb(),
        "groups": float(len(agg["customer_id"])),
    }


def _child(stage: str, url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--store", url],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def setup(url: str, customers: int, seed: int, workdir: Path) -> None:
    """Generate the sample and load it the way ``crmscore load`` does (no benchmark-only path)."""
    from connector.files import FileSource
    from connector.load import load_source
    from crmscore.sample import generate
    from store import open_store

    start = time.perf_counter()
    generate(workdir / "sample", customers=customers, seed=seed)
    generated = time.perf_counter()
    report = load_source(open_store(url), FileSource(workdir / "sample", source="sample"))
    loaded = time.perf_counter() - generated
    print(
        f"setup: generated {customers:,} customers in {generated - start:.1f} s; loaded {report.read:,} rows"
        f" into the store in {loaded:.1f} s ({loaded / max(report.read, 1) * 1e6:.1f} µs a row)"
    )
    print("  rows: " + ", ".join(f"{name} {c.read:,}" for name, c in report.counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--store",
        default=None,
        help="SQLAlchemy URL (default: a SQLite file in a temp folder)",
    )
    parser.add_argument(
        "--skip-setup", action="store_true", help="use the store as it is"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep the generated sample files here (default: a temp folder)"
    )
    parser.add_argument("--stage", choices=["e2e", "duckdb"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        fn = stage_e2e if args.stage == "e2e" else stage_duckdb
        print(json.dumps(fn(args.store)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{tmp}/store.db"
        if not args.skip_setup:
            setup(url, args.customers, args.seed, args.workdir or Path(tmp))
        e2e = _child("e2e", url)
        duck = _child("duckdb", url)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"e2e scoring: {e2e['customers']:,.0f} customers, {e2e['orders']:,.0f} orders: {e2e['seconds']:.2f} s"
        f" (store read {e2e['read_seconds']:.2f} s, scoring {e2e['score_seconds']:.2f} s), peak {e2e['peak_mb']:,.0f} MB"
    )
    print(
        f"duckdb bare aggregation: {duck['seconds']:.2f} s (store read {duck['read_seconds']:.2f} s,"
        f" aggregation {duck['agg_seconds']:.3f} s), peak {duck['peak_mb']:,.0f} MB"
    )
    print(
        f"ratio e2e / duckdb (both from the store): {e2e['seconds'] / duck['seconds']:.2f}  (target ≤ 3)"
    )
    print(
        f"ratio scoring / duckdb aggregation (in memory): {e2e['score_seconds'] / duck['agg_seconds']:.1f}"
    )
    print(f"load average after the run (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
