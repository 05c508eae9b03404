"""Benchmark: score synthetic portfolios of 100k and 1M customers, against a bare-pandas baseline.

The baseline is the least any scorer must do — one ``groupby`` computing count, sum and max of orders
per customer — measured in the same run on the same frames, so the printed ratio is comparable
across machines even though the absolute seconds are not.

    PYTHONPATH=. python benchmarks/bench_scoring.py              # 100k and 1M customers
    PYTHONPATH=. python benchmarks/bench_scoring.py --customers 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import numpy as np
import pandas as pd

from crmscore.config import DEFAULT_CONFIG_PATH, load_config
from scoring import CRMFrames, score_customers

AS_OF = datetime(2025, 6, 30, tzinfo=UTC)
_DAY_US = 86_400_000_000


def _stamps(rng: np.random.Generator, n: int, max_days_back: float) -> pd.Series:
    back = (rng.random(n) * max_days_back * _DAY_US).astype(np.int64)
    us = np.int64(pd.Timestamp(AS_OF).value // 1000) - back
    return pd.Series(pd.to_datetime(us, unit="us", utc=True))


def _text(rng: np.random.Generator, choices: list[str], p: list[float], n: int) -> pd.Series:
    return pd.Series(pd.array(np.asarray(choices, dtype=object)[rng.choice(len(choices), n, p=p)], dtype="str"))


def synthetic_frames(n_customers: int, orders_per_customer: float = 20.0, seed: int = 7) -> CRMFrames:
    """A portfolio with skewed activity (a few heavy buyers, many light ones), built with numpy."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n_customers + 1, dtype=np.int64) * 3  # sparse ids, like a real store
    appetite = rng.gamma(0.8, 1.0, n_customers)
    appetite /= appetite.sum()

    def owners(count: int) -> np.ndarray:
        return ids[rng.choice(n_customers, count, p=appetite)]

    n_orders = int(n_customers * orders_per_customer)
    kinds = _text(rng, ["order", "invoice", "refund"], [0.85, 0.10, 0.05], n_orders)
    amount = rng.lognormal(4.0, 1.0, n_orders)
    amount = np.where(kinds.to_numpy() == "refund", -amount * 0.5, amount)
    n_cases, n_acts, n_surveys = n_customers * 2, n_customers * 8, n_customers
    survey = _text(rng, ["csat", "nps"], [0.5, 0.5], n_surveys)
    is_nps = survey.to_numpy() == "nps"
    return CRMFrames(
        customers=pd.DataFrame(
            {
                "customer_id": ids,
                "name": pd.array([f"c{i}" for i in ids], dtype="str"),
                "kind": _text(rng, ["company", "person"], [0.6, 0.4], n_customers),
                "created_at": _stamps(rng, n_customers, 5 * 365),
                "active": rng.random(n_customers) < 0.95,
            }
        ),
        orders=pd.DataFrame(
            {"customer_id": owners(n_orders), "ordered_at": _stamps(rng, n_orders, 3 * 365), "amount": amount, "kind": kinds}
        ),
        order_lines=CRMFrames.empty().order_lines,
        cases=pd.DataFrame(
            {
                "customer_id": owners(n_cases),
                "opened_at": _stamps(rng, n_cases, 2 * 365),
                "first_response_at": _stamps(rng, n_cases, 2 * 365),
                "closed_at": _stamps(rng, n_cases, 2 * 365),
                "is_complaint": rng.random(n_cases) < 0.3,
                "priority": _text(rng, ["low", "medium", "high"], [0.5, 0.4, 0.1], n_cases),
            }
        ),
        activities=pd.DataFrame(
            {
                "customer_id": owners(n_acts),
                "kind": _text(rng, ["call", "meeting", "email", "task"], [0.3, 0.1, 0.5, 0.1], n_acts),
                "direction": _text(rng, ["inbound", "outbound"], [0.4, 0.6], n_acts),
                "occurred_at": _stamps(rng, n_acts, 2 * 365),
            }
        ),
        surveys=pd.DataFrame(
            {
                "customer_id": ids[rng.choice(n_customers, n_surveys)],
                "survey": survey,
                "score": np.where(is_nps, rng.integers(0, 11, n_surveys), rng.integers(1, 6, n_surveys)).astype(float),
                "scale_min": np.where(is_nps, 0.0, 1.0),
                "scale_max": np.where(is_nps, 10.0, 5.0),
                "responded_at": _stamps(rng, n_surveys, 2 * 365),
            }
        ),
    )


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _baseline(frames: CRMFrames) -> pd.DataFrame:
    return frames.orders.groupby("customer_id").agg(
        n=("amount", "count"), total=("amount", "sum"), last=("ordered_at", "max")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--orders-per-customer", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(DEFAULT_CONFIG_PATH)
    print(f"config: {DEFAULT_CONFIG_PATH.name} ({len(config.indicators)} indicators); best of {args.repeat}")
    print(f"{'customers':>10} {'orders':>11} {'baseline s':>11} {'scoring s':>10} {'customers/s':>12} {'ratio':>6}")
    for n in args.customers:
        frames = synthetic_frames(n, args.orders_per_customer)
        base = _best(partial(_baseline, frames), args.repeat)
        took = _best(partial(score_customers, frames, config, AS_OF), args.repeat)
        print(f"{n:>10,} {len(frames.orders):>11,} {base:>11.3f} {took:>10.3f} {n / took:>12,.0f} {took / base:>6.1f}")


if __name__ == "__main__":
    main()
