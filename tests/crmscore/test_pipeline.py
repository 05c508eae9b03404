"""The scoring job: store → scoring → store, recorded as runs that append and never overwrite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Row, create_engine, func, select, update

from connector.files import FileSource
from connector.load import load_source
from crmscore import pipeline
from crmscore.config import load_config
from crmscore.config_versions import active_version
from crmscore.pipeline import latest_run, run_scoring
from crmscore.sample import generate
from store import tables as t

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_store(engine: Engine, tmp_path: Path) -> Engine:
    generate(tmp_path / "sample", customers=150, seed=7)
    load_source(engine, FileSource(tmp_path / "sample", source="sample"))
    return engine


def _count(engine: Engine, table: t.Table, *where: object) -> int:  # type: ignore[name-defined]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_a_run_scores_every_customer_and_records_how_it_went(sample_store: Engine) -> None:
    run = run_scoring(sample_store)
    customers = _count(sample_store, t.customers)
    assert run.status == "succeeded" and run.error is None
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert 0 < run.customers_scored <= customers
    assert _count(sample_store, t.scores, t.scores.c.run_id == run.id) == customers
    with sample_store.connect() as conn:
        assert latest_run(conn) == run


def test_points_explain_the_score_exactly(sample_store: Engine) -> None:
    run = run_scoring(sample_store)
    iv, s = t.indicator_values.c, t.scores.c
    with sample_store.connect() as conn:
        sums = dict(
            conn.execute(
                select(iv.customer_id, func.sum(iv.points)).where(iv.run_id == run.id).group_by(iv.customer_id)
            ).all()
        )
        scores = conn.execute(
            select(s.customer_id, s.health_score).where(s.run_id == run.id, s.health_score.is_not(None))
        ).all()
    assert scores
    for customer_id, health in scores:
        assert 50 + sums[customer_id] == pytest.approx(health, abs=1e-6)


def test_scores_default_to_the_newest_event_in_the_data(sample_store: Engine) -> None:
    run = run_scoring(sample_store)
    with sample_store.connect() as conn:
        newest_order = conn.execute(select(func.max(t.orders.c.ordered_at))).scalar_one()
    assert run.as_of >= newest_order


def test_a_second_run_appends_and_keeps_the_first(sample_store: Engine) -> None:
    first = run_scoring(sample_store)
    before = _count(sample_store, t.indicator_values, t.indicator_values.c.run_id == first.id)
    second = run_scoring(sample_store)
    assert second.id > first.id
    assert _count(sample_store, t.indicator_values, t.indicator_values.c.run_id == first.id) == before
    assert second.config_version_id == first.config_version_id


def test_the_shipped_config_is_saved_once_and_made_active(sample_store: Engine) -> None:
    run_scoring(sample_store)
    run_scoring(sample_store, REPO / "configs" / "default.yaml")
    with sample_store.connect() as conn:
        active = active_version(conn)
    assert active is not None and active.body["version"] == 1
    assert _count(sample_store, t.config_versions) == 1


def _scored_rows(engine: Engine, run_id: int) -> list[Row[Any]]:
    s, c = t.scores.c, t.customers.c
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(c.kind, c.source, s.segment, s.health_score, s.band, s.scorecard)
                .join_from(t.scores, t.customers, c.id == s.customer_id)
                .where(s.run_id == run_id)
            ).all()
        )


def test_each_score_records_the_scorecard_whose_criteria_the_customer_matched(sample_store: Engine) -> None:
    """configs/b2b.yaml gives companies in the top segments the key-account scorecard, everyone else
    the default: the stored key is the first card whose lists all hold the customer's values."""
    path = REPO / "configs" / "b2b.yaml"
    cards = load_config(path).cards
    assert len(cards) >= 2
    run = run_scoring(sample_store, path)

    def expected(row: Row[Any]) -> str:
        for card in cards:
            when = card.when
            if when is not None and all(
                allowed is None or value in allowed
                for allowed, value in ((when.segments, row.segment), (when.customer_kinds, row.kind), (when.sources, row.source))
            ):
                return card.key
        return next(card.key for card in cards if card.default)

    rows = _scored_rows(sample_store, run.id)
    assert rows and all(r.health_score is not None for r in rows)
    assert [r.scorecard for r in rows] == [expected(r) for r in rows]
    assert {r.scorecard for r in rows} == {card.key for card in cards}  # both cards scored someone


def test_a_customer_the_run_could_not_score_has_no_scorecard_like_no_band(
    sample_store: Engine, tmp_path: Path
) -> None:
    """With NPS the only indicator (missing values excluded), customers who never answered get no
    score, so no band and no scorecard; the others carry the config's one scorecard."""
    path = tmp_path / "nps-only.yaml"
    path.write_text(
        "version: 1\nindicators:\n  - {key: nps, kind: nps, weight: 1, normalise: {method: minmax, min: 0, max: 10}}\n",
        encoding="utf-8",
    )
    (card,) = load_config(path).cards
    rows = _scored_rows(sample_store, run_scoring(sample_store, path).id)
    unscored = [r for r in rows if r.health_score is None]
    scored = [r for r in rows if r.health_score is not None]
    assert unscored and scored
    assert all(r.scorecard is None and r.band is None for r in unscored)
    assert all(r.scorecard == card.key for r in scored)


def test_a_run_that_fails_is_marked_failed_with_nothing_half_written(
    sample_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("indicator exploded")

    monkeypatch.setattr(pipeline, "score_customers", broken)
    with pytest.raises(RuntimeError):
        run_scoring(sample_store)
    with sample_store.connect() as conn:
        row = conn.execute(select(t.scoring_runs)).one()
        assert latest_run(conn) is None
    assert row.status == "failed" and row.error == "RuntimeError: indicator exploded"
    assert _count(sample_store, t.scores) == 0


def test_progress_is_reported_while_no_write_is_held(sample_store: Engine) -> None:
    """A job's reporter writes its progress to the same store; on SQLite, a message said inside the
    run's own write (the first run saves the shipped config) would wait on that lock and fail."""
    impatient = create_engine(sample_store.url, connect_args={"timeout": 0.2} if sample_store.dialect.name == "sqlite" else {})
    said: list[str] = []

    def report(message: str) -> None:
        with impatient.begin() as conn:  # any write: it needs the store's write lock to be free
            conn.execute(update(t.api_keys).where(t.api_keys.c.id == -1).values(name="x"))
        said.append(message)

    try:
        run = run_scoring(sample_store, progress=report)
    finally:
        impatient.dispose()
    assert run.status == "succeeded"
    assert said[0] == "loading customers and activity from the store" and "writing scores" in said
