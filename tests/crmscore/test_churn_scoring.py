"""Scoring runs apply the newest saved churn model: risk and drivers per customer, or a stated reason.

One small sample CRM (400 customers) per backend is loaded once for the module, and one model is
trained on it with three snapshots (the fewest the time split allows) to keep the module fast.
Every test writes its own runs and reads them back by run id, so the tests do not disturb each other.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from connector.files import FileSource
from connector.load import load_source
from crmscore.churn_model import TrainedChurnModel, save_model, train_from_store
from crmscore.model_files import MODELS_DIR_ENV, load_model, models_dir
from crmscore.pipeline import load_scoring_frames, resolve_config, run_scoring
from crmscore.sample import generate
from scoring.churn import (
    ChurnDefinition,
    churn_labels,
    snapshot_features,
    top_drivers,
    train_churn_model,
)
from store import tables as t

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class SampleStore:
    engine: Engine
    models: Path  # holds churn-v1 (logistic, trained on this store)
    trained: TrainedChurnModel


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, copy_store: Any) -> Iterator[SampleStore]:
    folder = tmp_path_factory.mktemp("churn_scoring")
    generate(folder / "crm", customers=400, seed=7)
    with copy_store(request.param, folder) as engine:
        load_source(engine, FileSource(folder / "crm", source="sample"))
        trained = train_from_store(engine, definition=ChurnDefinition(horizon_days=90, inactivity_days=90), snapshots=3)
        save_model(trained, folder / "models")
        yield SampleStore(engine, folder / "models", trained)


def _scores(engine: Engine, run_id: int) -> pd.DataFrame:
    s = t.scores.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.customer_id, s.churn_risk, s.churn_drivers).where(s.run_id == run_id).order_by(s.customer_id)
        ).all()
    return pd.DataFrame(rows, columns=["customer_id", "churn_risk", "churn_drivers"])


def _run_row(engine: Engine, run_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(t.scoring_runs).where(t.scoring_runs.c.id == run_id)).one()


def test_without_a_trained_model_the_run_has_no_churn_risk_and_says_why(sample: SampleStore, tmp_path: Path) -> None:
    run = run_scoring(sample.engine, models_dir=tmp_path / "empty")
    assert run.status == "succeeded" and run.churn_model_version is None
    assert run.churn_note == f"no churn risk: no trained churn model in {tmp_path / 'empty'} (run `crmscore model train`)"
    scores = _scores(sample.engine, run.id)
    assert len(scores) == 400
    assert scores["churn_risk"].isna().all() and scores["churn_drivers"].isna().all()
    assert _run_row(sample.engine, run.id).churn_definition is None


def test_the_newest_model_rates_live_customers_with_its_own_probability(sample: SampleStore) -> None:
    run = run_scoring(sample.engine, models_dir=sample.models)
    row = _run_row(sample.engine, run.id)
    assert (row.churn_model_version, row.churn_definition) == (1, "no order or activity for more than 90 days, within 90 days")
    # What the model says, computed independently: the training features at the run's date.
    with sample.engine.connect() as conn:
        frames = load_scoring_frames(conn)
        _, config = resolve_config(conn, None)
    model, meta = load_model(sample.models / "churn-v1.joblib")
    features = snapshot_features(frames, config, run.as_of)
    live = churn_labels(frames, pd.Timestamp(run.as_of), ChurnDefinition(**meta["definition"])).eligible
    scores = _scores(sample.engine, run.id).set_index("customer_id").reindex(features["customer_id"])
    rated = scores["churn_risk"].notna().to_numpy()
    assert 200 < rated.sum() < 400  # most are live; some had already gone quiet for 90 days
    assert not rated[~live].any()  # no risk for customers who already churned
    assert scores["churn_risk"].to_numpy()[rated] == pytest.approx(model.predict_proba(features[rated]))
    assert run.churn_note == f"churn model v1 rated {rated.sum():,} of 400 customers; {(~live).sum():,} already churned by its definition"


def test_each_rated_customer_carries_the_models_drivers_and_each_other_one_a_reason(sample: SampleStore) -> None:
    run = run_scoring(sample.engine, models_dir=sample.models)
    scores = _scores(sample.engine, run.id)
    features = set(sample.trained.model.features)
    for risk, detail in zip(scores["churn_risk"], scores["churn_drivers"], strict=True):
        if risk is None or np.isnan(risk):
            assert detail == {"unavailable": "already churned by the model's definition"}
            continue
        drivers = detail["drivers"]
        assert 1 <= len(drivers) <= 6 and {d["feature"] for d in drivers} <= features
        ups = [d["contribution"] for d in drivers if d["direction"] == "up"]
        downs = [d["contribution"] for d in drivers if d["direction"] == "down"]
        assert all(c > 0 for c in ups) and ups == sorted(ups, reverse=True)
        assert all(c < 0 for c in downs) and downs == sorted(downs)
        assert [d["direction"] for d in drivers] == ["up"] * len(ups) + ["down"] * len(downs)


def test_a_model_needing_an_indicator_the_config_does_not_compute_is_not_applied(
    sample: SampleStore, tmp_path: Path
) -> None:
    table = pd.DataFrame({"loyalty_points": np.linspace(0, 1, 60), "churned": [False, True] * 30})
    foreign = train_churn_model(table, "churned")
    trained = TrainedChurnModel(
        model=foreign, definition=ChurnDefinition(), snapshots=[], config_name="other",
        metrics=sample.trained.metrics, ceiling_auc=None, rows={"train": 60, "calibrate": 0, "test": 0},
    )
    shutil.copytree(sample.models, tmp_path / "models")
    save_model(trained, tmp_path / "models")  # v2, the newest
    run = run_scoring(sample.engine, models_dir=tmp_path / "models")
    assert run.churn_model_version is None
    assert run.churn_note == (
        "no churn risk: churn model v2: the churn model needs feature(s) loyalty_points that this scoring run "
        "does not compute; retrain it (`crmscore model train`)"
    )
    assert _scores(sample.engine, run.id)["churn_risk"].isna().all()


def test_an_unreadable_model_file_leaves_the_risk_empty_and_the_run_succeeds(sample: SampleStore, tmp_path: Path) -> None:
    (tmp_path / "churn-v1.joblib").write_bytes(b"not a pickle")
    run = run_scoring(sample.engine, models_dir=tmp_path)
    assert run.status == "succeeded" and run.churn_model_version is None
    assert run.churn_note is not None
    assert run.churn_note.startswith(f"no churn risk: {tmp_path / 'churn-v1.joblib'}: cannot be read as a churn model")


def test_the_models_folder_comes_from_the_environment_unless_given(
    sample: SampleStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(sample.models))
    assert models_dir() == sample.models and models_dir(tmp_path) == tmp_path
    assert run_scoring(sample.engine).churn_model_version == 1
    monkeypatch.delenv(MODELS_DIR_ENV)
    assert models_dir() == Path("models")


def test_the_stored_drivers_are_plain_json(sample: SampleStore) -> None:
    """The write path bypasses SQLAlchemy's JSON type (bulk COPY / executemany): the column must
    still hold JSON objects, not strings of JSON."""
    run = run_scoring(sample.engine, models_dir=sample.models)
    detail = _scores(sample.engine, run.id)["churn_drivers"].iloc[0]
    assert isinstance(detail, dict)
    assert json.loads(json.dumps(detail)) == detail


def _synthetic(n: int, kind: str = "logistic") -> Any:
    rng = np.random.default_rng(4)
    table = pd.DataFrame({
        "customer_id": np.arange(n),
        "recency": rng.uniform(0, 300, n),
        "spend": np.where(rng.uniform(0, 1, n) < 0.2, np.nan, rng.gamma(2.0, 50.0, n)),
        "plan": rng.choice(["monthly", "yearly"], n),
    })
    table["churned"] = rng.uniform(0, 1, n) < table["recency"] / 300
    return train_churn_model(table, "churned", exclude=["customer_id"], model=kind), table


def test_the_drivers_json_is_each_customers_drivers_or_the_reason_there_are_none() -> None:
    from crmscore.churn_scoring import drivers_json
    from scoring.churn import apply_churn_model

    model, table = _synthetic(300)
    live = np.arange(300) % 7 != 0
    risk = apply_churn_model(model, table.drop(columns="churned"), live=live)
    texts = drivers_json(risk)
    for i, text in enumerate(texts):
        assert text is not None
        if live[i]:
            assert json.loads(text) == {"drivers": risk.drivers_of(i)}
        else:
            assert json.loads(text) == {"unavailable": "already churned by the model's definition"}
    shown = [d for text in texts if text is not None for d in json.loads(text).get("drivers") or []]
    assert {d["value"] for d in shown if d["feature"] == "plan"} == {"monthly", "yearly"}  # text values stay text
    assert any(d["value"] is None for d in shown if d["feature"] == "spend")  # a missing value stays null

    boosted, table = _synthetic(200, "gradient_boosting")
    risk = apply_churn_model(boosted, table.drop(columns="churned"))
    texts = drivers_json(risk)
    assert [json.loads(text) for text in texts if text is not None] == [{"drivers": risk.drivers_of(i)} for i in range(200)]

    del boosted.reference  # as in a file saved before gradient-boosted models had drivers
    risk = apply_churn_model(boosted, table.drop(columns="churned"))
    assert set(drivers_json(risk)) == {'{"drivers": null}'}


@pytest.fixture(scope="module")
def boosted(sample: SampleStore, tmp_path_factory: pytest.TempPathFactory) -> TrainedChurnModel:
    """A gradient-boosted model trained on the same store and snapshots as the logistic one."""
    return train_from_store(
        sample.engine, definition=ChurnDefinition(horizon_days=90, inactivity_days=90), snapshots=3,
        model="gradient_boosting",
    )


def test_a_gradient_boosted_model_stores_its_occlusion_drivers_for_each_rated_customer(
    sample: SampleStore, boosted: TrainedChurnModel, tmp_path: Path
) -> None:
    save_model(boosted, tmp_path)
    run = run_scoring(sample.engine, models_dir=tmp_path)
    assert run.churn_note is not None and "drivers" not in run.churn_note
    with sample.engine.connect() as conn:
        frames = load_scoring_frames(conn)
        _, config = resolve_config(conn, None)
    model, _ = load_model(tmp_path / "churn-v1.joblib")
    features = snapshot_features(frames, config, run.as_of).set_index("customer_id", drop=False)
    scores = _scores(sample.engine, run.id)
    rated = scores[scores["churn_risk"].notna()]
    assert len(rated) > 200
    expected = top_drivers(model, features.loc[rated["customer_id"]], n=3)
    for customer_id, detail in zip(rated["customer_id"], rated["churn_drivers"], strict=True):
        mine = expected[expected["row"] == customer_id].sort_values(["direction", "rank"], ascending=[False, True])
        assert [(d["feature"], d["direction"]) for d in detail["drivers"]] == list(
            zip(mine["feature"], mine["direction"], strict=True)
        )
        assert [d["contribution"] for d in detail["drivers"]] == pytest.approx(mine["contribution"].tolist())


def test_a_gradient_boosted_model_saved_before_it_had_drivers_still_rates_customers_and_the_note_says_why(
    sample: SampleStore, boosted: TrainedChurnModel, tmp_path: Path
) -> None:
    old = copy.deepcopy(boosted)
    del old.model.reference  # the attribute such a file lacks
    save_model(old, tmp_path)
    run = run_scoring(sample.engine, models_dir=tmp_path)
    assert run.status == "succeeded" and run.churn_model_version == 1
    assert run.churn_note is not None and run.churn_note.endswith(
        "; this gradient_boosting model was saved without the reference customer its drivers are measured "
        "against, so it gives no per-customer drivers (retrain it to get them)"
    )
    scores = _scores(sample.engine, run.id)
    rated = scores["churn_risk"].notna()
    assert rated.sum() > 200
    assert all(detail == {"drivers": None} for detail in scores.loc[rated, "churn_drivers"])
