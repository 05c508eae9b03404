"""Health is the weighted mean of available indicator scores; points explain it; bands name it."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.config import Band
from scoring.health import assign_bands, health_scores

NAN = np.nan


def test_health_is_the_weighted_mean_and_points_are_effective_weight_times_distance_from_fifty():
    health, points = health_scores(np.array([[80.0, 20.0]]), [1, 3])
    assert health.tolist() == pytest.approx([35.0])  # (80·1 + 20·3) / 4
    assert points.tolist() == [pytest.approx([7.5, -22.5])]  # ¼·(80−50), ¾·(20−50)


def test_weights_are_renormalised_over_the_indicators_a_customer_has():
    health, points = health_scores(np.array([[80.0, NAN, 60.0]]), [1, 10, 3])
    assert health.tolist() == pytest.approx([(80 + 3 * 60) / 4])
    assert points[0, 0] == pytest.approx(0.25 * 30)
    assert np.isnan(points[0, 1])
    assert points[0, 2] == pytest.approx(0.75 * 10)


def test_a_customer_without_any_indicator_has_no_health_and_no_points():
    health, points = health_scores(np.array([[NAN, NAN], [40.0, NAN]]), [1, 1])
    assert np.isnan(health[0]) and np.isnan(points[0]).all()
    assert health[1] == pytest.approx(40.0)


def test_weights_need_not_sum_to_anything():
    a, _ = health_scores(np.array([[90.0, 10.0]]), [2, 6])
    b, _ = health_scores(np.array([[90.0, 10.0]]), [0.25, 0.75])
    assert a.tolist() == pytest.approx(b.tolist())


BANDS = (Band("At risk", 0), Band("Watch", 40), Band("Healthy", 60), Band("Champion", 80))


def test_a_score_falls_in_the_band_with_the_highest_min_not_above_it():
    health = np.array([0, 39.999, 40, 59.99, 60, 79.999999, 80, 100])
    assert assign_bands(health, BANDS).tolist() == [
        "At risk",
        "At risk",
        "Watch",
        "Watch",
        "Healthy",
        "Healthy",
        "Champion",
        "Champion",
    ]


def test_no_score_means_no_band_and_a_score_below_zero_still_lands_in_the_first():
    assert assign_bands(np.array([NAN, -3.0]), BANDS).tolist() == [None, "At risk"]
