"""The Pareto/NBD's hypergeometric function where SciPy alone gives NaN or loses digits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from scoring.clv.special import log_hyp2f1_one, log_hyp2f1_one_quadrature

# (d, c, z, log 2F1(1, d; c; z)) computed with mpmath 1.3 at 40 significant digits.
MPMATH = [
    (1000.4340201642403, 1001.6806667126158, 0.999805929540405, 7.10044155358148),
    (300.0377939168283, 301.56244564712176, 0.9999434383301119, 6.143559616830005),
    (1.05812825, 1.1103590137, 0.999998174, 12.532352507485447),
    (48.4302189, 348.742483, 0.999981831, 0.14997187481811164),
    (0.5, 1.7, 0.3, 0.10147108133570298),
    (26.553, 28.159, 0.0427, 0.041101381440194845),
]


def test_scipy_alone_returns_nan_for_a_heavy_buyer_near_z_equal_one() -> None:
    with np.errstate(all="ignore"):
        assert np.isnan(hyp2f1(1.0, MPMATH[0][0], MPMATH[0][1], MPMATH[0][2]))


@pytest.mark.parametrize(("d", "c", "z", "expected"), MPMATH)
def test_log_2f1_matches_40_digit_mpmath(d: float, c: float, z: float, expected: float) -> None:
    assert float(log_hyp2f1_one(np.array([d]), np.array([c]), np.array([z]))[0]) == pytest.approx(expected, abs=1e-11)


def test_the_quadrature_agrees_with_scipy_where_scipy_is_reliable() -> None:
    rng = np.random.default_rng(7)
    d = rng.uniform(0.05, 50, 200)
    c = d + rng.uniform(0.05, 50, 200)
    z = rng.uniform(0, 0.98, 200)
    assert log_hyp2f1_one_quadrature(d, c, z) == pytest.approx(np.log(hyp2f1(1.0, d, c, z)), abs=1e-11)
