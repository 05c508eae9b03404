"""portfolioKpis, campaignRoi and cohortRetention over the hand-built KPI portfolio.

The module's store holds tests/crmscore/kpi_store.py: the portfolio of tests/scoring/kpis on source
``crm`` (every figure worked out by hand there) plus customer X, a campaign and leads on ``other``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from crmscore.auth import create_key
from tests.crmscore.kpi_store import seed_kpi_store

KPIS = """
query ($period: KpiPeriod!, $from: Date!, $to: Date!, $segment: String, $inactive: Float! = 90, $margin: Float! = 0.3) {
  portfolioKpis(period: $period, from: $from, to: $to, segment: $segment, inactiveDays: $inactive, grossMargin: $margin) {
    label start end segment leads leadConversionRate newCustomers marketingSpend cac newCustomerClv clvCac
    customers startActive endActive retentionRate churnRate winBackRate retentionSpend retentionCost
    repurchaseRate revenue arpu csat csatResponses nps npsResponses complaints complaintRate
  }
}
"""
ROI = """
query ($from: Date!, $to: Date!, $margin: Float! = 0.3) {
  campaignRoi(from: $from, to: $to, grossMargin: $margin) { campaignId source name channel startedAt cost customers revenue roi }
}
"""
COHORTS = """
query ($period: KpiPeriod!, $from: Date!, $to: Date!, $segment: String) {
  cohortRetention(period: $period, from: $from, to: $to, segment: $segment) {
    label start end size retention { age period active rate }
  }
}
"""
Q1 = {"from": "2025-01-01", "to": "2025-03-31"}


@pytest.fixture(scope="module")
def kpi_api(api: Any, shared_engine: Engine) -> Iterator[Any]:
    """The module's client over the seeded store, with a key limited to source ``crm``."""
    seed_kpi_store(shared_engine)
    api.keys["crm viewer"] = create_key(shared_engine, name="crm viewer", role="viewer", source="crm")[1]
    yield api


def crm(api: Any) -> Any:
    return api.as_key(api.keys["crm viewer"])


def test_a_quarter_for_a_key_limited_to_one_source_has_the_hand_worked_figures(kpi_api: Any) -> None:
    (q1,) = crm(kpi_api).data(KPIS, {"period": "QUARTER", **Q1})["portfolioKpis"]
    assert (q1["label"], q1["start"], q1["end"], q1["segment"]) == (
        "2025-Q1", "2025-01-01T00:00:00+00:00", "2025-04-01T00:00:00+00:00", None,
    )  # fmt: skip
    clv = ((150 * 2 * 365 / 90) * 0.9 + (50 * 1 * 365 / 90) * 0.9) / 2
    assert {k: v for k, v in q1.items() if k not in ("label", "start", "end", "segment")} == pytest.approx(
        {
            "leads": 3, "leadConversionRate": 100 / 3, "newCustomers": 2, "marketingSpend": 1000.0, "cac": 500.0,
            "newCustomerClv": clv, "clvCac": clv / 500, "customers": 5, "startActive": 2, "endActive": 4,
            "retentionRate": 100.0, "churnRate": 50.0, "winBackRate": 50.0, "retentionSpend": 300.0,
            "retentionCost": 300.0, "repurchaseRate": 25.0, "revenue": 430.0, "arpu": 86.0, "csat": 50.0,
            "csatResponses": 4, "nps": 25.0, "npsResponses": 4, "complaints": 4, "complaintRate": 40.0,
        }
    )  # fmt: skip


def test_a_key_without_a_source_limit_sees_every_source_and_a_key_of_another_source_sees_none(kpi_api: Any) -> None:
    (everything,) = kpi_api.data(KPIS, {"period": "QUARTER", **Q1})["portfolioKpis"]
    assert (everything["leads"], everything["newCustomers"], everything["revenue"]) == (5, 3, 1430.0)
    (odoo,) = kpi_api.as_key(kpi_api.keys["odoo viewer"]).data(KPIS, {"period": "QUARTER", **Q1})["portfolioKpis"]
    assert (odoo["leads"], odoo["customers"], odoo["revenue"], odoo["complaints"]) == (0, 0, 0.0, 0)


