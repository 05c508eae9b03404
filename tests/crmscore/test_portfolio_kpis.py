"""Portfolio KPIs, campaign ROI and cohort curves read from a real store (SQLite and PostgreSQL).

The store holds the hand-built portfolio of tests/scoring/kpis (see tests/crmscore/kpi_store.py), so
every figure here was worked out by hand; what these tests add is the reading: joins on
``(source, external id)``, leads without a customer or campaign, source limits and segments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from crmscore.portfolio_kpis import (
    CAMPAIGN_ROI_COLUMNS,
    MAX_PERIODS,
    campaign_roi,
    cohort_curves,
    portfolio_kpis,
    read_segments,
    records,
)
from scoring.kpis import KPI_COLUMNS
from tests.crmscore.kpi_store import seed_kpi_store

Q1 = (date(2025, 1, 1), date(2025, 3, 31))
JAN_1 = datetime(2025, 1, 1, tzinfo=UTC)
APR_1 = datetime(2025, 4, 1, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine) -> Engine:
    seed_kpi_store(engine)
    return engine


def test_q1_from_the_store_matches_the_figures_worked_out_by_hand(store: Engine) -> None:
    table = portfolio_kpis(store, "quarter", *Q1, sources=["crm"], inactive_days=90)
    assert list(table.columns) == [*KPI_COLUMNS, "label", "start", "end", "segment"]
    (row,) = records(table)
    assert (row.pop("start"), row.pop("end")) == (JAN_1, APR_1)  # approx takes no datetimes
    clv = ((150 * 2 * 365 / 90) * 0.9 + (50 * 1 * 365 / 90) * 0.9) / 2
    assert row == pytest.approx(
        {
            "period": "2025-01-01..2025-04-01",
            "leads": 3,
            "lead_conversion_rate": 100 / 3,
            "new_customers": 2,
            "marketing_spend": 1000.0,
            "cac": 500.0,
            "new_customer_clv": clv,
            "clv_cac": clv / 500.0,
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
            "label": "2025-Q1",
            "segment": None,
        }
    )


def test_without_a_source_limit_every_source_counts(store: Engine) -> None:
    (row,) = records(portfolio_kpis(store, "quarter", *Q1, inactive_days=90))
    # X (source other): a new customer with a 1,000 order and a complaint, two leads (one converted), a 50 campaign
    assert (row["leads"], row["lead_conversion_rate"], row["new_customers"]) == (5, 40.0, 3)
    assert (row["marketing_spend"], row["cac"]) == (1050.0, 350.0)
    assert (row["revenue"], row["customers"], row["complaints"], row["complaint_rate"]) == (1430.0, 6, 5, 50.0)


def test_months_split_the_quarter_and_add_up_to_it(store: Engine) -> None:
    months = portfolio_kpis(store, "month", *Q1, sources=["crm"], inactive_days=90)
    assert months["label"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert months["revenue"].sum() == 430.0 and months["new_customers"].sum() == 2 and months["leads"].sum() == 3


def test_a_segment_is_read_from_the_newest_succeeded_run(store: Engine) -> None:
    (row,) = records(portfolio_kpis(store, "quarter", *Q1, segment="loyal", sources=["crm"], inactive_days=90))
    # A and B (the older run's "old" segment must not be read)
    assert (row["segment"], row["start_active"], row["end_active"], row["revenue"]) == ("loyal", 2, 1, 60.0)
    assert (row["complaints"], row["complaint_rate"], row["leads"], row["cac"]) == (2, 50.0, None, None)
    with store.connect() as conn:
        assert sorted(read_segments(conn, sources=["crm"]).unique()) == ["loyal", "new", "sleeping"]


def test_an_unknown_segment_names_the_segments_there_are(store: Engine) -> None:
    with pytest.raises(ValueError, match=r"unknown segment 'Loyal' \(segments: loyal, new, sleeping\)"):
        portfolio_kpis(store, "quarter", *Q1, segment="Loyal")


def test_a_segment_without_any_scoring_run_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(ValueError, match="no succeeded scoring run yet"):
        portfolio_kpis(engine, "month", *Q1, segment="loyal")


def test_an_empty_store_gives_a_row_per_period_with_zero_counts_and_missing_rates(engine: Engine) -> None:
    rows = records(portfolio_kpis(engine, "month", *Q1))
    assert [r["label"] for r in rows] == ["2025-01", "2025-02", "2025-03"]
    assert all(r["leads"] == 0 and r["revenue"] == 0.0 and r["retention_rate"] is None for r in rows)


def test_bad_ranges_and_settings_are_refused_with_what_is_wrong(store: Engine) -> None:
    with pytest.raises(ValueError, match="from 2025-03-31 is after to 2025-01-01"):
        portfolio_kpis(store, "month", date(2025, 3, 31), date(2025, 1, 1))
    with pytest.raises(ValueError, match=f"is 241 months; at most {MAX_PERIODS} per report"):
        portfolio_kpis(store, "month", date(2000, 1, 1), date(2020, 1, 1))
    with pytest.raises(ValueError, match="gross margin must be between 0 and 1, got 1.5"):
        portfolio_kpis(store, "month", *Q1, gross_margin=1.5)
    with pytest.raises(ValueError, match="inactive days must be a positive number of days, got 0"):
        portfolio_kpis(store, "month", *Q1, inactive_days=0)


def test_campaign_roi_lists_the_campaigns_started_in_the_range_with_names(store: Engine) -> None:
    roi = campaign_roi(store, *Q1, sources=["crm"], gross_margin=1.0)
    assert list(roi.columns) == list(CAMPAIGN_ROI_COLUMNS)
    got = [(r["campaign_id"], r["name"], r["channel"], r["cost"], r["customers"], r["revenue"], r["roi"]) for r in records(roi)]
    # K1 won E on 2025-01-20, who then bought 100 + 200; K3 won nobody; K2 started in December
    assert got == [("K1", "Winter mail", "email", 1000.0, 1, 300.0, -70.0), ("K3", "Keep them", "retention", 300.0, 0, 0.0, -100.0)]
    everyone = records(campaign_roi(store, *Q1, gross_margin=0.3))
    assert [(r["source"], r["campaign_id"]) for r in everyone] == [("crm", "K1"), ("other", "K1"), ("crm", "K3")]
    other = everyone[1]  # X converted on 01-09 and bought 1,000: 100 × (300 − 50) / 50
    assert (other["customers"], other["revenue"], other["roi"]) == (1, 1000.0, pytest.approx(500.0))


def test_cohort_curves_from_the_store(store: Engine) -> None:
    curves = records(cohort_curves(store, "month", *Q1, sources=["crm"]))
    # first purchases: F 01-05 (Jan), E 02-01 00:00 (ends January: periods are start < t <= end)
    assert [(c["cohort"], c["size"], c["period"], c["active"], c["retention"]) for c in curves] == [
        ("2025-01", 2, "2025-01", 2, 100.0),
        ("2025-01", 2, "2025-02", 0, 0.0),
        ("2025-01", 2, "2025-03", 1, 50.0),
    ]
    assert (curves[0]["cohort_start"], curves[0]["cohort_end"]) == (JAN_1, datetime(2025, 2, 1, tzinfo=UTC))
    assert [c["cohort"] for c in records(cohort_curves(store, "month", *Q1, segment="new"))] == ["2025-01"] * 3
    assert records(cohort_curves(store, "month", *Q1, segment="loyal", sources=["crm"])) == []
