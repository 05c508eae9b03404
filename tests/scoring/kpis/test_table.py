"""The KPI table puts every KPI of each period in one row, consistent with the single functions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scoring.kpis import KPI_COLUMNS, WHOLE_PORTFOLIO_ONLY, Period, kpi_table, periods

from .conftest import Q1, ts


def test_one_row_per_period_with_every_kpi(orders, leads, campaigns, surveys, cases):
    table = kpi_table(
        orders, leads, campaigns, [Q1], surveys=surveys, cases=cases, sales_spend=200.0, inactive_days=90
    )
    assert list(table.columns) == list(KPI_COLUMNS)
    row = table.iloc[0].to_dict()
    # E: AOV 150, 2 purchases in 90 days; F: AOV 50, 1 purchase; both × 0.3 × 3
    clv = ((150 * 2 * 365 / 90) * 0.9 + (50 * 1 * 365 / 90) * 0.9) / 2
    assert row == pytest.approx(
        {
            "period": "2025-01-01..2025-04-01",
            "leads": 3,
            "lead_conversion_rate": 100 / 3,
            "new_customers": 2,
            "marketing_spend": 1000.0,
            "cac": 600.0,
            "new_customer_clv": clv,
            "clv_cac": clv / 600.0,
            "start_active": 2,
            "end_active": 4,
            "retention_rate": 100.0,
            "churn_rate": 50.0,
            "win_back_rate": 50.0,
            "retention_spend": 300.0,
            "retention_cost": 300.0,
            "repurchase_rate": 25.0,
            "customers": 5,
            "revenue": 430.0,
            "arpu": 86.0,
            "csat": 50.0,
            "csat_responses": 4,
            "nps": 25.0,
            "nps_responses": 4,
            "complaints": 4,
            "complaint_rate": 40.0,
        }
    )


def test_without_surveys_or_cases_their_kpis_are_missing_not_zero(orders, leads, campaigns):
    row = kpi_table(orders, leads, campaigns, [Q1], inactive_days=90).iloc[0]
    assert all(math.isnan(row[c]) for c in ("csat", "nps", "complaints", "complaint_rate"))
    assert row["csat_responses"] == 0 and row["nps_responses"] == 0


SEGMENT_OF = pd.Series({1: "loyal", 2: "loyal", 3: "sleeping", 4: "sleeping", 5: "new", 6: "new"})


def test_a_segment_keeps_only_its_customers_orders_answers_and_cases(orders, leads, campaigns, surveys, cases):
    row = kpi_table(
        orders, leads, campaigns, [Q1], surveys=surveys, cases=cases, segment_of=SEGMENT_OF, segment="loyal",
        inactive_days=90,
    ).iloc[0]
    # A (retained) and B (lost): S = {A, B}, E = {A}, nobody new; revenue: A's 60; B's complaints only
    assert (row["start_active"], row["end_active"], row["new_customers"], row["customers"]) == (2, 1, 0, 2)
    assert (row["retention_rate"], row["churn_rate"], row["revenue"], row["arpu"]) == (50.0, 50.0, 60.0, 30.0)
    assert (row["csat"], row["csat_responses"], row["nps"], row["nps_responses"]) == (100.0, 1, 100.0, 1)
    assert (row["complaints"], row["complaint_rate"]) == (2, 50.0)


def test_a_segment_has_no_lead_or_spend_based_kpis_because_they_belong_to_no_customer(
    orders, leads, campaigns, surveys, cases
):
    row = kpi_table(orders, leads, campaigns, [Q1], segment_of=SEGMENT_OF, segment="new", inactive_days=90).iloc[0]
    assert all(math.isnan(row[c]) for c in WHOLE_PORTFOLIO_ONLY)
    assert row["new_customers"] == 2 and not math.isnan(row["new_customer_clv"])


def test_an_unknown_segment_is_an_error_naming_the_known_ones(orders, leads, campaigns):
    with pytest.raises(ValueError, match=r"unknown segment 'Loyal' \(segments: loyal, new, sleeping\)"):
        kpi_table(orders, leads, campaigns, [Q1], segment_of=SEGMENT_OF, segment="Loyal")
    with pytest.raises(ValueError, match="a segment needs segment_of"):
        kpi_table(orders, leads, campaigns, [Q1], segment="loyal")


def test_periods_split_a_range_at_calendar_boundaries():
    months = periods(ts("2025-01-01"), ts("2025-04-01"), "MS")
    assert [p.label for p in months] == ["2025-01-01..2025-02-01", "2025-02-01..2025-03-01", "2025-03-01..2025-04-01"]
    assert months[0].days == 31


def test_a_period_must_be_timezone_aware_and_non_empty():
    with pytest.raises(ValueError, match="timezone-aware"):
        Period(ts("2025-01-01").tz_localize(None), ts("2025-02-01"))
    with pytest.raises(ValueError, match="must end after it starts"):
        Period(ts("2025-02-01"), ts("2025-01-01"))


def test_monthly_new_customers_add_up_to_the_quarter(orders, leads, campaigns):
    monthly = kpi_table(orders, leads, campaigns, periods(ts("2025-01-01"), ts("2025-04-01")), inactive_days=90)
    quarterly = kpi_table(orders, leads, campaigns, [Q1], inactive_days=90)
    assert monthly["new_customers"].sum() == quarterly["new_customers"].iloc[0] == 2
    assert monthly["leads"].sum() == 3
