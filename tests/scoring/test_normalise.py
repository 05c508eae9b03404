"""Normalisation methods map raw values to 0-100, and the direction flips them."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.config import Normalise
from scoring.normalise import normalise

NAN = np.nan


def scores(values, direction="higher_is_better", **spec):
    return normalise(np.array(values, dtype=float), Normalise(**spec), direction).tolist()


def test_minmax_without_bounds_uses_the_portfolio_range_and_keeps_missing_values_missing():
    assert scores([0, 5, 10, NAN], method="minmax") == pytest.approx([0, 50, 100, NAN], nan_ok=True)


def test_minmax_fixed_bounds_clip_by_default():
    assert scores([-5, 10, 40], method="minmax", min=0, max=20) == pytest.approx([0, 50, 100])


def test_minmax_without_clipping_can_leave_zero_to_hundred():
    assert scores([-5, 10, 40], method="minmax", min=0, max=20, clip=False) == pytest.approx([-25, 50, 200])


def test_a_single_fixed_bound_combines_with_the_portfolio_extreme():
    assert scores([10, 30], method="minmax", min=0) == pytest.approx([100 / 3, 100])


def test_lower_is_better_reverses_the_scale():
    assert scores([0, 5, 10], "lower_is_better", method="minmax") == pytest.approx([100, 50, 0])
    assert scores([0, 365, 730], "lower_is_better", method="minmax", min=0, max=365) == pytest.approx([100, 0, 0])


def test_minmax_gives_everyone_the_neutral_score_when_nobody_differs():
    assert scores([7, 7, NAN], method="minmax") == pytest.approx([50, 50, NAN], nan_ok=True)


def test_minmax_with_every_value_beyond_a_fixed_bound_puts_them_all_at_that_end():
    assert scores([3, 5, 10, NAN], method="minmax", min=10) == pytest.approx([0, 0, 0, NAN], nan_ok=True)
    assert scores([10, 20, 30], method="minmax", max=10) == pytest.approx([100, 100, 100])


def test_nothing_to_normalise_gives_all_missing():
    assert scores([NAN, NAN], method="minmax") == pytest.approx([NAN, NAN], nan_ok=True)
    assert scores([NAN], method="percentile") == pytest.approx([NAN], nan_ok=True)


def test_percentile_is_the_percent_rank_with_ties_sharing_their_mean_rank():
    assert scores([10, 20, 20, 30, NAN], method="percentile") == pytest.approx([0, 50, 50, 100, NAN], nan_ok=True)


def test_percentile_of_a_single_customer_is_neutral():
    assert scores([42, NAN], method="percentile") == pytest.approx([50, NAN], nan_ok=True)


def test_percentile_lower_is_better_reverses_the_ranks():
    assert scores([1, 2, 3], "lower_is_better", method="percentile") == pytest.approx([100, 50, 0])


def test_unknown_method_or_direction_is_named():
    with pytest.raises(ValueError, match="unknown normalise method 'sigmoid'"):
        scores([1], method="sigmoid")
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        scores([1], "up", method="minmax")


def test_zscore_maps_the_mean_to_fifty_and_clip_z_standard_deviations_to_the_ends():
    # values 2, 4, 6: mean 4, population std sqrt(8/3) = 1.633; z = ∓1.2247
    z = 2 / (8 / 3) ** 0.5
    assert scores([2, 4, 6, NAN], method="zscore") == pytest.approx(
        [50 - 50 * z / 3, 50, 50 + 50 * z / 3, NAN], nan_ok=True
    )


def test_zscore_clips_outliers_at_clip_z():
    values = [0] * 99 + [1000]
    out = scores(values, method="zscore", clip_z=2)
    # mean 10, std sqrt(10000 - 100) = 99.5: the outlier's z of 9.95 is clipped to 2
    assert out[-1] == 100.0
    assert out[0] == pytest.approx(50 + 50 * (-10 / 9900**0.5) / 2)


def test_zscore_of_identical_values_is_neutral_and_direction_flips_it():
    assert scores([3, 3], method="zscore") == [50.0, 50.0]
    assert scores([2, 4, 6], "lower_is_better", method="zscore")[0] > 50


def test_tiers_give_the_points_of_the_first_tier_whose_inclusive_max_holds_the_value():
    from scoring.config import Tier

    tiers = (Tier(0, 100), Tier(2, 60), Tier(None, 0))
    assert scores([0, 0.5, 2, 2.01, 50, NAN], method="tiers", tiers=tiers) == pytest.approx(
        [100, 60, 60, 0, 0, NAN], nan_ok=True
    )


def test_tiers_are_not_flipped_by_direction():
    from scoring.config import Tier

    tiers = (Tier(1, 10), Tier(None, 90))
    assert scores([0, 5], "lower_is_better", method="tiers", tiers=tiers) == [10.0, 90.0]
