"""Leads, conversion, CAC, campaign ROI and CLV/CAC on the hand-built portfolio."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scoring.kpis import (
    cac,
    campaign_spend,
    clv_to_cac,
    lead_conversion_rate,
    leads_count,
    marketing_roi,
)

from .conftest import Q1


def test_leads_count_counts_leads_created_in_the_period(leads):
    assert leads_count(leads, Q1) == 3


def test_conversion_is_a_cohort_rate_converted_by_the_end_of_the_period(leads):
    # L1 converted in Q1; L3 converted after it; L4 was created before the period
    assert lead_conversion_rate(leads, Q1) == pytest.approx(100 / 3)


def test_campaign_spend_books_each_campaigns_cost_when_it_starts(campaigns):
    assert campaign_spend(campaigns, Q1) == 1300.0
    assert campaign_spend(campaigns, Q1, channels=["retention"]) == 300.0


def test_cac_is_marketing_plus_sales_spend_per_new_customer():
    assert cac(1000.0, 200.0, 2) == 600.0
    assert math.isnan(cac(1000.0, 0.0, 0))


def test_marketing_roi_per_campaign_uses_revenue_after_conversion(campaigns, leads, orders):
    roi = marketing_roi(campaigns, leads, orders, Q1).set_index("campaign_id")
    assert list(roi.index) == ["K1", "K3"]  # K2 started before the period
    # K1 won customer 5 on 2025-01-20, who then bought 100 + 200
    assert roi.loc["K1"].to_dict() == pytest.approx({"cost": 1000.0, "customers": 1, "revenue": 300.0, "roi": -70.0})
    assert roi.loc["K3", "roi"] == pytest.approx(-100.0)
    with_margin = marketing_roi(campaigns, leads, orders, Q1, gross_margin=0.5).set_index("campaign_id")
    assert with_margin.loc["K1", "roi"] == pytest.approx(100 * (150 - 1000) / 1000)


def test_a_campaign_without_cost_has_no_roi(campaigns, leads, orders):
    free = campaigns.assign(cost=[0.0, 500.0, 300.0])
    assert pd.isna(marketing_roi(free, leads, orders, Q1).set_index("campaign_id").loc["K1", "roi"])


def test_clv_to_cac_divides_and_is_missing_without_cac():
    assert clv_to_cac(1800.0, 600.0) == 3.0
    assert math.isnan(clv_to_cac(1800.0, float("nan"))) and math.isnan(clv_to_cac(1.0, 0.0))
