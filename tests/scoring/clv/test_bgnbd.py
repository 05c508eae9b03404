"""BG/NBD against Fader, Hardie & Lee (2005) and the test vectors that travel with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.clv import BGNBD, CLVInputError, FitResult

# Fader, Hardie & Lee (2005), Marketing Science 24(2) §7 (also asserted in lifetimes' tests).
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4


def test_fitting_raw_cdnow_reproduces_the_published_parameters_and_log_likelihood(bgnbd_fit: FitResult[BGNBD]) -> None:
    assert bgnbd_fit.status == "converged" and bgnbd_fit.converged and not bgnbd_fit.warnings
    assert bgnbd_fit.n == 2357
    for name, value in PUBLISHED.items():
        assert getattr(bgnbd_fit.params, name) == pytest.approx(value, abs=0.01), name
    assert bgnbd_fit.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.1)


def test_the_fit_reports_standard_errors_and_every_start_it_tried(bgnbd_fit: FitResult[BGNBD]) -> None:
    se = bgnbd_fit.diagnostics["standard_errors"]
    assert set(se) == set(PUBLISHED) and all(0 < v < getattr(bgnbd_fit.params, k) for k, v in se.items())
    assert bgnbd_fit.diagnostics["starts"][-1]["status"] == "converged"
    assert bgnbd_fit.iterations > 0


def test_the_log_likelihood_is_the_papers_not_a_rescaled_one(cdnow: pd.DataFrame) -> None:
    at_published = BGNBD(**PUBLISHED).log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum()
    assert at_published == pytest.approx(PUBLISHED_LL, abs=0.1)


def test_conditional_expectation_and_p_alive_match_hardies_sheet(bgnbd_fit: FitResult[BGNBD]) -> None:
    m = bgnbd_fit.params
    assert float(m.conditional_expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=0.001)
    assert float(m.p_alive(2, 30.43, 38.86)) == pytest.approx(0.73, abs=0.005)


def test_unconditional_expectation_matches_hardies_sheet(bgnbd_fit: FitResult[BGNBD]) -> None:
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert bgnbd_fit.params.expected_purchases(t) == pytest.approx(published, abs=5e-4)


def test_probability_of_k_purchases_matches_r_btyd_at_the_published_parameters() -> None:
    m = BGNBD(**PUBLISHED)
    assert float(m.p_purchases(2, 10)) == pytest.approx(1.07869e-07, rel=1e-5)
    assert float(m.p_purchases(39, 0)) == pytest.approx(0.5737864, abs=1e-7)


def test_the_purchase_distribution_sums_to_one_and_its_mean_is_the_unconditional_expectation() -> None:
    m = BGNBD(**PUBLISHED)
    k = np.arange(0, 3000)
    p = m.p_purchases(39.0, k)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (k * p).sum() == pytest.approx(float(m.expected_purchases(39.0)), rel=1e-9)
    assert m.p_purchases(0.0, [0, 1]).tolist() == [1.0, 0.0]  # nothing happens in no time


def test_a_brand_new_customer_is_expected_to_buy_what_the_population_does(bgnbd_fit: FitResult[BGNBD]) -> None:
    m = bgnbd_fit.params
    assert float(m.conditional_expected_purchases(52, 0, 0, 1e-9)) == pytest.approx(float(m.expected_purchases(52)), rel=1e-6)


def test_heavy_buyers_get_finite_predictions(bgnbd_fit: FitResult[BGNBD]) -> None:
    m = bgnbd_fit.params
    x = np.array([500, 5000, 500])
    t_x = np.array([39.0, 39.0, 2.0])
    expected = m.conditional_expected_purchases(39, x, t_x, 39.0)
    alive = m.p_alive(x, t_x, 39.0)
    assert np.all(np.isfinite(expected)) and np.all(np.isfinite(alive))
    # Still buying on the last day: alive unless the last purchase was the dropout point.
    assert alive[0] == pytest.approx(1 / (1 + m.a / (m.b + 499)))
    assert 300 < expected[0] < 500 and 3000 < expected[1] < 5000
    assert alive[2] < 1e-100  # 500 purchases in two weeks, then 37 weeks of silence: gone


def test_recency_after_the_customers_age_is_refused_with_its_row() -> None:
    with pytest.raises(CLVInputError, match=r"t_x: row 'b' is 40\.0, after that customer's T"):
        BGNBD(**PUBLISHED).p_alive(pd.Series([1, 2], index=["a", "b"]), pd.Series([3.0, 40.0], index=["a", "b"]), 39.0)
