"""``Customer.churnRisk``, ``backtest`` and ``abTest``: read-only, for viewers, within the key's source.

One store per backend for the module: two small sample CRMs (``sample`` 300 customers, ``odoo`` 150),
scored once without a churn model and then, after a model is trained on them (three snapshots, to
stay fast), once with it — the second run is the served one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from connector.files import FileSource
from connector.load import load_source
from crmscore.abtest_store import GroupSpec, run_abtest
from crmscore.backtest_store import run_backtest
from crmscore.churn_model import save_model, train_from_store
from crmscore.pipeline import data_as_of, load_scoring_frames, run_scoring
from crmscore.sample import generate
from graphql_api import create_app
from graphql_api.ids import decode_id, encode_id
from scoring.churn import ChurnDefinition
from store import tables as t
from tests.graphql_api.conftest import TEST_SETTINGS, Api, make_keys

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class World:
    engine: Engine
    api: Api
    served_run: int
    data_end: Any


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, copy_store: Any) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("predictive")
    generate(folder / "a", customers=300, seed=21)
    generate(folder / "b", customers=150, seed=22)
    with copy_store(request.param, folder) as engine:
        load_source(engine, FileSource(folder / "a", source="sample"))
        load_source(engine, FileSource(folder / "b", source="odoo"))
        run_scoring(engine, models_dir=folder / "none")
        trained = train_from_store(engine, definition=ChurnDefinition(horizon_days=90, inactivity_days=90), snapshots=3)
        save_model(trained, folder / "models")
        served = run_scoring(engine, models_dir=folder / "models")
        with engine.connect() as conn:
            end = data_as_of(load_scoring_frames(conn))
        keys = make_keys(engine)
        with TestClient(create_app(engine, settings=TEST_SETTINGS)) as client:
            yield World(engine, Api(client, keys["viewer"], keys=keys), served.id, end)


CHURN = """
query ($after: String) { customers(first: 100, after: $after) {
  nodes { id source churnRisk { probability modelVersion definition unavailableReason
                                drivers { feature direction contribution value category } } }
  pageInfo { hasNextPage endCursor } } }
"""


def _all_customers(api: Api) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = api.data(CHURN, {"after": after})["customers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_churn_risk_is_what_the_served_run_stored_with_the_models_drivers(world: World) -> None:
    nodes = _all_customers(world.api)
    s = t.scores.c
    with world.engine.connect() as conn:
        stored = {
            r.customer_id: (r.churn_risk, r.churn_drivers)
            for r in conn.execute(select(s.customer_id, s.churn_risk, s.churn_drivers).where(s.run_id == world.served_run))
        }
    assert len(nodes) == 450
    rated = 0
    for node in nodes:
        risk = node["churnRisk"]
        probability, detail = stored[decode_id("Customer", node["id"], where="test")]
        assert risk["modelVersion"] == 1
        assert risk["definition"] == "no order or activity for more than 90 days, within 90 days"
        if probability is None:
            assert risk["probability"] is None and risk["drivers"] is None
            assert risk["unavailableReason"] == detail["unavailable"]
            continue
        rated += 1
        assert risk["probability"] == pytest.approx(probability) and risk["unavailableReason"] is None
        assert [(d["feature"], d["direction"].lower(), d["contribution"]) for d in risk["drivers"]] == [
            (d["feature"], d["direction"], pytest.approx(d["contribution"])) for d in detail["drivers"]
        ]
        for d, raw in zip(risk["drivers"], detail["drivers"], strict=True):
            assert (d["category"] if isinstance(raw["value"], str) else d["value"]) == raw["value"]
    assert 200 < rated < 450


def test_churn_risk_is_null_when_the_served_run_applied_no_model(api: Any, population: Any) -> None:
    nodes = api.data("{ customers(first: 30) { nodes { churnRisk { probability } } } }")["customers"]["nodes"]
    assert len(nodes) == 30 and all(n["churnRisk"] is None for n in nodes)


def test_the_served_run_says_which_churn_model_it_applied(world: World) -> None:
    run = world.api.data("{ latestScoringRun(onlySucceeded: true) { churnModelVersion churnNote } }")["latestScoringRun"]
    assert run["churnModelVersion"] == 1
    assert run["churnNote"].startswith("churn model v1 rated ")


BACKTEST = """
query ($asOf: Date, $horizon: Int! = 90) { backtest(asOf: $asOf, horizonDays: $horizon) {
  configName asOf horizonDays churnDefinition customers churned rocAuc
  bands { band customers churned churnRate }
  suggestedWeights { weights { key weight } }
  suggestedWeightsNote } }
