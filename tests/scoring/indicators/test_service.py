"""First-response and resolution time, in hours, against values worked out by hand."""

from __future__ import annotations

import math

import pytest

NAN = math.nan


@pytest.fixture
def desk(build):
    """(customer, opened, complaint, responded, closed, priority), all in days before as_of."""
    return build.frames(
        customers=build.customers([1, 2, 3]),
        cases=build.cases(
            [
                (1, 10, True, 9.5, 8, "high"),  # 12 h to respond, 48 h to close
                (1, 20, False, 19.75, 19, "low"),  # 6 h, 24 h
                (1, 400, True, 399, 398, "high"),  # outside the window
                (2, 2, False, None, None, "high"),  # unanswered, still open: 48 h so far
                (2, 5, False, 4, -1, "high"),  # answered in 24 h; closed after as_of: still open
                (3, 1, False, -1, None, "low"),  # answered after as_of: not yet
            ]
        ),
    )


def test_first_response_time_is_the_mean_hours_to_the_first_answer(build, desk):
    assert build.indicator(desk, "first_response_time") == pytest.approx({1: 9.0, 2: 24.0, 3: NAN}, nan_ok=True)


def test_resolution_time_is_the_mean_hours_to_closing(build, desk):
    assert build.indicator(desk, "resolution_time") == pytest.approx({1: 36.0, 2: NAN, 3: NAN}, nan_ok=True)


def test_open_cases_can_count_with_the_time_elapsed_so_far(build, desk):
    # 2: unanswered 48 h + answered 24 h -> 36; 3: 24 h elapsed
    values = build.indicator(desk, "first_response_time", {"include_open": True})
    assert values == pytest.approx({1: 9.0, 2: 36.0, 3: 24.0})
    # resolution: 2 has 48 h and 120 h open -> 84
    assert build.indicator(desk, "resolution_time", {"include_open": True})[2] == pytest.approx(84.0)


def test_cases_can_be_limited_to_complaints_or_priorities(build, desk):
    assert build.indicator(desk, "first_response_time", {"complaints_only": True})[1] == pytest.approx(12.0)
    assert build.indicator(desk, "resolution_time", {"priorities": ["low"]})[1] == pytest.approx(24.0)
