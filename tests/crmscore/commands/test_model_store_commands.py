"""The churn model from the command line: train → score applies it → report, one models folder;
and ``crmscore model abtest`` choosing its groups from the store.

Run on SQLite and PostgreSQL: each command opens its own engine and disposes of it when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from connector.files import FileSource
from connector.load import load_source
from crmscore.cli import cli
from crmscore.sample import generate
from store import tables as t
from store.upsert import upsert
from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, copy_store: Any) -> Iterator[Engine]:
    with copy_store(request.param, tmp_path) as eng:
        yield eng


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_model_trained_into_the_env_folder_is_applied_by_score_and_shown_by_report(engine: Engine, tmp_path: Path) -> None:
    generate(tmp_path / "crm", customers=300, seed=5)
    load_source(engine, FileSource(tmp_path / "crm", source="sample"))
    env = {"CRMSCORE_MODELS_DIR": str(tmp_path / "models")}
    url = _url(engine)

    code, out, err = _run("--database-url", url, "model", "train", "--snapshots", "3", env=env)
    assert code == 0, err
    assert (tmp_path / "models" / "churn-v1.joblib").is_file() and "churn model v1 (logistic" in out

    code, out, err = _run("--database-url", url, "score", env=env)
    assert code == 0, err
    assert "churn model v1 rated " in err
    with engine.connect() as conn:
        version, note = conn.execute(
            select(t.scoring_runs.c.churn_model_version, t.scoring_runs.c.churn_note).order_by(t.scoring_runs.c.id.desc())
        ).first() or (None, None)
        rated = conn.execute(select(t.scores.c.churn_risk).where(t.scores.c.churn_risk.is_not(None))).all()
    assert version == 1 and note is not None and f"rated {len(rated):,} of 300" in note

    code, out, err = _run("model", "report", env=env)
    assert code == 0, err
    assert "churn model v1" in out and "ROC AUC" in out

    # --models-dir wins over the environment: an empty folder means no churn risk, and the run says so.
    code, out, err = _run("--database-url", url, "score", "--models-dir", str(tmp_path / "empty"), env=env)
    assert code == 0, err
    assert f"no churn risk: no trained churn model in {tmp_path / 'empty'}" in err


def _seed_tags(engine: Engine) -> None:
    now = datetime(2025, 10, 1, tzinfo=UTC)
    tags = {"t1": "play", "t2": "play", "t3": "play", "k1": "hold", "k2": "hold", "k3": "hold"}
    with engine.begin() as conn:
        upsert(conn, t.customers, [
            {"source": "crm", "external_id": e, "name": e, "kind": "company", "active": True,
             "attributes": {"tags": tag}, "loaded_at": now}
            for e, tag in tags.items()
        ])
        upsert(conn, t.orders, [
            {"source": "crm", "external_id": f"o-{e}", "customer_external_id": e, "kind": "order",
             "ordered_at": datetime(2025, 7, 1, tzinfo=UTC), "amount": 10.0, "attributes": {}, "loaded_at": now}
            for e in ("t1", "t2", "k1")
        ])


def test_abtest_in_store_mode_chooses_groups_by_tag_or_by_external_ids(engine: Engine) -> None:
    _seed_tags(engine)
    url = _url(engine)
    code, out, err = _run("--database-url", url, "model", "abtest", "--treatment-tag", "play", "--control-tag", "hold",
                          "--start", "2025-06-01", "--end", "2025-09-01")
    assert code == 0, err
    assert "window 2025-06-01 – 2025-09-01: 3 treatment and 3 control customers" in out
    assert "Sample too small: 3 treatment and 3 control customers" in out
    assert "Retention: no significant difference (+33.33 pts" in out  # 2 of 3 against 1 of 3
    assert "Score change not compared: no succeeded scoring run dated on or before 2025-06-01." in out

    code, out, err = _run("--database-url", url, "model", "abtest", "--treatment-ids", "t1,t2",
                          "--control-ids", "k2,k3", "--start", "2025-06-01", "--end", "2025-09-01")
    assert code == 0, err
    assert "2 treatment and 2 control customers" in out and "+100.00 pts" in out


def test_abtest_in_store_mode_chooses_groups_by_rules_on_customer_fields_and_current_scores(engine: Engine) -> None:
    _seed_tags(engine)
    with engine.begin() as conn:  # the "play" customers are German, the "hold" ones French
        for country, ids in (("DE", ["t1", "t2", "t3"]), ("FR", ["k1", "k2", "k3"])):
            conn.execute(t.customers.update().where(t.customers.c.external_id.in_(ids)).values(country=country))
    url = _url(engine)
    code, out, err = _run("--database-url", url, "model", "abtest", "--treatment-rule", "country=DE",
                          "--control-rule", "country=FR", "--start", "2025-06-01", "--end", "2025-09-01")
    assert code == 0, err
    assert "3 treatment and 3 control customers" in out and "+33.33 pts" in out  # as by tags: 2 of 3 against 1 of 3

    assert _run("--database-url", url, "score", "--as-of", "2025-06-01", "--models-dir", "none")[0] == 0
    with engine.connect() as conn:
        bands = dict(conn.execute(select(t.customers.c.external_id, t.scores.c.band).join(
            t.scores, t.scores.c.customer_id == t.customers.c.id)).all())
    band = bands["t1"]
    assert band is not None
    same = sorted(e for e, b in bands.items() if b == band)
    code, out, err = _run("--database-url", url, "model", "abtest", "--treatment-rule", f"band={band}",
                          "--treatment-rule", "country=DE", "--control-rule", "country=FR",
                          "--start", "2025-06-01", "--end", "2025-09-01")
    assert code == 0, err
    expected = len([e for e in same if e.startswith("t")])  # both rules must hold
    assert f"{expected} treatment and 3 control customers" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--treatment-tag", "play", "--control-tag", "hold"], "store mode: --start is required"),
        (["--treatment-tag", "play", "--start", "2025-06-01"],
         "store mode: choose the control group by exactly one of --control-tag, --control-ids or --control-rule"),
        (["--treatment-rule", "bnad=At risk", "--control-tag", "hold", "--start", "2025-06-01"],
         "--treatment-rule: unknown field 'bnad' (did you mean 'band'?)"),
        (["--treatment-rule", "band", "--control-tag", "hold", "--start", "2025-06-01"],
         "--treatment-rule: 'band' is not FIELD=VALUE"),
        (["--treatment-tag", "play", "--treatment-rule", "kind=company", "--control-tag", "hold", "--start", "2025-06-01"],
         "choose the treatment group by exactly one of"),
        (["--treatment-ids", "t1,zz", "--control-tag", "hold", "--start", "2025-06-01"],
         "group treatment: no customer with external id zz"),
        (["ab.csv", "--treatment-tag", "play"], "give either a CSV FILE or store-mode options"),
    ],
)
def test_abtest_store_mode_mistakes_are_one_error_line(engine: Engine, args: list[str], message: str) -> None:
    _seed_tags(engine)
    code, _, err = _run("--database-url", _url(engine), "model", "abtest", *args)
    assert code == 2
    assert err.startswith("error: ") and message in err


def test_backtest_prints_auc_and_bands_and_writes_the_suggested_weights_as_a_draft_only(
    engine: Engine, tmp_path: Path
) -> None:
    generate(tmp_path / "crm", customers=300, seed=6)
    load_source(engine, FileSource(tmp_path / "crm", source="sample"))
    url = _url(engine)
    assert _run("--database-url", url, "score", "--models-dir", str(tmp_path / "none"))[0] == 0
    with engine.connect() as conn:
        versions = conn.execute(select(t.config_versions.c.id, t.config_versions.c.active)).all()

    code, out, err = _run("--database-url", url, "model", "backtest", "--suggest-weights", str(tmp_path / "draft.json"))
    assert code == 0, err
    assert "live customers" in out and "ROC AUC of low health against churn: 0." in out
    assert "churn rate per band" in out and "draft config" in out
    draft = json.loads((tmp_path / "draft.json").read_text(encoding="utf-8"))
    assert draft["name"].endswith("(suggested weights)")
    with engine.connect() as conn:
        assert conn.execute(select(t.config_versions.c.id, t.config_versions.c.active)).all() == versions

    code, _, err = _run("--database-url", url, "model", "backtest", "--as-of", "2030-01-01")
    assert code == 2 and "error: --as-of: the data ends on " in err
    code, _, err = _run("--database-url", url, "model", "backtest", "--config-version", "42")
    assert code == 2 and "error: --config-version: there is no config version 42" in err