"""


@pytest.mark.parametrize(("key", "sources"), [("viewer", None), ("odoo viewer", ["odoo"])])
def test_a_viewer_backtests_the_active_config_over_the_customers_its_key_may_see(
    world: World, key: str, sources: list[str] | None
) -> None:
    data = world.api.as_key(world.api.keys[key]).data(BACKTEST)["backtest"]
    report = run_backtest(world.engine, sources=sources)
    r = report.result
    assert (data["customers"], data["churned"]) == (r.customers, r.churned)
    assert data["rocAuc"] == pytest.approx(r.auc)
    # One horizon before the newest event the key can see (its own source's data end).
    assert data["asOf"] == (report.data_end - timedelta(days=90)).isoformat() == r.as_of.isoformat()
    assert data["churnDefinition"] == "no order or activity for more than 90 days, within 90 days"
    assert [(b["band"], b["customers"], b["churned"]) for b in data["bands"]] == [
        (b.band, b.customers, b.churned) for b in r.bands.itertuples()
    ]
    assert report.weights is not None
    assert {w["key"]: w["weight"] for w in data["suggestedWeights"]["weights"]} == report.weights
    if sources is not None:
        assert 0 < data["customers"] < run_backtest(world.engine).result.customers


def test_the_draft_config_of_suggested_weights_is_shown_to_admins_only(world: World) -> None:
    query = "{ backtest { suggestedWeights { draftConfig } } }"
    assert world.api.error_codes(query) == ["FORBIDDEN"]
    draft = world.api.admin.data(query)["backtest"]["suggestedWeights"]["draftConfig"]
    assert draft["name"].endswith("(suggested weights)") and draft["indicators"]


def test_backtest_input_errors_name_the_argument(world: World) -> None:
    too_late = (world.data_end - timedelta(days=10)).date().isoformat()
    body = world.api(BACKTEST, {"asOf": too_late})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith(f"backtest: asOf: the data ends on {world.data_end.date()}")
    body = world.api(BACKTEST, {"horizon": 0})
    assert body["errors"][0]["message"] == "backtest: horizonDays: must be at least 1, got 0"
    body = world.api("{ backtest(configVersion: 999) { customers } }")
    assert body["errors"][0]["message"] == "backtest: configVersion: there is no config version 999"


AB = """
query ($input: AbTestInput!) { abTest(input: $input) {
  treatment { name customers } control { name customers } windowStart windowEnd
  retention { nTreatment nControl rateTreatment rateControl difference ciLow ciHigh pValue method }
  revenue { nTreatment nControl meanTreatment meanControl difference ciLow ciHigh pValue method }
  scoreChange { difference } scoreChangeRuns sampleTooSmall verdict notes } }
