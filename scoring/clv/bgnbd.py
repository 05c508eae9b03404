"""BG/NBD ("buy till you die") model of repeat purchasing: Fader, Hardie & Lee (2005), *Marketing Science* 24(2).

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat
purchase they drop out with probability p ~ Beta(a, b). The log-likelihood here is the paper's
(eq. 6), so it is directly comparable with published values — unlike lifetimes' reported one,
which rescales time.

The hypergeometric terms are Euler-transformed, ``(1-z)^(r+x) 2F1(r+x, b+x; c; z) =
(1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)``, so no argument grows with the customer's frequency and
heavy buyers neither overflow nor lose precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1

from scoring.clv.errors import CLVInputError
from scoring.clv.fitting import FitResult, maximise_likelihood, unidentified, wdot
from scoring.clv.inputs import broadcast_customers, frequency_recency_age, horizon

__all__ = ["BGNBD", "fit_bgnbd"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BGNBD:
    """BG/NBD parameters, with the model's predictions as methods.

    Time is in whatever unit ``t_x`` and ``T`` were measured in (weeks for the CDNOW tables).
    """

    r: float
    alpha: float
    a: float
    b: float

    def log_likelihood(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """Each customer's log-likelihood (eq. 6 of the paper); the sum is the published LL."""
        xs, txs, Ts, _ = frequency_recency_age(x, t_x, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        a1 = gammaln(r + xs) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + xs) - gammaln(b) - gammaln(a + b + xs)
        a3 = -(r + xs) * np.log(alpha + Ts)
        pos = xs > 0
        a4 = np.full_like(xs, -np.inf)
        a4[pos] = np.log(a) - np.log(b + xs[pos] - 1) - (r + xs[pos]) * np.log(alpha + txs[pos])
        return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=np.float64)

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(still active at T | x, t_x, T); 1 for customers who never repeated (they cannot have dropped out)."""
        xs, txs, Ts = broadcast_customers(x, t_x, T)
        return _p_alive(self, xs, txs, Ts)

    def conditional_expected_purchases(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` time units (eq. 10)."""
        xs, txs, Ts = broadcast_customers(x, t_x, T)
        ts = horizon(t)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = ts / (alpha + Ts + ts)
        tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + xs - 1, z)
        expected = (a + b + xs - 1) / (a - 1) * (1 - tail) * _p_alive(self, xs, txs, Ts)
        return np.asarray(expected, dtype=np.float64)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases of a new customer in ``(0, t]`` (eq. 9)."""
        ts = horizon(t)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = ts / (alpha + ts)
        tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return np.asarray((a + b - 1) / (a - 1) * (1 - tail), dtype=np.float64)

    def p_purchases(self, t: ArrayLike, k: ArrayLike) -> FloatArray:
        """P(X(t) = k): probability a new customer makes exactly ``k`` repeat purchases in ``(0, t]`` (eq. 8).

        The finite sum of the paper is the negative-binomial CDF, written as a regularised
        incomplete beta so any ``k`` costs the same.
        """
        ts, ks = np.broadcast_arrays(horizon(t), np.asarray(k, dtype=np.float64))
        if np.any((ks < 0) | (ks != np.round(ks))):
            raise CLVInputError("k: purchase counts must be whole numbers >= 0")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        log_p = np.log(alpha / (alpha + ts))
        with np.errstate(divide="ignore", invalid="ignore"):  # t = 0: log 0, and 0 · log 0 for k = 0
            k_log_q = np.where(ks > 0, ks * np.log(ts / (alpha + ts)), 0.0)
        still = np.exp(
            betaln(a, b + ks) - betaln(a, b) + gammaln(r + ks) - gammaln(r) - gammaln(ks + 1) + r * log_p + k_log_q
        )
        pos = ks > 0
        k_safe = np.where(pos, ks, 1.0)
        dropped = np.exp(betaln(a + 1, b + k_safe - 1) - betaln(a, b)) * betainc(k_safe, r, ts / (alpha + ts))
        return np.asarray(still + np.where(pos, dropped, 0.0), dtype=np.float64)


def _p_alive(m: BGNBD, xs: FloatArray, txs: FloatArray, Ts: FloatArray) -> FloatArray:
    pos = xs > 0
    logit_dead = np.log(m.a) - np.log(np.where(pos, m.b + xs - 1, 1.0)) + (m.r + xs) * (
        np.log(m.alpha + Ts) - np.log(m.alpha + txs)
    )
    return np.where(pos, expit(-logit_dead), 1.0)


def fit_bgnbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    raise_on_failure: bool = True,
) -> FitResult[BGNBD]:
    """Maximum-likelihood BG/NBD fit on per-customer (x, t_x, T); ``weights`` counts identical customers.

    Raises :class:`~scoring.clv.errors.FitError` when the fit ends on a boundary or does not
    converge, unless ``raise_on_failure=False`` (then read ``result.status``/``result.warnings``).
    """
    xs, txs, Ts, ws = frequency_recency_age(x, t_x, T, weights)
    if not np.any(xs > 0):
        return unidentified(
            model="BG/NBD", names=("r", "alpha", "a", "b"), make_params=lambda p: BGNBD(*map(float, p)), n=len(xs),
            reason="nobody made a repeat purchase, so the purchase rate's maximum-likelihood value is 0 "
            "and the dropout process is not identified",
            raise_on_failure=raise_on_failure,
        )
    total = float(ws.sum())
    ux, inv = np.unique(xs, return_inverse=True)
    wx = np.bincount(inv, weights=ws)
    # Repeat buyers first, so their rows are a slice (free) rather than a mask (a copy per call).
    order = np.argsort(xs == 0, kind="stable")
    xs, txs, Ts, ws = xs[order], txs[order], Ts[order], ws[order]
    k = int(np.count_nonzero(xs))
    ptx, pw, xm1 = txs[:k], ws[:k], xs[:k] - 1
    wxs = ws * xs

    def value_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = np.exp(theta)
        # Terms that depend on x only: one evaluation per distinct frequency.
        ll = float(
            wx @ (gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux))
            + total * (-gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b))
        )
        g = np.array([
            wx @ digamma(r + ux) + total * (-digamma(r) + np.log(alpha)),
            total * r / alpha,
            -wx @ digamma(a + b + ux) + total * digamma(a + b),
            wx @ (digamma(b + ux) - digamma(a + b + ux)) + total * (digamma(a + b) - digamma(b)),
        ])
        # "Still alive at T": -(r+x) log(α+T) for everyone.
        la_T = np.log(alpha + Ts)
        inv_T = 1.0 / (alpha + Ts)
        w_rx = r * ws + wxs
        ll -= wdot(w_rx, la_T)
        g[0] -= wdot(ws, la_T)
        g[1] -= wdot(w_rx, inv_T)
        # "Dropped out after the last purchase", for repeat buyers: log(1 + e^d), d = a4 - a3.
        la_tx = np.log(alpha + ptx)
        rx = r + xm1 + 1
        d = np.log(a) - np.log(b + xm1) - rx * (la_tx - la_T[:k])
        e = np.exp(-np.abs(d))
        ll += wdot(pw, np.maximum(d, 0.0) + np.log1p(e))
        s = pw * np.where(d >= 0, 1.0, e) / (1.0 + e)  # pw · sigmoid(d)
        g[0] += wdot(s, la_T[:k] - la_tx)
        g[1] += wdot(s * rx, inv_T[:k] - 1.0 / (alpha + ptx))
        g[2] += s.sum() / a
        g[3] -= wdot(s, 1.0 / (b + xm1))
        # d/d(log θ) = θ d/dθ; minimise the mean negative log-likelihood.
        return -ll / total, -(g * np.array([r, alpha, a, b])) / total

    def objective(theta: FloatArray) -> float:
        return value_and_gradient(theta)[0]

    mean_x, mean_T = wdot(ws, xs) / total, wdot(ws, Ts) / total
    rate = max(mean_x, 0.1) / mean_T
    starts = [(1.0, 1.0 / rate, 1.0, 1.0), (0.5, 0.5 / rate, 0.5, 2.0), (1.0, 1.0, 1.0, 1.0)]
    return maximise_likelihood(
        model="BG/NBD",
        names=("r", "alpha", "a", "b"),
        objective=objective,
        value_and_gradient=value_and_gradient,
        starts=starts,
        make_params=lambda p: BGNBD(*map(float, p)),
        n=len(xs),
        n_eff=total,
        raise_on_failure=raise_on_failure,
        extra_diagnostics={"repeat_buyers": k, "total_repeat_purchases": wdot(ws, xs)},
    )

