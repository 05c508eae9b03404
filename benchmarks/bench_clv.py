"""BG/NBD + Gamma-Gamma maximum likelihood on a synthetic 1,000,000-customer summary.

Run: python benchmarks/bench_clv.py [customers]. Customers are simulated from the models themselves
at the CDNOW parameters (Fader, Hardie & Lee 2005), with first purchases spread over 12 weeks and
calibration ending at week 39 as in the paper, so the fit should recover those parameters. Prints
the simulation and fit times and the recovered parameters; when the ``lifetimes`` package is
importable, also its fit times on the same data and the ratio (it is not a dependency).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scoring.clv import fit_bgnbd, fit_gamma_gamma

BGNBD_TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GAMMA_GAMMA_TRUE = {"p": 6.25, "q": 3.74, "v": 15.44}


def simulate(customers: int, seed: int = 0) -> pd.DataFrame:
    """(x, t_x, T, zbar) drawn from BG/NBD and Gamma-Gamma, fully vectorised."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = BGNBD_TRUE.values()
    p, q, v = GAMMA_GAMMA_TRUE.values()
    T = 39.0 - rng.integers(0, 84, customers) / 7.0  # first purchase on one of the first 84 days
    lam = rng.gamma(r, 1.0 / alpha, customers)
    drop = rng.beta(a, b, customers)
    dies_after = rng.geometric(drop)  # the repeat purchase after which the customer drops out
    arrivals = rng.poisson(lam * T)  # repeat purchases in (0, T] had they stayed alive
    x = np.minimum(arrivals, dies_after)
    # Given n arrivals in (0, T], the x-th is T times the x-th of n uniform order statistics.
    t_x = np.zeros(customers)
    pos = x > 0
    t_x[pos] = T[pos] * rng.beta(x[pos], arrivals[pos] - x[pos] + 1)
    nu = rng.gamma(q, 1.0 / v, customers)
    zbar = np.zeros(customers)
    zbar[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    return pd.DataFrame({"x": x, "t_x": t_x, "T": T, "zbar": zbar})


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _lifetimes_times(data: pd.DataFrame) -> tuple[float, float] | None:
    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except ImportError:
        return None
    _, bg = timed(lambda: BetaGeoFitter().fit(data["x"], data["t_x"], data["T"]))
    repeat = data[data["x"] > 0]
    _, gg = timed(lambda: GammaGammaFitter().fit(repeat["x"], repeat["zbar"]))
    return bg, gg


def main(customers: int = 1_000_000) -> None:
    data, sim_s = timed(lambda: simulate(customers))
    bg, bg_s = timed(lambda: fit_bgnbd(data["x"], data["t_x"], data["T"]))
    gg, gg_s = timed(lambda: fit_gamma_gamma(data["x"], data["zbar"]))
    print(f"customers: {customers:,}  repeat buyers: {int((data['x'] > 0).sum()):,}  simulated in {sim_s:.2f} s")
    for name, fit, truth, seconds in (("BG/NBD", bg, BGNBD_TRUE, bg_s), ("Gamma-Gamma", gg, GAMMA_GAMMA_TRUE, gg_s)):
        got = ", ".join(f"{k} {getattr(fit.params, k):.4f} (true {t})" for k, t in truth.items())
        print(f"{name:12s} fit {seconds:6.2f} s  {fit.iterations} iterations  status {fit.status}  {got}")
    print(f"both fits: {bg_s + gg_s:.2f} s")
    theirs = _lifetimes_times(data)
    if theirs is None:
        print("lifetimes is not installed: no comparison")
    else:
        print(
            f"lifetimes: BG/NBD {theirs[0]:.2f} s, Gamma-Gamma {theirs[1]:.2f} s; "
            f"ratio ours/lifetimes {(bg_s + gg_s) / sum(theirs):.2f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
