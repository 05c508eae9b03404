"""Per-customer CSAT and latest-NPS indicators against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.indicators import ScoringData, get_kind, resolve_params

NAN = math.nan


@pytest.fixture
def answers(build):
    return build.frames(
        customers=build.customers([1, 2, 3, 4]),
        surveys=build.surveys(
            [
                (1, "csat", 5, 10),
                (1, "csat", 4, 20),
                (1, "csat", 3, 30),
                (1, "csat", 1, 400),  # outside the window
                (2, "csat", 2, 5),
                (2, "csat", 9, 6, 1, 10),  # another scale: not mixed into the 1-5 CSAT
                (1, "nps", 9, 50),
                (1, "nps", 6, 10),  # latest answer wins
                (2, "nps", 10, 100),
                (3, "nps", 7, 20),
                (3, "nps", 8, 20),  # same moment: the higher answer is taken, whatever the row order
                (4, "nps", 10, 400),  # outside the window
                (4, "nps", 4, 30, 1, 5),  # not a 0-10 answer: ignored
            ]
        ),
    )


def test_csat_is_the_percentage_of_answers_scored_four_or_five(build, answers):
    assert build.indicator(answers, "csat") == pytest.approx({1: 200 / 3, 2: 0.0, 3: NAN, 4: NAN}, nan_ok=True)


def test_csat_satisfied_set_is_configurable(build, answers):
    assert build.indicator(answers, "csat", {"satisfied": [5]}) == pytest.approx(
        {1: 100 / 3, 2: 0.0, 3: NAN, 4: NAN}, nan_ok=True
    )


def test_csat_on_a_ten_point_scale_counts_only_answers_on_that_scale(build, answers):
    values = build.indicator(answers, "csat", {"scale_min": 1, "scale_max": 10, "satisfied": [9, 10]})
    assert values == pytest.approx({1: NAN, 2: 100.0, 3: NAN, 4: NAN}, nan_ok=True)


def test_csat_below_min_responses_is_missing(build, answers):
    assert build.indicator(answers, "csat", {"min_responses": 2}) == pytest.approx(
        {1: 200 / 3, 2: NAN, 3: NAN, 4: NAN}, nan_ok=True
    )


def test_nps_is_the_latest_zero_to_ten_answer_in_the_window(build, answers):
    assert build.indicator(answers, "nps") == pytest.approx({1: 6.0, 2: 10.0, 3: 8.0, 4: NAN}, nan_ok=True)


def test_nps_tie_on_the_timestamp_does_not_depend_on_row_order(build, answers):
    reversed_rows = build.frames(customers=answers.customers, surveys=answers.surveys.iloc[::-1].reset_index(drop=True))
    assert build.indicator(reversed_rows, "nps") == pytest.approx(build.indicator(answers, "nps"), nan_ok=True)


def test_nps_labels_each_customer_promoter_passive_or_detractor(build, answers):
    spec = get_kind("nps")
    out = spec.compute(ScoringData(answers, pd.Timestamp(build.as_of)), resolve_params(spec, {}, 365))
    assert list(out.labels) == ["detractor", "promoter", "passive", None]
    assert np.isnan(out.values[3])


def test_the_survey_name_is_a_parameter_so_a_custom_survey_can_be_scored(build):
    frames = build.frames(
        customers=build.customers([1]),
        surveys=build.surveys([(1, "csat", 5, 3), (1, "onboarding", 2, 3), (1, "onboarding", 4, 4), (1, "relnps", 3, 2, 0, 10)]),
    )
    assert build.indicator(frames, "csat", {"survey": "onboarding"}) == {1: 50.0}
    assert build.indicator(frames, "nps", {"survey": "relnps"}) == {1: 3.0}
