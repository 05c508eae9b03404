"""Gamma-Gamma spend against Fader, Hardie & Lee (2005, JMR) and Hardie's note 025."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.clv import CLVInputError, FitError, FitResult, GammaGamma, fit_gamma_gamma


def test_fitting_the_946_raw_cdnow_repeat_buyers_reproduces_the_published_parameters(
    gamma_gamma_fit: FitResult[GammaGamma],
) -> None:
    assert gamma_gamma_fit.status == "converged" and not gamma_gamma_fit.warnings
    assert gamma_gamma_fit.n == 946
    assert gamma_gamma_fit.diagnostics["customers_without_repeat_purchases_ignored"] == 1411
    m = gamma_gamma_fit.params
    assert (m.p, m.q, m.v) == (pytest.approx(6.25, abs=0.01), pytest.approx(3.74, abs=0.01), pytest.approx(15.44, abs=0.01))


def test_expected_spend_of_the_first_ten_customers_matches_note_025(
    gamma_gamma_fit: FitResult[GammaGamma], cdnow: pd.DataFrame
) -> None:
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    first = cdnow.iloc[:10]
    got = gamma_gamma_fit.params.conditional_expected_spend(first["x"], first["zbar"])
    assert got == pytest.approx(published, abs=0.01)


def test_expected_spend_shrinks_a_customers_own_mean_towards_the_population_mean_less_as_they_buy_more() -> None:
    m = GammaGamma(6.25, 3.74, 15.44)
    spends = m.conditional_expected_spend([0, 1, 10, 100], 100.0)
    assert spends[0] == pytest.approx(m.mean_spend)
    assert np.all(np.diff(spends) > 0) and spends[-1] < 100.0


def test_the_fit_reports_whether_spend_and_frequency_are_independent_as_the_model_assumes(
    gamma_gamma_fit: FitResult[GammaGamma], cdnow: pd.DataFrame
) -> None:
    repeaters = cdnow[cdnow["x"] > 0]
    assert gamma_gamma_fit.diagnostics["frequency_spend_correlation"] == pytest.approx(
        np.corrcoef(repeaters["x"], repeaters["zbar"])[0, 1]
    )


def test_without_repeat_buyers_the_spend_model_is_reported_as_not_identified() -> None:
    with pytest.raises(FitError, match="no customer made a repeat purchase") as caught:
        fit_gamma_gamma([0, 0, 0], [0.0, 0.0, 0.0])
    assert caught.value.result.status == "not_identified"
    assert np.isnan(caught.value.result.params.p)


def test_a_repeat_buyer_with_no_spend_is_refused_with_its_row() -> None:
    with pytest.raises(CLVInputError, match=r"zbar: row 'b' is 0\.0 for a repeat buyer"):
        fit_gamma_gamma(pd.Series([1, 2], index=["a", "b"]), pd.Series([5.0, 0.0], index=["a", "b"]))


def test_an_infinite_mean_spend_is_refused_rather_than_returned() -> None:
    with pytest.raises(CLVInputError, match="q=0.9 <= 1"):
        GammaGamma(6.0, 0.9, 15.0).conditional_expected_spend(1, 10.0)