"""


def _window(world: World) -> dict[str, str]:
    return {"windowStart": (world.data_end - timedelta(days=90)).date().isoformat()}


def test_ab_test_compares_two_groups_chosen_by_rule_as_the_store_evaluation_does(world: World) -> None:
    from graphql_api.filters import (
        CustomerFilter,
        StringFilter,
        compile_customer_filter,
    )

    variables = {"input": {
        "treatment": {"name": "odoo customers", "filter": {"source": {"eq": "odoo"}}},
        "control": {"name": "sample customers", "filter": {"source": {"eq": "sample"}}},
        **_window(world),
    }}
    data = world.api.data(AB, variables)["abTest"]

    def rule(source: str) -> Any:
        return compile_customer_filter(CustomerFilter(source=StringFilter(eq=source)), world.served_run)

    report = run_abtest(
        world.engine, GroupSpec(name="a", where=rule("odoo")), GroupSpec(name="b", where=rule("sample")),
        start=(world.data_end - timedelta(days=90)).date(), rule_run_id=world.served_run,
    )
    assert data["treatment"] == {"name": "odoo customers", "customers": 150}
    assert data["control"] == {"name": "sample customers", "customers": 300}
    expected = report.result
    assert expected.retention is not None and expected.revenue is not None
    assert data["retention"]["rateTreatment"] == pytest.approx(expected.retention.rate_a)
    assert data["retention"]["pValue"] == pytest.approx(expected.retention.p_value)
    assert data["revenue"]["difference"] == pytest.approx(expected.revenue.difference)
    assert (data["revenue"]["ciLow"], data["revenue"]["ciHigh"]) == (
        pytest.approx(expected.revenue.ci_low), pytest.approx(expected.revenue.ci_high)
    )
    assert data["verdict"] == expected.verdict and not data["sampleTooSmall"]
    # Both runs are dated at the end of the data: none lies on or before the window's start.
    assert data["scoreChange"] is None and data["scoreChangeRuns"] is None
    assert data["notes"] == report.notes and data["notes"][0].startswith("Score change not compared")


def test_ab_test_by_customer_list_and_by_tag_and_the_sample_too_small_verdict(world: World) -> None:
    first = world.api.data("{ customers(first: 5) { nodes { id } } }")["customers"]["nodes"]
    variables = {"input": {
        "treatment": {"customerIds": [n["id"] for n in first]},
        "control": {"tag": "no-such-tag"},
        **_window(world),
    }}
    data = world.api.data(AB, variables)["abTest"]
    assert data["treatment"] == {"name": "treatment", "customers": 5}
    assert data["control"] == {"name": "control", "customers": 0}
    assert data["sampleTooSmall"] and data["retention"] is None
    assert data["verdict"].startswith("Sample too small: 5 treatment and 0 control customers (at least 30 each")


def test_ab_test_sees_only_the_customers_of_the_keys_source(world: World) -> None:
    variables = {"input": {
        "treatment": {"filter": {"source": {"eq": "sample"}}},
        "control": {"filter": {"source": {"eq": "odoo"}}},
        **_window(world),
    }}
    data = world.api.as_key(world.api.keys["odoo viewer"]).data(AB, variables)["abTest"]
    assert data["treatment"]["customers"] == 0 and data["control"]["customers"] == 150


def test_ab_test_input_errors_name_where(world: World) -> None:
    def message(treatment: dict[str, Any], control: dict[str, Any] | None = None) -> str:
        control = control or {"tag": "x"}
        body = world.api(AB, {"input": {"treatment": treatment, "control": control, **_window(world)}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        return str(body["errors"][0]["message"])

    assert message({"tag": "a", "filter": {"source": {"eq": "odoo"}}}) == (
        "abTest(input.treatment): give exactly one of tag, customerIds or filter (got tag, filter)"
    )
    assert message({"filter": {"source": {"in": ["x"] * 501}}}) == (
        "abTest(input.treatment): filter.source.in: at most 500 values, got 501"
    )
    assert message({"customerIds": ["nope"]}).startswith("abTest(input.treatment).customerIds: 'nope' is not a Customer id")
    own = encode_id("Customer", 1)
    assert message({"customerIds": [own]}, {"customerIds": [own]}).startswith(
        "abTest(input): groups: 1 customer(s) are in both treatment and control"
    )
    assert message({"tag": "a", "name": "same"}, {"tag": "b", "name": "same"}) == (
        "abTest(input): the two groups need different names (both are 'same')"
    )


def test_the_predictive_queries_change_nothing(world: World) -> None:
    def counts() -> tuple[int, ...]:
        with world.engine.connect() as conn:
            return tuple(
                len(conn.execute(select(table)).all()) for table in (t.scoring_runs, t.config_versions, t.scores)
            )

    before = counts()
    world.api.data("{ backtest { customers } }")
    world.api.data(AB, {"input": {"treatment": {"tag": "a"}, "control": {"tag": "b"}, **_window(world)}})
    assert counts() == before


def test_a_model_folder_is_never_read_by_the_api(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API serves what runs stored: pointing the models folder at nothing changes no answer."""
    monkeypatch.setenv("CRMSCORE_MODELS_DIR", str(tmp_path))
    node = world.api.data("{ customers(first: 1) { nodes { churnRisk { modelVersion } } } }")["customers"]["nodes"][0]
    assert node["churnRisk"]["modelVersion"] == 1
