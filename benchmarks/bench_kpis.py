"""Benchmark: the portfolio KPI table over many monthly periods, against a per-period computation.

``kpi_table`` places every order, lead, campaign, answer and case in its period once. The baseline,
measured in the same run on the same synthetic frames, is how the table was computed before: a loop
over the periods calling each public single-period KPI function on the whole frames (every frame
re-scanned per period and KPI). Both results are checked equal, exactly, before any figure is printed.

    PYTHONPATH=. python benchmarks/bench_kpis.py                          # 240 months, 1M orders
    PYTHONPATH=. python benchmarks/bench_kpis.py --periods 60 --orders 200000 --customers 20000
    PYTHONPATH=. python benchmarks/bench_kpis.py --baseline-periods 24    # baseline on 24 periods, scaled

With ``--baseline-periods K`` the baseline runs on the first K periods only and its time is scaled
by periods / K (its cost per period does not depend on the period); equality is checked on those K.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from scoring.kpis import Period, kpi_table, periods
from tests.scoring.kpis.reference import reference_table

_DAY_US = 86_400_000_000


def _stamps(rng: np.random.Generator, n: int, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    span = int((last - first) / pd.Timedelta(microseconds=1))
    micros = first.as_unit("us").value // 1_000 + rng.integers(0, span, n)
    return pd.Series(micros.astype("datetime64[us]")).dt.tz_localize("UTC")


def frames(orders: int, customers: int, first: pd.Timestamp, last: pd.Timestamp, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Synthetic KPI inputs: history from a year before ``first`` to ``last``, every frame ~proportional to ``orders``."""
    rng = np.random.default_rng(seed)
    start = first - pd.Timedelta(days=365)
    kinds = rng.choice(np.array(["order", "invoice", "refund", "quote"]), orders, p=[0.7, 0.15, 0.05, 0.1])
    n_leads, n_answers, n_cases, n_campaigns = orders // 10, orders // 10, orders // 20, max(orders // 2_000, 10)
    created = _stamps(rng, n_leads, start, last)
    converted = created + pd.to_timedelta(rng.uniform(0, 90, n_leads), unit="D")
    is_nps = rng.random(n_answers) < 0.5
    return {
        "orders": pd.DataFrame(
            {
                "customer_id": rng.integers(1, customers + 1, orders).astype("int64"),
                "ordered_at": _stamps(rng, orders, start, last),
                "amount": rng.lognormal(4, 1, orders) * np.where(kinds == "refund", -1, 1),
                "kind": pd.Series(kinds, dtype="str"),
            }
        ),
        "leads": pd.DataFrame(
            {
                "created_at": created,
                "converted_at": converted.where(rng.random(n_leads) < 0.3),
                "campaign_id": pd.Series(rng.integers(0, n_campaigns, n_leads).astype(str), dtype="str"),
                "customer_id": pd.array(rng.integers(1, customers + 1, n_leads), dtype="Int64"),
            }
        ),
        "campaigns": pd.DataFrame(
            {
                "campaign_id": pd.Series(np.arange(n_campaigns).astype(str), dtype="str"),
                "cost": rng.lognormal(7, 1, n_campaigns),
                "started_at": _stamps(rng, n_campaigns, start, last),
                "channel": pd.Series(rng.choice(np.array(["email", "ads", "retention"]), n_campaigns), dtype="str"),
            }
        ),
        "surveys": pd.DataFrame(
            {
                "customer_id": rng.integers(1, customers + 1, n_answers).astype("int64"),
                "survey": pd.Series(np.where(is_nps, "nps", "csat"), dtype="str"),
                "score": np.where(is_nps, rng.integers(0, 11, n_answers), rng.integers(1, 6, n_answers)).astype("float64"),
                "scale_min": np.where(is_nps, 0.0, 1.0),
                "scale_max": np.where(is_nps, 10.0, 5.0),
                "responded_at": _stamps(rng, n_answers, start, last),
            }
        ),
        "cases": pd.DataFrame(
            {
                "customer_id": rng.integers(1, customers + 1, n_cases).astype("int64"),
                "opened_at": _stamps(rng, n_cases, start, last),
                "is_complaint": rng.random(n_cases) < 0.3,
            }
        ),
    }


def table(f: dict[str, pd.DataFrame], wanted: list[Period]) -> pd.DataFrame:
    return kpi_table(f["orders"], f["leads"], f["campaigns"], wanted, surveys=f["surveys"], cases=f["cases"])


def per_period(f: dict[str, pd.DataFrame], wanted: list[Period]) -> pd.DataFrame:
    """The baseline: each period's KPIs from the single-period functions over the whole frames (the
    test suite's reference), with ``kind`` a category as the per-period table had it (isin on codes)."""
    orders = f["orders"].assign(kind=f["orders"]["kind"].astype("category"))
    return reference_table(orders, f["leads"], f["campaigns"], wanted, surveys=f["surveys"], cases=f["cases"])


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=240, help="monthly periods (default 240: twenty years)")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--baseline-periods", type=int, default=None, help="run the baseline on this many periods only")
    args = parser.parse_args()
    last = pd.Timestamp("2026-01-01", tz="UTC")
    first = last - pd.DateOffset(months=args.periods)
    months = periods(first, last)
    f = frames(args.orders, args.customers, first, last)
    k = min(args.baseline_periods or len(months), len(months))
    print(
        f"{len(months)} monthly periods; {len(f['orders']):,} orders of {args.customers:,} customers, "
        f"{len(f['leads']):,} leads, {len(f['campaigns']):,} campaigns, {len(f['surveys']):,} answers, {len(f['cases']):,} cases"
    )
    ours, ours_s = timed(table, f, months)
    theirs, theirs_s = timed(per_period, f, months[:k])
    pd.testing.assert_frame_equal(ours.iloc[:k].reset_index(drop=True), theirs, check_exact=True)
    scaled = theirs_s * len(months) / k
    note = "" if k == len(months) else f" (measured on {k} periods: {theirs_s:.2f} s, scaled × {len(months) / k:.1f})"
    print(f"kpi_table, all periods at once:   {ours_s:8.2f} s   ({ours_s / len(months) * 1000:.1f} ms a period)")
    print(f"per-period scans (baseline):      {scaled:8.2f} s{note}")
    print(f"ratio kpi_table / baseline: {ours_s / scaled:.3f}  (speed-up × {scaled / ours_s:.1f})")


if __name__ == "__main__":
    main()
