"""Portfolio CSAT, NPS, complaints, revenue and ARPU for one period, on the hand-built portfolio."""

from __future__ import annotations

import math

import pytest

from scoring.kpis import (
    arpu,
    complaint_count,
    complaint_rate,
    period_csat,
    period_nps,
    retention_counts,
    revenue,
)

from .conftest import Q1


def test_csat_counts_answers_on_its_scale_given_in_the_period(surveys):
    # 5, 3, 4, 2 on 1-5 → 2 of 4 satisfied; the 1-10 answer and December's answer are left out
    assert period_csat(surveys, Q1) == (50.0, 4)
    assert period_csat(surveys, Q1, satisfied=(3, 4, 5)) == (75.0, 4)
    assert period_csat(surveys, Q1, scale=(1, 10), satisfied=(9, 10)) == (100.0, 1)


def test_nps_counts_an_answer_stamped_exactly_at_the_end_of_the_period(surveys):
    # 10, 9, 8 and the 3 given at 2025-04-01 00:00 → (2 promoters − 1 detractor) / 4
    assert period_nps(surveys, Q1) == (25.0, 4)


def test_no_answers_give_nan_with_a_count_of_zero(surveys):
    value, n = period_csat(surveys.iloc[0:0], Q1)
    assert math.isnan(value) and n == 0


def test_complaints_count_cases_and_the_rate_counts_complaining_customers_of_the_period(orders, cases):
    base = retention_counts(orders, Q1, 90).active_during
    assert base == {1, 2, 3, 5, 6}
    assert complaint_count(cases, Q1) == 4  # B twice, E, D; A's case is no complaint
    assert complaint_rate(cases, Q1, base) == pytest.approx(40.0)  # B and E of 5; D is not a customer of Q1
    assert math.isnan(complaint_rate(cases, Q1, set()))


def test_revenue_is_net_of_refunds_and_arpu_divides_it_by_the_periods_customers(orders):
    assert revenue(orders, Q1) == 430.0  # 60 + 40 + 100 + 200 + 50 − 20
    assert arpu(430.0, 5) == 86.0
    assert math.isnan(arpu(430.0, 0))
