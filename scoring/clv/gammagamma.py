"""Gamma-Gamma model of spend per transaction: Fader, Hardie & Lee (2005), *JMR* "RFM and CLV",
and Fader & Hardie's note 025.

A customer's transaction values are Gamma(p, ν) around a personal mean, with ν ~ Gamma(q, γ)
across customers. Only repeat buyers inform it (``zbar`` is the mean of *repeat* transactions),
and it assumes spend is independent of purchase frequency — the fit reports that correlation in
its diagnostics so the assumption can be checked rather than taken on faith.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from scoring.clv.errors import CLVInputError
from scoring.clv.fitting import FitResult, maximise_likelihood, unidentified, wdot
from scoring.clv.inputs import as_float_array, row_label

__all__ = ["GammaGamma", "fit_gamma_gamma"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma parameters (``v`` is the paper's γ)."""

    p: float
    q: float
    v: float

    @property
    def mean_spend(self) -> float:
        """Population mean transaction value p·γ/(q-1) — what a customer with no repeat history is expected to spend."""
        if self.q <= 1:
            raise CLVInputError(f"Gamma-Gamma q={self.q:.4g} <= 1: the mean transaction value is infinite")
        return self.p * self.v / (self.q - 1)

    def log_likelihood(self, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
        """Log density of each repeat buyer's mean spend (note 025, eq. 3); customers with x = 0 get 0."""
        xs, ms = _checked(x, zbar)
        out = np.zeros_like(xs)
        pos = xs > 0
        out[pos] = _log_density(self.p, self.q, self.v, xs[pos], ms[pos])
        return out

    def conditional_expected_spend(self, x: ArrayLike, zbar: ArrayLike) -> FloatArray:
        """E[M | x, zbar]: a weighted average of the population mean and the customer's own mean.

        The customer's weight grows with x, so one large purchase moves the estimate less than ten do.
        """
        xs, ms = _checked(x, zbar)
        mean = self.mean_spend
        weight = self.p * xs / (self.p * xs + self.q - 1)
        return (1 - weight) * mean + weight * ms


def _log_density(p: float, q: float, v: float, xs: FloatArray, ms: FloatArray) -> FloatArray:
    px = p * xs
    return np.asarray(
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
        + (px - 1) * np.log(ms) + px * np.log(xs) - (px + q) * np.log(xs * ms + v)
    )


def _checked(x: ArrayLike, zbar: ArrayLike) -> tuple[FloatArray, FloatArray]:
    shape = np.broadcast_shapes(np.shape(x), np.shape(zbar))

    def spread(v: ArrayLike) -> Any:
        return v if isinstance(v, pd.Series) and v.shape == shape else np.broadcast_to(np.asarray(v, np.float64), shape)

    x, zbar = spread(x), spread(zbar)
    xs = as_float_array(x, "x").reshape(shape)
    ms = as_float_array(zbar, "zbar").reshape(shape)
    bad_x = (xs < 0) | (xs != np.round(xs))
    if bad_x.any():
        pos = int(np.argmax(bad_x.reshape(-1)))
        raise CLVInputError(f"x: {row_label(x, pos)} is {float(xs.reshape(-1)[pos])!r}; repeat purchases must be a whole number >= 0")
    bad_m = (xs > 0) & (ms <= 0)
    if bad_m.any():
        pos = int(np.argmax(bad_m.reshape(-1)))
        raise CLVInputError(
            f"zbar: {row_label(zbar, pos)} is {float(ms.reshape(-1)[pos])!r} for a repeat buyer; mean spend must be > 0"
        )
    return xs, ms


def fit_gamma_gamma(
    x: ArrayLike,
    zbar: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    raise_on_failure: bool = True,
) -> FitResult[GammaGamma]:
    """Maximum-likelihood Gamma-Gamma fit on the repeat buyers among (x, zbar); others are ignored.

    Raises :class:`~scoring.clv.errors.FitError` on a boundary or non-converged fit unless
    ``raise_on_failure=False`` (also when nobody repeats: the model is then not identified).
    """
    xs, ms = _checked(x, zbar)
    xs, ms = xs.reshape(-1), ms.reshape(-1)
    ws = np.ones_like(xs) if weights is None else as_float_array(weights, "weights")
    if len(ws) != len(xs):
        raise CLVInputError(f"weights has {len(ws)} rows but x has {len(xs)}")
    if np.any(ws <= 0):
        pos_bad = int(np.argmax(ws <= 0))
        raise CLVInputError(f"weights: {row_label(weights, pos_bad)} is {float(ws[pos_bad])!r}; weights must be > 0")
    pos = xs > 0
    if not pos.any():
        return unidentified(
            model="Gamma-Gamma", names=("p", "q", "v"), make_params=lambda prm: GammaGamma(*map(float, prm)),
            n=0, reason="no customer made a repeat purchase, and spend is modelled on repeat purchases only",
            raise_on_failure=raise_on_failure,
        )
    px, pm, pw = xs[pos], ms[pos], ws[pos]
    total = float(pw.sum())
    ux, inv = np.unique(px, return_inverse=True)
    wx = np.bincount(inv, weights=pw)
    xm, wpx = px * pm, pw * px
    base = -wdot(pw, np.log(pm))  # the parameter-free part of the density
    x_log_xm = wdot(wpx, np.log(xm))

    def value_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        p, q, v = np.exp(theta)
        pu = p * ux
        log_xmv = np.log(xm + v)
        inv_xmv = 1.0 / (xm + v)
        wx_log, w_log = wdot(wpx, log_xmv), wdot(pw, log_xmv)
        ll = (
            float(wx @ (gammaln(pu + q) - gammaln(pu))) + total * (q * np.log(v) - gammaln(q))
            + base + p * x_log_xm - p * wx_log - q * w_log
        )
        dp = float(wx @ (ux * (digamma(pu + q) - digamma(pu)))) + x_log_xm - wx_log
        dq = float(wx @ digamma(pu + q)) - total * digamma(q) + total * np.log(v) - w_log
        dv = total * q / v - p * wdot(wpx, inv_xmv) - q * wdot(pw, inv_xmv)
        return -ll / total, -np.array([dp * p, dq * q, dv * v]) / total

    def objective(theta: FloatArray) -> float:
        return value_and_gradient(theta)[0]

    mean_m = wdot(pw, pm) / total
    corr = float(np.corrcoef(px, pm)[0, 1]) if len(px) > 2 and np.ptp(px) > 0 and np.ptp(pm) > 0 else None
    return maximise_likelihood(
        model="Gamma-Gamma",
        names=("p", "q", "v"),
        objective=objective,
        value_and_gradient=value_and_gradient,
        starts=[(1.0, 2.0, mean_m), (5.0, 3.0, 2.0 * mean_m), (1.0, 1.0, 1.0)],
        make_params=lambda prm: GammaGamma(*map(float, prm)),
        n=int(pos.sum()),
        n_eff=total,
        raise_on_failure=raise_on_failure,
        extra_diagnostics={
            "customers_without_repeat_purchases_ignored": int((~pos).sum()),
            "frequency_spend_correlation": corr,
        },
    )
