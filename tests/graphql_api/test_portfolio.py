"""Portfolio KPIs over what a key may see, and the score trend across runs."""

from __future__ import annotations

from typing import Any

import pytest

QUERY = """
{ portfolio {
    customers scored averageScore openAlerts asOf
    bandCounts { value count }
    scoreTrend(last: 5, atRiskBand: "at_risk") { scoringRunId scored averageScore atRisk }
} }
"""


@pytest.mark.parametrize("key", ["viewer", "odoo viewer"])
def test_portfolio_kpis_describe_the_served_run_of_the_visible_customers(api: Any, population: Any, key: str) -> None:
    from graphql_api.ids import encode_id

    visible = [c for c in population.customers if key == "viewer" or c["source"] == "odoo"]
    data = api.as_key(api.keys[key]).data(QUERY)["portfolio"]
    scores = [c["health_score"] for c in visible if c["health_score"] is not None]
    assert data["customers"] == len(visible)
    assert data["scored"] == len(scores)
    assert data["averageScore"] == pytest.approx(sum(scores) / len(scores))
    assert data["openAlerts"] == 0
    assert data["asOf"] == "2025-03-01T12:00:00+00:00"
    assert sum(b["count"] for b in data["bandCounts"]) == len(visible)
    old, served = data["scoreTrend"]
    assert served["scoringRunId"] == encode_id("ScoringRun", population.served_run)
    assert old["scoringRunId"] == encode_id("ScoringRun", population.old_run)
    assert served["scored"] == len(scores) and served["averageScore"] == pytest.approx(data["averageScore"])
    assert served["atRisk"] == sum(1 for c in visible if c["band"] == "at_risk")
    assert old["averageScore"] == 99.0 and old["atRisk"] == 0
