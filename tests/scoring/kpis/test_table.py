"""The KPI table puts every KPI of each period in one row, consistent with the single functions."""

from __future__ import annotations

import pytest

from scoring.kpis import Period, kpi_table, periods

from .conftest import Q1, ts


def test_one_row_per_period_with_every_kpi(orders, leads, campaigns):
    table = kpi_table(orders, leads, campaigns, [Q1], sales_spend=200.0, inactive_days=90)
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
        }
    )


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
