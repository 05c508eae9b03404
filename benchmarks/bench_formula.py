"""Admin formula over 1,000,000 customers: compiled-AST evaluation vs the same expression in numpy.

Run: python benchmarks/bench_formula.py [rows]. Prints wall times and the ratio to hand-written numpy
measured in the same run (the floor a compiled formula can reach), best of 5.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from scoring.formula import compile_formula

FORMULA = "(logins / 30) * 0.5 + (1 - tickets / 10) * 0.3 + (mrr / 1000) * 0.2 + iif(csat >= 4, 5, 0)"


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    cols = {
        "logins": rng.poisson(12, rows).astype(float),
        "tickets": rng.poisson(2, rows).astype(float),
        "mrr": rng.gamma(2, 300, rows),
        "csat": rng.integers(1, 6, rows).astype(float),
    }
    start = time.perf_counter()
    compiled = compile_formula(FORMULA, cols)
    compile_s = time.perf_counter() - start
    ours = best(lambda: compiled.evaluate(cols))
    baseline = best(
        lambda: (cols["logins"] / 30) * 0.5
        + (1 - cols["tickets"] / 10) * 0.3
        + (cols["mrr"] / 1000) * 0.2
        + np.where(cols["csat"] >= 4, 5.0, 0.0)
    )
    got = compiled.evaluate(cols)
    want = (cols["logins"] / 30) * 0.5 + (1 - cols["tickets"] / 10) * 0.3 + (cols["mrr"] / 1000) * 0.2 + np.where(cols["csat"] >= 4, 5.0, 0.0)
    assert np.allclose(got, want)
    print(f"rows: {rows:,}  formula: {FORMULA}")
    print(f"compile: {compile_s * 1000:.2f} ms")
    print(f"compiled formula: {ours * 1000:.1f} ms   hand-written numpy: {baseline * 1000:.1f} ms   ratio: {ours / baseline:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
