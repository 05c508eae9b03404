"""Aggregates on the customer connection: average score, counts per band and segment, histograms."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

QUERY = """
query($filter: CustomerFilter, $edges: [Float!]) {
  customers(first: 1, filter: $filter) {
    totalCount averageScore scoringRunId
    bandCounts { value count }
    segmentCounts { value count }
    scoreHistogram(edges: $edges) { lower upper count }
  }
}
"""


def expected_counts(rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    counts = Counter(r[field] for r in rows)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    return [{"value": v, "count": n} for v, n in ordered]


@pytest.mark.parametrize("filter_", [None, {"source": {"eq": "suitecrm"}}, {"band": {"eq": "nothing"}}])
def test_aggregates_cover_every_customer_the_filter_selects(api: Any, population: Any, filter_: Any) -> None:
    rows = [
        c
        for c in population.customers
        if filter_ is None or c.get(next(iter(filter_)) if filter_ else "") == next(iter(filter_.values()))["eq"]
    ]
    data = api.data(QUERY, {"filter": filter_, "edges": [0, 40, 70, 100]})["customers"]
    scores = [c["health_score"] for c in rows if c["health_score"] is not None]
    assert data["totalCount"] == len(rows)
    assert data["averageScore"] == (pytest.approx(sum(scores) / len(scores)) if scores else None)
    assert data["bandCounts"] == expected_counts(rows, "band")
    assert data["segmentCounts"] == expected_counts(rows, "segment")
    assert data["scoreHistogram"] == [
        {"lower": 0.0, "upper": 40.0, "count": sum(1 for s in scores if s < 40)},
        {"lower": 40.0, "upper": 70.0, "count": sum(1 for s in scores if 40 <= s < 70)},
        {"lower": 70.0, "upper": 100.0, "count": sum(1 for s in scores if 70 <= s <= 100)},
    ]


def test_the_default_histogram_has_ten_buckets_and_closes_the_last(api: Any, population: Any) -> None:
    buckets = api.data(QUERY)["customers"]["scoreHistogram"]
    assert [(b["lower"], b["upper"]) for b in buckets] == [(float(x), float(x + 10)) for x in range(0, 100, 10)]
    scored = sum(1 for c in population.customers if c["health_score"] is not None)
    assert sum(b["count"] for b in buckets) == scored


def test_histogram_edges_must_be_increasing_and_bounded(api: Any, subtests: pytest.Subtests) -> None:
    for edges in ([1], [0, 0], [10, 5], list(range(60))):
        with subtests.test(edges=edges[:5]):
            [error] = api(QUERY, {"edges": edges})["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["message"].startswith("scoreHistogram(edges:): ")
