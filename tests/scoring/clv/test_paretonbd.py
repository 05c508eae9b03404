"""Pareto/NBD against Fader, Hardie & Lee (2005) and R BTYD, and its A0 term against plain quadrature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from scoring.clv import FitResult, ParetoNBD

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # Fader, Hardie & Lee (2005) §7
PUBLISHED_LL = -9595.0
BTYD = ParetoNBD(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)  # R BTYD walkthrough p. 8


def test_fitting_raw_cdnow_reproduces_the_published_parameters_and_log_likelihood(
    paretonbd_fit: FitResult[ParetoNBD],
) -> None:
    assert paretonbd_fit.status == "converged" and not paretonbd_fit.warnings
    for name, value in PUBLISHED.items():
        assert getattr(paretonbd_fit.params, name) == pytest.approx(value, abs=0.01), name
    assert paretonbd_fit.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.1)


def test_p_alive_matches_the_btyd_walkthrough() -> None:
    assert float(BTYD.p_alive(26, 30.86, 31)) == pytest.approx(0.9979, abs=1e-4)


def test_conditional_expectation_matches_the_btyd_walkthrough(paretonbd_fit: FitResult[ParetoNBD]) -> None:
    assert float(paretonbd_fit.params.conditional_expected_purchases(52, 26, 30.86, 31)) == pytest.approx(25.46, abs=0.01)
    assert float(BTYD.conditional_expected_purchases(52, 26, 30.86, 31)) == pytest.approx(25.46, abs=0.01)


@pytest.mark.parametrize(
    "params",
    [ParetoNBD(0.553, 10.578, 0.606, 11.669), ParetoNBD(0.553, 20.0, 0.606, 3.0), ParetoNBD(2.0, 1.0, 0.3, 50.0)],
    ids=["alpha<beta", "alpha>beta", "alpha<<beta"],
)
@pytest.mark.parametrize(
    ("x", "t_x", "T"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.86, 31.0), (200, 5.0, 39.0), (3, 38.8599, 38.86)]
)
def test_the_likelihood_equals_direct_integration_over_the_dropout_time(params: ParetoNBD, x: int, t_x: float, T: float) -> None:
    # L = Γ(r+x)α^r/Γ(r) [ β^s/((α+T)^(r+x)(β+T)^s) + s β^s ∫_{t_x}^T (β+τ)^-(s+1) (α+τ)^-(r+x) dτ ]
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    log_peak = -(s + 1) * np.log(beta + t_x) - (r + x) * np.log(alpha + t_x)
    integral, _ = quad(
        lambda tau: np.exp(-(s + 1) * np.log(beta + tau) - (r + x) * np.log(alpha + tau) - log_peak),
        t_x, T, epsabs=0, epsrel=1e-12, limit=200,
    )
    alive = s * np.log(beta) - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s) + s * np.log(beta) + log_peak + np.log(integral)
    direct = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + np.logaddexp(alive, dead)
    assert float(params.log_likelihood(x, t_x, T)[0]) == pytest.approx(direct, abs=1e-8)


def test_a_brand_new_customer_is_expected_to_buy_what_the_population_does(paretonbd_fit: FitResult[ParetoNBD]) -> None:
    m = paretonbd_fit.params
    assert float(m.conditional_expected_purchases(52, 0, 0, 1e-9)) == pytest.approx(float(m.expected_purchases(52)), rel=1e-6)


def test_heavy_buyers_and_extreme_parameters_give_finite_likelihoods() -> None:
    x = np.array([300.0, 1000.0, 0.0])
    t_x = np.array([38.0, 1.0, 0.0])
    T = np.array([39.0, 300.0, 39.0])
    for params in (ParetoNBD(0.5, 5e4, 0.6, 0.5), ParetoNBD(0.5, 0.5, 0.6, 5e4), ParetoNBD(0.553, 10.578, 0.606, 11.669)):
        assert np.all(np.isfinite(params.log_likelihood(x, t_x, T))), params
        assert np.all(np.isfinite(params.p_alive(x, t_x, T))), params


def test_s_equal_to_one_is_the_continuous_limit_not_a_division_by_zero() -> None:
    at_one = float(ParetoNBD(0.5, 10.0, 1.0, 10.0).expected_purchases(39))
    near = [float(ParetoNBD(0.5, 10.0, s, 10.0).expected_purchases(39)) for s in (1 - 1e-6, 1 + 1e-6)]
    assert at_one == pytest.approx(near[0], rel=1e-5) and at_one == pytest.approx(near[1], rel=1e-5)


def test_the_fit_pools_identical_customers_and_says_so(paretonbd_fit: FitResult[ParetoNBD], cdnow: pd.DataFrame) -> None:
    distinct = len(cdnow[["x", "t_x", "T"]].drop_duplicates())
    assert paretonbd_fit.diagnostics["distinct_customer_histories"] == distinct < len(cdnow)
