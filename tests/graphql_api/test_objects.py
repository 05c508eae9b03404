"""Customer fields: indicators labelled from the run's config, contributions, rfm, unscored nulls."""

from __future__ import annotations

from typing import Any

import pytest

from graphql_api.ids import encode_id
from tests.graphql_api.conftest import Api


@pytest.fixture
def api(fresh_api: Api) -> Api:
    """Every test here writes: each gets a store of its own."""
    return fresh_api


QUERY = """
query($id: ID!) {
  customer(id: $id) {
    healthScore band segment scorecard
    rfm { r f m }
    indicators { key label value score }
    contributions { key label points }
  }
}
"""


@pytest.fixture
def scored(seed: Any) -> dict[str, int]:
    pks = seed.customers(
        [{"external_id": "scored", "name": "Scored"}, {"external_id": "bare", "name": "Bare"}]
    )
    config = seed.config(
        [
            {"key": "recency_days", "label": "Days since last order"},
            {"key": "order_count"},  # no label: the key labels itself
            {"key": "complaints", "label": "Open complaints"},
        ]
    )
    seed.run(
        config,
        {
            pks["scored"]: {
                "health_score": 61.5,
                "band": "watch",
                "segment": "loyal",
                "scorecard": "enterprise",
                "rfm": (4, 2, 5),
                "indicators": {
                    "complaints": (3.0, 20.0, -9.0),
                    "order_count": (12.0, 80.0, 6.0),
                    "recency_days": (40.0, 55.0, 1.5),
                    "legacy_metric": (1.0, None, None),  # not in the config any more
                },
            },
            pks["bare"]: {"health_score": None},
        },
    )
    return pks


def test_indicators_are_labelled_from_the_config_in_its_order(api: Any, scored: dict[str, int]) -> None:
    customer = api.data(QUERY, {"id": encode_id("Customer", scored["scored"])})["customer"]
    assert customer["indicators"] == [
        {"key": "recency_days", "label": "Days since last order", "value": 40.0, "score": 55.0},
        {"key": "order_count", "label": "order_count", "value": 12.0, "score": 80.0},
        {"key": "complaints", "label": "Open complaints", "value": 3.0, "score": 20.0},
        {"key": "legacy_metric", "label": "legacy_metric", "value": 1.0, "score": None},
    ]


def test_contributions_are_sorted_by_absolute_points_and_skip_unknown_points(
    api: Any, scored: dict[str, int]
) -> None:
    customer = api.data(QUERY, {"id": encode_id("Customer", scored["scored"])})["customer"]
    assert customer["contributions"] == [
        {"key": "complaints", "label": "Open complaints", "points": -9.0},
        {"key": "order_count", "label": "order_count", "points": 6.0},
        {"key": "recency_days", "label": "Days since last order", "points": 1.5},
    ]


def test_score_band_segment_scorecard_and_rfm_come_from_the_score_row(api: Any, scored: dict[str, int]) -> None:
    customer = api.data(QUERY, {"id": encode_id("Customer", scored["scored"])})["customer"]
    assert (customer["healthScore"], customer["band"], customer["segment"]) == (61.5, "watch", "loyal")
    assert customer["scorecard"] == "enterprise"
    assert customer["rfm"] == {"r": 4, "f": 2, "m": 5}


def test_a_customer_scored_without_values_has_nulls_and_empty_lists(api: Any, scored: dict[str, int]) -> None:
    customer = api.data(QUERY, {"id": encode_id("Customer", scored["bare"])})["customer"]
    assert customer == {
        "healthScore": None,
        "band": None,
        "segment": None,
        "scorecard": None,
        "rfm": None,
        "indicators": [],
        "contributions": [],
    }


def test_a_customer_never_scored_still_appears_with_nulls(api: Any, seed: Any) -> None:
    pks = seed.customers([{"external_id": "new", "name": "Brand new", "kind": "person"}])
    query = "{ customers { totalCount nodes { id name kind healthScore band scorecard indicators { key } } } }"
    assert api.data(query)["customers"] == {
        "totalCount": 1,
        "nodes": [
            {
                "id": encode_id("Customer", pks["new"]),
                "name": "Brand new",
                "kind": "person",
                "healthScore": None,
                "band": None,
                "scorecard": None,
                "indicators": [],
            }
        ],
    }


DETAIL = """
query($id: ID!) {
  customer(id: $id) {
    owner country industry active crmUrl clv
    scoreHistory(last: 3) { runId asOf healthScore band scorecard }
    trend { current previous change direction }
  }
}
"""


def test_the_customer_card_has_history_trend_clv_and_a_crm_link(engine: Any, keys: dict[str, str], seed: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import update
    from starlette.testclient import TestClient

    from graphql_api import ApiSettings, create_app
    from store.tables import scoring_runs
    from tests.graphql_api.conftest import T0, Api

    pks = seed.customers(
        [
            {"external_id": "A/1 x", "name": "Acme", "owner": "alice", "country": "DE", "industry": "retail"},
            {"external_id": "b", "name": "Bare", "source": "files"},
        ]
    )
    config = seed.config([{"key": "ltv", "label": "Lifetime value", "kind": "historical_clv"}])
    runs = []
    for n, score in enumerate([40.0, 55.0, 61.0, 60.5]):
        card_key = "standard" if n < 2 else "enterprise"  # the customer moved to another scorecard
        row = {"health_score": score, "band": f"b{n}", "scorecard": card_key, "indicators": {"ltv": (1000.0 + n, 50.0, 0.0)}}
        run = seed.run(config, {pks["A/1 x"]: row})
        with engine.begin() as conn:
            conn.execute(update(scoring_runs).where(scoring_runs.c.id == run).values(as_of=T0 + timedelta(days=n)))
        runs.append(run)
    seed.run(config, {pks["A/1 x"]: {"health_score": 1.0}}, status="failed")
    settings = ApiSettings(served_run_ttl=0, crm_urls={"crm": "https://crm.example.com/accounts/{external_id}/view"})
    with TestClient(create_app(engine, settings=settings)) as client:
        api = Api(client, keys["viewer"])
        card = api.data(DETAIL, {"id": encode_id("Customer", pks["A/1 x"])})["customer"]
        bare = api.data(DETAIL, {"id": encode_id("Customer", pks["b"])})["customer"]
    assert (card["owner"], card["country"], card["industry"], card["active"]) == ("alice", "DE", "retail", True)
    assert card["crmUrl"] == "https://crm.example.com/accounts/A%2F1%20x/view"
    assert card["clv"] == 1003.0
    assert card["scoreHistory"] == [
        {"runId": encode_id("ScoringRun", r), "asOf": (T0 + timedelta(days=n + 1)).isoformat(), "healthScore": s, "band": f"b{n + 1}",
         "scorecard": card}
        for n, (r, s, card) in enumerate(zip(runs[1:], [55.0, 61.0, 60.5], ["standard", "enterprise", "enterprise"], strict=True))
    ]
    assert card["trend"] == {"current": 60.5, "previous": 61.0, "change": -0.5, "direction": "FLAT"}
    assert bare["crmUrl"] is None and bare["clv"] is None and bare["scoreHistory"] == []
    assert bare["trend"] == {"current": None, "previous": None, "change": None, "direction": None}


def test_score_history_is_bounded(api: Any, scored: dict[str, int]) -> None:
    [error] = api("query($id: ID!) { customer(id: $id) { scoreHistory(last: 0) { asOf } } }", {"id": encode_id("Customer", scored["scored"])})["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
