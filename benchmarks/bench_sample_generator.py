"""How fast the sample generator is, and proof that its memory does not grow with the sample.

Each size runs in a fresh interpreter that reports its own peak RSS, so the figures do not mix.
Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_sample_generator.py --customers 20000 --factor 10

A peak-RSS ratio near 1.0 between N and 10·N customers means memory is bounded by the chunk size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from crmscore.sample import generate
started = time.perf_counter()
summary = generate(Path(sys.argv[1]), customers=int(sys.argv[2]), fmt=sys.argv[3])
seconds = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "rows": sum(summary.counts.values())}))
"""


def measure(customers: int, fmt: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(Path(tmp) / "sample"), str(customers), fmt],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--fmt", choices=["csv", "jsonl"], default="csv")
    args = parser.parse_args()
    small = measure(args.customers, args.fmt)
    large = measure(args.customers * args.factor, args.fmt)
    for n, m in ((args.customers, small), (args.customers * args.factor, large)):
        print(
            f"{n:>10,} customers: {m['seconds']:7.1f} s, {m['rows']:>12,.0f} rows "
            f"({m['rows'] / m['seconds']:,.0f} rows/s), peak RSS {m['peak_mib']:.0f} MiB"
        )
    print(f"peak RSS ratio {args.factor}x customers / 1x: {large['peak_mib'] / small['peak_mib']:.2f}")
    print(f"time ratio: {large['seconds'] / small['seconds']:.1f}")


if __name__ == "__main__":
    main()
