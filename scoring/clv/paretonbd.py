"""Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987), in the form of
Fader & Hardie's note 009 ("A note on deriving the Pareto/NBD model and related expressions").

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); their lifetime is
exponential with rate μ ~ Gamma(s, β). The likelihood's ``A0`` term is a difference of two
Gauss hypergeometric functions. Computed naively it overflows for heavy buyers (the second
argument grows with ``x``) and cancels catastrophically when ``t_x`` is close to ``T``, so here

* each ``2F1(r+s+x, b; r+s+x+1; z)`` is Euler-transformed to ``(1-z)^(1-b) 2F1(1, r+s+x+1-b; r+s+x+1; z)``,
  whose value lies in [1, 1/(1-z)] for every customer, and everything else is kept in logs;
* the difference is taken as ``l1 + log(-expm1(l2 - l1))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, gammaln

from scoring.clv.fitting import FitResult, maximise_likelihood, unidentified
from scoring.clv.inputs import broadcast_customers, frequency_recency_age, horizon
from scoring.clv.special import log_hyp2f1_one

__all__ = ["ParetoNBD", "fit_paretonbd"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ParetoNBD:
    """Pareto/NBD parameters, with the model's predictions as methods (time in the data's unit)."""

    r: float
    alpha: float
    s: float
    beta: float

    def log_likelihood(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """Each customer's log-likelihood (note 009, eq. 22); the sum is the published LL."""
        xs, txs, Ts, _ = frequency_recency_age(x, t_x, T)
        return _log_likelihood(self.r, self.alpha, self.s, self.beta, xs, txs, Ts)

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(still active at T | x, t_x, T) (note 009, eq. 18)."""
        xs, txs, Ts = broadcast_customers(x, t_x, T)
        return np.asarray(expit(-_log_odds_dead(self, xs, txs, Ts)), dtype=np.float64)

    def conditional_expected_purchases(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units (note 009, eq. 19)."""
        xs, txs, Ts = broadcast_customers(x, t_x, T)
        ts = horizon(t)
        m = self
        decay = _one_minus_power_over(m.s - 1, np.log((m.beta + Ts) / (m.beta + Ts + ts)))
        alive = expit(-_log_odds_dead(m, xs, txs, Ts))
        return np.asarray((m.r + xs) / (m.alpha + Ts) * (m.beta + Ts) * decay * alive, dtype=np.float64)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases of a new customer in ``(0, t]`` (note 009, eq. 17)."""
        ts = horizon(t)
        return self.r / self.alpha * self.beta * _one_minus_power_over(self.s - 1, np.log(self.beta / (self.beta + ts)))


def _one_minus_power_over(k: float, log_u: FloatArray) -> FloatArray:
    """(1 - u^k) / k, continuous through k = 0 (where it is -log u)."""
    if abs(k) < 1e-10:
        return -log_u
    return -np.expm1(k * log_u) / k


def _log_term(r: float, alpha: float, s: float, beta: float, xs: FloatArray, y: FloatArray) -> FloatArray:
    """log of 2F1(r+s+x, b; r+s+x+1; z) / (max(α,β)+y)^(r+s+x), z = |α-β|/(max(α,β)+y).

    Euler's transformation turns the 2F1 into (1-z)^(1-b) 2F1(1, r+s+x+1-b; r+s+x+1; z), whose
    ``b`` no longer grows with x and whose value is bounded (see :mod:`scoring.clv.special`).
    """
    big, small = max(alpha, beta), min(alpha, beta)
    b = s + 1 if alpha >= beta else r + xs
    a = r + s + xs
    log_big, log_small = np.log(big + y), np.log(small + y)
    z = (big - small) / (big + y)
    return (b - 1) * (log_big - log_small) - a * log_big + log_hyp2f1_one(a + 1 - b, a + 1, z)


def _log_a0(r: float, alpha: float, s: float, beta: float, xs: FloatArray, txs: FloatArray, Ts: FloatArray) -> FloatArray:
    l1 = _log_term(r, alpha, s, beta, xs, txs)
    l2 = _log_term(r, alpha, s, beta, xs, Ts)
    gap = l2 - l1
    out = np.full_like(l1, -np.inf)  # t_x == T gives A0 = 0 exactly
    ok = gap < 0
    out[ok] = l1[ok] + np.log(-np.expm1(gap[ok]))
    out[np.isnan(gap)] = np.nan  # never let a failed evaluation pass for A0 = 0
    return out


def _log_likelihood(r: float, alpha: float, s: float, beta: float, xs: FloatArray, txs: FloatArray, Ts: FloatArray) -> FloatArray:
    alive = -(r + xs) * np.log(alpha + Ts) - s * np.log(beta + Ts)
    dead = np.log(s / (r + s + xs)) + _log_a0(r, alpha, s, beta, xs, txs, Ts)
    prior = gammaln(r + xs) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return np.asarray(prior + np.logaddexp(alive, dead), dtype=np.float64)


def _log_odds_dead(m: ParetoNBD, xs: FloatArray, txs: FloatArray, Ts: FloatArray) -> FloatArray:
    return (
        np.log(m.s / (m.r + m.s + xs))
        + (m.r + xs) * np.log(m.alpha + Ts)
        + m.s * np.log(m.beta + Ts)
        + _log_a0(m.r, m.alpha, m.s, m.beta, xs, txs, Ts)
    )


def fit_paretonbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    raise_on_failure: bool = True,
) -> FitResult[ParetoNBD]:
    """Maximum-likelihood Pareto/NBD fit on per-customer (x, t_x, T); ``weights`` counts identical customers.

    Identical customers are pooled first (the hypergeometric terms dominate the cost). Raises
    :class:`~scoring.clv.errors.FitError` on a boundary or non-converged fit unless
    ``raise_on_failure=False``.
    """
    xs, txs, Ts, ws = frequency_recency_age(x, t_x, T, weights)
    if not np.any(xs > 0):
        return unidentified(
            model="Pareto/NBD", names=("r", "alpha", "s", "beta"), make_params=lambda p: ParetoNBD(*map(float, p)), n=len(xs),
            reason="nobody made a repeat purchase, so the purchase rate's maximum-likelihood value is 0 "
            "and the dropout process is not identified",
            raise_on_failure=raise_on_failure,
        )
    pooled = pd.DataFrame({"x": xs, "t_x": txs, "T": Ts, "w": ws}).groupby(["x", "t_x", "T"], sort=False)["w"].sum()
    ux = pooled.index.get_level_values("x").to_numpy(dtype=np.float64)
    utx = pooled.index.get_level_values("t_x").to_numpy(dtype=np.float64)
    uT = pooled.index.get_level_values("T").to_numpy(dtype=np.float64)
    uw = pooled.to_numpy(dtype=np.float64)
    total = float(uw.sum())

    def objective(theta: FloatArray) -> float:
        r, alpha, s, beta = np.exp(theta)
        return -float(uw @ _log_likelihood(r, alpha, s, beta, ux, utx, uT)) / total

    mean_x, mean_T = float(ws @ xs) / total, float(ws @ Ts) / total
    rate = max(mean_x, 0.1) / mean_T
    starts = [(1.0, 1.0 / rate, 1.0, mean_T), (0.5, 0.5 / rate, 0.5, 0.5 * mean_T), (1.0, 1.0, 1.0, 1.0)]
    return maximise_likelihood(
        model="Pareto/NBD",
        names=("r", "alpha", "s", "beta"),
        objective=objective,
        starts=starts,
        make_params=lambda p: ParetoNBD(*map(float, p)),
        n=len(xs),
        n_eff=total,
        raise_on_failure=raise_on_failure,
        extra_diagnostics={
            "repeat_buyers": int(np.count_nonzero(xs > 0)),
            "total_repeat_purchases": float(ws @ xs),
            "distinct_customer_histories": len(uw),
        },
    )