def test_missing_values_are_null(kpi_api: Any) -> None:
    months = crm(kpi_api).data(KPIS, {"period": "MONTH", "from": "2024-01-01", "to": "2024-01-31"})["portfolioKpis"]
    (january,) = months  # nobody bought before 2024-05: nothing to divide by
    assert (january["retentionRate"], january["arpu"], january["csat"], january["cac"]) == (None, None, None, None)
    assert (january["customers"], january["csatResponses"]) == (0, 0)


def test_a_segment_of_the_served_run_and_the_figures_it_cannot_have(kpi_api: Any) -> None:
    (q1,) = crm(kpi_api).data(KPIS, {"period": "QUARTER", **Q1, "segment": "loyal"})["portfolioKpis"]
    assert (q1["segment"], q1["startActive"], q1["endActive"], q1["revenue"], q1["complaints"]) == ("loyal", 2, 1, 60.0, 2)
    assert [q1[k] for k in ("leads", "leadConversionRate", "marketingSpend", "cac", "clvCac", "retentionCost")] == [None] * 6


def test_campaign_roi_per_campaign_for_the_keys_sources(kpi_api: Any) -> None:
    rows = crm(kpi_api).data(ROI, {**Q1, "margin": 1.0})["campaignRoi"]
    assert rows == [
        {"campaignId": "K1", "source": "crm", "name": "Winter mail", "channel": "email",
         "startedAt": "2025-01-05T00:00:00+00:00", "cost": 1000.0, "customers": 1, "revenue": 300.0, "roi": -70.0},
        {"campaignId": "K3", "source": "crm", "name": "Keep them", "channel": "retention",
         "startedAt": "2025-02-01T00:00:00+00:00", "cost": 300.0, "customers": 0, "revenue": 0.0, "roi": -100.0},
    ]  # fmt: skip
    assert [r["source"] for r in kpi_api.data(ROI, Q1)["campaignRoi"]] == ["crm", "other", "crm"]


def test_cohort_retention_curves(kpi_api: Any) -> None:
    (january,) = crm(kpi_api).data(COHORTS, {"period": "MONTH", **Q1})["cohortRetention"]
    assert (january["label"], january["start"], january["end"], january["size"]) == (
        "2025-01", "2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00", 2,
    )  # fmt: skip
    assert january["retention"] == [
        {"age": 0, "period": "2025-01", "active": 2, "rate": 100.0},
        {"age": 1, "period": "2025-02", "active": 0, "rate": 0.0},
        {"age": 2, "period": "2025-03", "active": 1, "rate": 50.0},
    ]
    assert crm(kpi_api).data(COHORTS, {"period": "MONTH", **Q1, "segment": "loyal"})["cohortRetention"] == []


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (KPIS, {"period": "MONTH", "from": "2025-03-31", "to": "2025-01-01"},
         "portfolioKpis(from:, to:): from 2025-03-31 is after to 2025-01-01"),
        (KPIS, {"period": "MONTH", **Q1, "segment": "Loyal"},
         "portfolioKpis(segment:): unknown segment 'Loyal' (segments: loyal, new, sleeping)"),
        (KPIS, {"period": "MONTH", **Q1, "margin": 2.0}, "portfolioKpis(grossMargin:): gross margin must be between 0 and 1, got 2.0"),
        (KPIS, {"period": "MONTH", "from": "2000-01-01", "to": "2025-01-01"},
         "portfolioKpis(from:, to:): 2000-01-01 to 2025-01-01 is 301 months; at most 240 per report"),
        (KPIS, {"period": "MONTH", "from": "0001-01-01", "to": "9999-12-31"},
         "portfolioKpis(from:, to:): 0001-01-01 to 9999-12-31 is more than 240 months"),
        (ROI, {"from": "2025-03-31", "to": "2025-01-01"}, "campaignRoi(from:, to:): from 2025-03-31 is after to 2025-01-01"),
        (COHORTS, {"period": "YEAR", **Q1, "segment": "nope"},
         "cohortRetention(segment:): unknown segment 'nope' (segments: loyal, new, sleeping)"),
    ],
)  # fmt: skip
def test_bad_arguments_are_bad_user_input_naming_the_argument(kpi_api: Any, query: str, variables: Any, message: str) -> None:
    body = crm(kpi_api)(query, variables)
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["message"]) == ("BAD_USER_INPUT", message)


def test_a_date_that_is_not_a_date_is_refused_before_anything_runs(kpi_api: Any) -> None:
    assert kpi_api.error_codes(KPIS, {"period": "MONTH", "from": "2025-13-01", "to": "2025-12-31"}) == ["BAD_USER_INPUT"]
