"""The health-score backtest over the store: config version, date, source limit, draft weights.

Two small sample CRMs (300 customers as ``sample``, 200 as ``odoo``) per backend are loaded once for
the module; each customer's churn outcome comes from the generator's behaviour, so a health score
that means anything ranks churners low.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from connector.files import FileSource
from connector.load import load_source
from crmscore.backtest_store import run_backtest
from crmscore.config import load_config
from crmscore.config_versions import active_version, save_version
from crmscore.pipeline import data_as_of, load_scoring_frames, run_scoring
from crmscore.sample import generate
from scoring.churn import ChurnDefinition
from store import tables as t

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
B2B = Path(__file__).resolve().parents[2] / "configs" / "b2b.yaml"


@pytest.fixture(scope="module", params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, copy_store: Any) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("backtest_store")
    generate(folder / "a", customers=300, seed=11)
    generate(folder / "b", customers=200, seed=12)
    with copy_store(request.param, folder) as engine:
        load_source(engine, FileSource(folder / "a", source="sample"))
        load_source(engine, FileSource(folder / "b", source="odoo"))
        run_scoring(engine, models_dir=folder / "no-models")  # saves and activates the shipped default
        yield engine


def test_by_default_the_active_config_is_tested_one_horizon_before_the_data_ends(store: Engine) -> None:
    report = run_backtest(store)
    with store.connect() as conn:
        end = data_as_of(load_scoring_frames(conn))
        active = active_version(conn)
    assert active is not None and report.config_version_id == active.id
    assert report.data_end == end
    assert report.result.as_of == end - timedelta(days=90)
    r = report.result
    assert 100 < r.customers <= 500 and 0 < r.churned < r.customers
    assert r.auc > 0.6  # low health ranks the customers who then churned (0.5 would be chance)
    assert r.bands["customers"].sum() == r.customers and r.bands["churned"].sum() == r.churned


def test_the_suggested_weights_are_a_draft_and_nothing_is_saved_or_activated(store: Engine) -> None:
    with store.connect() as conn:
        before = (active_version(conn), conn.execute(select(func.count()).select_from(t.config_versions)).scalar())
    report = run_backtest(store)
    with store.connect() as conn:
        after = (active_version(conn), conn.execute(select(func.count()).select_from(t.config_versions)).scalar())
    assert before == after
    assert report.weights is not None and report.draft is not None and report.weights_note is None
    keys = [i["key"] for i in report.draft["indicators"]]
    assert list(report.weights) == keys
    assert max(report.weights.values()) == 10.0 and min(report.weights.values()) >= 0.0
    assert [i["weight"] for i in report.draft["indicators"]] == list(report.weights.values())
    assert report.draft["name"].endswith("(suggested weights)")


def test_a_key_limited_to_one_source_backtests_only_that_sources_customers(store: Engine) -> None:
    both = run_backtest(store, as_of=date(2026, 1, 15))
    sample = run_backtest(store, as_of=date(2026, 1, 15), sources=["sample"])
    odoo = run_backtest(store, as_of=date(2026, 1, 15), sources=["odoo"])
    # Who was live and who churned does not depend on the other source's customers.
    assert sample.result.customers + odoo.result.customers == both.result.customers
    assert sample.result.churned + odoo.result.churned == both.result.churned
    assert 0 < odoo.result.customers < both.result.customers


def test_a_saved_config_version_can_be_backtested_without_activating_it(store: Engine) -> None:
    config = load_config(B2B)
    with store.begin() as conn:
        version = save_version(conn, config.raw, name="b2b draft", comment="test")
        active_before = active_version(conn)
    report = run_backtest(store, config_version_id=version.id)
    assert report.config_version_id == version.id and report.config_name == config.name
    with store.connect() as conn:
        assert active_version(conn) == active_before


def test_a_date_whose_outcome_the_data_does_not_show_yet_is_refused_with_the_latest_usable_day(store: Engine) -> None:
    with store.connect() as conn:
        end = data_as_of(load_scoring_frames(conn))
    latest = (end - timedelta(days=30)).date()
    with pytest.raises(ValueError) as info:
        run_backtest(store, as_of=end.date() - timedelta(days=10), definition=ChurnDefinition(horizon_days=30))
    assert str(info.value) == (
        f"asOf: the data ends on {end.date()}, so churn in the 30 days after {end.date() - timedelta(days=10)} "
        f"is not known yet; use {latest} or earlier"
    )


def test_an_unknown_config_version_is_named(store: Engine) -> None:
    with pytest.raises(ValueError, match="configVersion: there is no config version 999"):
        run_backtest(store, config_version_id=999)


def test_a_source_with_no_customers_is_a_clear_error(store: Engine) -> None:
    with pytest.raises(ValueError, match="the store holds no customers \\(that this caller may see\\)"):
        run_backtest(store, sources=["suitecrm"])
