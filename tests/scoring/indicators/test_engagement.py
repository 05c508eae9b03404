"""Complaint rate and interaction rate: events per 30 days of the customer's exposure in the window."""

from __future__ import annotations

import pytest


@pytest.fixture
def service(build):
    # 1 is an old customer; 2 was created 60 days ago; 3 ten days ago (exposure floored at 30);
    # 4 has nothing; 5 has no creation date (full window).
    return build.frames(
        customers=build.customers([1, 2, 3, 4, 5], created_days_ago={2: 60, 3: 10, 5: None}),
        cases=build.cases(
            [
                (1, 10, True),
                (1, 100, True),
                (1, 300, True),
                (1, 50, False),  # not a complaint
                (1, 400, True),  # outside the window
                (2, 5, True),
                (3, 1, True),
                (5, 20, True),
            ]
        ),
        activities=build.activities(
            [
                (1, 1, "call", "outbound"),
                (1, 2, "email", "inbound"),
                (1, 3, "meeting", "inbound"),
                (1, 500, "call", "outbound"),  # outside the window
                (2, 4, "call", "inbound"),
                (2, 8, "call", "inbound"),
            ]
        ),
    )


def test_complaint_rate_is_complaints_per_30_days_of_exposure(build, service):
    assert build.indicator(service, "complaint_rate") == pytest.approx(
        {1: 3 / 365 * 30, 2: 1 / 60 * 30, 3: 1.0, 4: 0.0, 5: 1 / 365 * 30}
    )


def test_complaint_rate_per_days_and_minimum_exposure_are_params(build, service):
    values = build.indicator(service, "complaint_rate", {"per_days": 7, "min_exposure_days": 1})
    assert values == pytest.approx({1: 3 / 365 * 7, 2: 1 / 60 * 7, 3: 1 / 10 * 7, 4: 0.0, 5: 1 / 365 * 7})


def test_interaction_rate_counts_all_activities_in_the_window(build, service):
    assert build.indicator(service, "interaction_rate") == pytest.approx(
        {1: 3 / 365 * 30, 2: 2 / 60 * 30, 3: 0.0, 4: 0.0, 5: 0.0}
    )


def test_interaction_rate_can_count_only_some_kinds_and_one_direction(build, service):
    inbound = build.indicator(service, "interaction_rate", {"direction": "inbound"})
    assert inbound == pytest.approx({1: 2 / 365 * 30, 2: 2 / 60 * 30, 3: 0.0, 4: 0.0, 5: 0.0})
    calls = build.indicator(service, "interaction_rate", {"kinds": ["call", "meeting"], "direction": "inbound"})
    assert calls == pytest.approx({1: 1 / 365 * 30, 2: 2 / 60 * 30, 3: 0.0, 4: 0.0, 5: 0.0})


def test_complaint_rate_can_count_only_some_case_priorities(build):
    frames = build.frames(
        customers=build.customers([1]),
        cases=build.cases([(1, 10, True, None, None, "high"), (1, 20, True, None, None, "low"), (1, 30, False, None, None, "high")]),
    )
    assert build.indicator(frames, "complaint_rate", {"priorities": ["high", "urgent"]}) == pytest.approx({1: 1 / 365 * 30})
