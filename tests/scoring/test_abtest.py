"""A/B evaluation: significance tests against hand-computed values, and the plain-words verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.abtest import ab_test, compare_means, compare_proportions


def test_retention_rates_use_the_two_proportion_z_test_when_cells_are_large() -> None:
    result = compare_proportions(45, 50, 30, 50)
    # pooled 0.75, se0 = sqrt(0.75 * 0.25 * (1/50 + 1/50)) = 0.0866; z = 0.3 / 0.0866 = 3.4641
    z = 0.3 / math.sqrt(0.75 * 0.25 * 0.04)
    assert result.method == "two-proportion z-test"
    assert result.difference == pytest.approx(0.3)
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    se = math.sqrt(0.9 * 0.1 / 50 + 0.6 * 0.4 / 50)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (0.3 - 1.959964 * se, 0.3 + 1.959964 * se), abs=1e-6
    )


def test_small_cells_switch_to_fishers_exact_test() -> None:
    # [[3, 1], [1, 4]]: hypergeometric P(k) ∝ C(4,k)·C(5,4−k) = 5, 40, 60, 20, 1 (of 126);
    # two-sided = P ≤ P(3) = (5 + 20 + 1) / 126.
    result = compare_proportions(3, 4, 1, 5)
    assert result.method == "Fisher exact"
    assert result.p_value == pytest.approx(26 / 126)


def test_means_use_welchs_t_test_with_its_degrees_of_freedom() -> None:
    a, b = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8, 10])
    va, vb = (5 / 3) / 4, 10 / 5
    t = -3.5 / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 4)
    result = compare_means(a, b)
    assert result.difference == pytest.approx(-3.5)
    from scipy import stats

    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert result.ci_low < -3.5 < result.ci_high


def test_a_clear_retention_win_is_called_significant_in_plain_words() -> None:
    frame = pd.DataFrame(
        {
            "group": ["treatment"] * 50 + ["control"] * 50,
            "retained": [True] * 45 + [False] * 5 + [True] * 30 + [False] * 20,
            "revenue": np.r_[
                np.full(50, 120.0) + np.arange(50) % 7,
                np.full(50, 100.0) + np.arange(50) % 5,
            ],
        }
    )
    result = ab_test(frame)
    assert "Retention: higher by 30.00 pts in the treatment group" in result.verdict
    assert "Revenue per customer: higher" in result.verdict
    assert "too small" not in result.verdict


def test_a_tiny_sample_is_reported_as_too_small_rather_than_as_no_effect() -> None:
    frame = pd.DataFrame(
        {
            "group": ["treatment"] * 4 + ["control"] * 5,
            "retained": [1, 1, 1, 0, 1, 0, 0, 0, 0],
        }
    )
    result = ab_test(frame)
    assert result.verdict.startswith(
        "Sample too small: 4 treatment and 5 control customers"
    )
    assert result.retention is not None and result.retention.method == "Fisher exact"


def test_a_frame_without_a_group_column_is_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="no 'arm' column"):
        ab_test(pd.DataFrame({"retained": [True]}), group="arm")
