"""Portfolio NPS and CSAT reproduce the published worked examples exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scoring.portfolio import csat, nps, nps_class


def test_csat_reproduces_delighteds_worked_example():
    # Delighted: 42 fives, 32 fours, 10 threes, 9 twos, 14 ones → 74/107 = 69.16 (shown as 69).
    answers = [5] * 42 + [4] * 32 + [3] * 10 + [2] * 9 + [1] * 14
    value = csat(answers)
    assert value == 100 * 74 / 107
    assert round(value, 2) == 69.16
    assert round(value) == 69


def test_a_three_is_not_satisfied_and_the_satisfied_set_is_configurable():
    assert csat([3, 3, 4, 5]) == 50.0
    assert csat([8, 9, 10, 10], satisfied={9, 10}) == 75.0


def test_nps_reproduces_thirty_percent_promoters_minus_twenty_percent_detractors():
    answers = [9, 10, 9] + [7, 8, 7, 8, 8] + [0, 6]  # 3 promoters, 5 passives, 2 detractors
    assert nps(answers) == 10.0


def test_passives_count_only_in_the_denominator():
    assert nps([10, 7, 7, 7]) == 25.0
    assert nps([10, 10, 0, 0]) == 0.0


def test_nps_bounds_are_plus_and_minus_one_hundred():
    assert nps([9, 10]) == 100.0
    assert nps([0, 6, 3]) == -100.0


def test_missing_answers_are_ignored_and_no_answers_give_nan():
    assert nps(pd.Series([10, np.nan, 0, 9])) == 100 * (2 - 1) / 3
    assert math.isnan(nps([])) and math.isnan(csat([np.nan]))


def test_nps_class_labels_each_answer():
    assert nps_class(np.array([10, 9, 8.5, 7, 6.9, 0, np.nan])).tolist() == [
        "promoter",
        "promoter",
        "passive",
        "passive",
        "detractor",
        "detractor",
        None,
    ]
