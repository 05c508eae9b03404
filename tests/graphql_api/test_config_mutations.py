"""Config mutations through the config service, and what the active config defines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REPO
from tests.graphql_api.conftest import Api


@pytest.fixture
def api(fresh_api: Api) -> Api:
    """Every test here writes: each gets a store of its own."""
    return fresh_api


B2B = (REPO / "configs" / "b2b.yaml").read_text(encoding="utf-8")

SAVE = """
mutation($yaml: String!, $activate: Boolean!) {
  saveConfig(input: {yaml: $yaml, comment: "from the API", activate: $activate}) {
    __typename
    ... on SaveConfigSuccess { created activated version { id name active author comment } }
    ... on ValidationFailed { code message issues { line column path message } }
  }
}
"""

DEFINITIONS = """
{
  indicatorDefinitions { key label kind direction normalise }
  bands { name min color }
  scorecards { key label default schemeKind aggregate bands { name grade } groups { key weight indicators { indicator weight } } contributions }
  segments { name }
}
"""


def test_an_invalid_config_is_refused_with_every_positioned_issue(api: Any) -> None:
    broken = B2B.replace("weight: 3", "weight: -3", 1).replace("kind: nps", "kind: nope", 1)
    payload = api.admin.data(SAVE, {"yaml": broken, "activate": True})["saveConfig"]
    assert payload["__typename"] == "ValidationFailed" and payload["code"] == "VALIDATION_FAILED"
    assert len(payload["issues"]) >= 2
    assert all(i["line"] > 0 and i["path"].startswith("$") for i in payload["issues"])
    assert api.admin.data("{ activeConfig { id } }") == {"activeConfig": None}
    valid = api.admin.data('mutation($y: String!) { validateConfig(input: {yaml: $y}) { __typename ... on ConfigValid { contributions } } }', {"y": B2B})
    assert valid["validateConfig"]["__typename"] == "ConfigValid"
    assert abs(sum(valid["validateConfig"]["contributions"]["key_accounts"].values()) - 100) < 1e-6


def test_saving_activating_and_rolling_back_configs(api: Any) -> None:
    first = api.admin.data(SAVE, {"yaml": B2B, "activate": True})["saveConfig"]
    assert first["__typename"] == "SaveConfigSuccess" and first["created"] and first["activated"]
    assert first["version"]["author"] == "test admin" and first["version"]["comment"] == "from the API"
    again = api.admin.data(SAVE, {"yaml": B2B, "activate": False})["saveConfig"]
    assert again["created"] is False and again["version"]["id"] == first["version"]["id"]
    second = api.admin.data(SAVE, {"yaml": B2B.replace("B2B account health", "B2B v2"), "activate": True})["saveConfig"]
    assert second["version"]["name"] == "B2B v2"
    rollback = api.admin.data(
        "mutation { rollbackConfig(input: {}) { __typename ... on ActivateConfigSuccess { version { id } previous { id } } } }"
    )["rollbackConfig"]
    assert rollback == {"__typename": "ActivateConfigSuccess", "version": {"id": first["version"]["id"]}, "previous": {"id": second["version"]["id"]}}
    missing = api.admin.data("mutation { activateConfig(input: {versionId: 999}) { __typename ... on MutationError { code } } }")
    assert missing["activateConfig"] == {"__typename": "NotFound", "code": "NOT_FOUND"}
    versions = api.admin.data("{ configVersions(first: 5) { id active diff } }")["configVersions"]
    assert [v["active"] for v in versions] == [False, True]
    assert "B2B v2" in versions[0]["diff"]


def test_definitions_come_from_the_active_config(api: Any) -> None:
    assert api.data(DEFINITIONS) == {"indicatorDefinitions": [], "bands": [], "scorecards": [], "segments": []}
    api.admin.data(SAVE, {"yaml": B2B, "activate": True})
    data = api.data(DEFINITIONS)
    assert [d["key"] for d in data["indicatorDefinitions"]][:3] == ["nps", "csat", "meetings"]
    first_response = next(d for d in data["indicatorDefinitions"] if d["key"] == "first_response")
    assert first_response["direction"] == "lower_is_better" and first_response["normalise"]["max"] == 72
    assert [b["name"] for b in data["bands"]] == ["At risk", "Watch", "Healthy", "Champion"]
    key_accounts = data["scorecards"][0]
    assert key_accounts["key"] == "key_accounts" and key_accounts["schemeKind"] == "grade"
    assert {s["aggregate"] for s in data["scorecards"]} == {"weighted_mean"}  # what b2b.yaml leaves unsaid
    assert [b["grade"] for b in key_accounts["bands"]] == ["D", "C", "B", "A"]
    assert any(s["default"] for s in data["scorecards"])
    names = [s["name"] for s in data["segments"]]
    assert "Champions" in names and "Prospects" in names


WORST_OF = """
version: 1
indicators:
  - {key: recency, kind: recency, direction: lower_is_better}
  - {key: frequency, kind: frequency}
scorecards:
  - key: dimensions
    default: true
    aggregate: worst_of
    groups:
      - {key: adoption, indicators: [{indicator: recency, weight: 3}]}
      - {key: habit, indicators: [{indicator: frequency}]}
"""


def test_a_worst_of_scorecard_says_so_and_each_group_counts_whole(api: Any) -> None:
    saved = api.admin.data(SAVE, {"yaml": WORST_OF, "activate": True})["saveConfig"]
    assert saved["__typename"] == "SaveConfigSuccess", saved
    [card] = api.data(DEFINITIONS)["scorecards"]
    assert card["aggregate"] == "worst_of"
    assert card["contributions"] == {"recency": 100.0, "frequency": 100.0}  # each decides alone when weakest


def test_preview_scores_a_draft_without_writing(api: Any, engine: Any) -> None:
    from sqlalchemy import func, select

    from store.tables import scoring_runs

    query = """mutation($y: String!) { previewConfig(input: {yaml: $y, top: 5}) {
      __typename ... on ConfigPreview { draft { customers scored histogram } active { label } bandChanges } } }"""
    payload = api.admin.data(query, {"y": B2B})["previewConfig"]
    assert payload["__typename"] == "ConfigPreview"
    assert payload["draft"]["customers"] == 0 and payload["active"] is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(scoring_runs)).scalar_one() == 0


def test_overlong_config_text_is_refused(api: Any) -> None:
    payload = api.admin.data(
        'mutation($y: String!) { validateConfig(input: {yaml: $y}) { __typename ... on MutationError { code message } } }',
        {"y": "#" * 200_001},
    )["validateConfig"]
    assert payload["code"] == "VALIDATION_FAILED" and "longer than" in payload["message"]


