"""Preview: a draft config on the store's data next to the active one, writing nothing at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from connector.files import FileSource
from connector.load import load_source
from crmscore.config import parse_config
from crmscore.config.service import preview_config, save_config
from crmscore.pipeline import load_scoring_frames, run_scoring
from crmscore.sample import generate
from scoring import score_customers
from store import tables as t

REPO = Path(__file__).resolve().parents[2]
DEFAULT = (REPO / "configs" / "default.yaml").read_text(encoding="utf-8")
# The draft moves the band edges and adds two alert rules.
DRAFT = (
    DEFAULT.replace("    min: 40\n", "    min: 50\n").replace("    min: 60\n", "    min: 70\n")
    + """
alerts:
  - key: low_health
    severity: high
    when: {field: health_score, op: "<", value: 45}
    message: "{customer_name} is at {health_score}"
  - key: unhappy
    when: {field: nps, op: "<=", value: 6}
"""
)


@pytest.fixture
def sample_store(engine: Engine, tmp_path: Path) -> Engine:
    generate(tmp_path / "sample", customers=150, seed=7)
    load_source(engine, FileSource(tmp_path / "sample", source="sample"))
    save_config(engine, DEFAULT, filename="default.yaml", activate_now=True)
    run_scoring(engine)
    return engine


def _fingerprint(engine: Engine) -> object:
    """The SQLite file's bytes (after a checkpoint), or every table's row count on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        engine.dispose()  # closing the last connection checkpoints the WAL into the file
        db = Path(engine.url.database or "")
        wal = db.with_name(db.name + "-wal")
        return hashlib.sha256(db.read_bytes()).hexdigest(), wal.exists() and wal.stat().st_size
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one() for name, table in t.metadata.tables.items()}


def test_a_preview_shows_distribution_movers_and_alerts_and_writes_nothing(sample_store: Engine):
    before = _fingerprint(sample_store)
    outcome = preview_config(sample_store, DRAFT, filename="draft.yaml", top=10)
    after = _fingerprint(sample_store)
    assert before == after

    assert outcome.ok and outcome.preview is not None
    p = outcome.preview
    draft, active = p.draft, p.active
    assert active is not None and active.version_id is not None
    assert draft.customers == active.customers == 150
    assert sum(draft.histogram) == draft.scored and len(draft.histogram) == 10
    assert sum(draft.bands.values()) == draft.scored
    assert draft.scored == active.scored  # same indicators: only the band edges moved
    # raising the band edges can only move customers down a band
    assert p.band_changes > 0 and len(p.movers) == min(10, p.band_changes)
    order = ["At risk", "Watch", "Healthy", "Champion"]
    assert all(order.index(m.after_band) < order.index(m.before_band) for m in p.movers)
    assert all(m.delta == pytest.approx(0.0) for m in p.movers)  # same scores, new edges
    # the draft's alerts are exactly the customers its rules select; the active config has none
    with sample_store.connect() as conn:
        result = score_customers(load_scoring_frames(conn), parse_config(DRAFT, "draft.yaml"), p.as_of)
    scores = result.scores
    nps = result.indicators[result.indicators["key"] == "nps"]
    low = {a.customer_id for a in draft.alerts if a.rule == "low_health"}
    assert low and low == set(scores.loc[scores["health_score"] < 45, "customer_id"])
    assert {a.customer_id for a in draft.alerts if a.rule == "unhappy"} == set(nps.loc[nps["value"] <= 6, "customer_id"])
    assert all(float(a.message.rsplit(" ", 1)[1]) < 45 for a in draft.alerts if a.rule == "low_health")
    assert draft.alert_counts["low_health"] == len(low) and active.alerts == []
    # ... and the fingerprint does notice a write: saving the draft changes it
    save_config(sample_store, DRAFT, filename="draft.yaml")
    assert _fingerprint(sample_store) != before


def test_a_preview_of_an_invalid_draft_returns_its_issues(sample_store: Engine):
    outcome = preview_config(sample_store, DRAFT.replace("op: \"<\"", "op: \"<<\""), filename="draft.yaml")
    assert not outcome.ok and outcome.preview is None
    assert outcome.issues[0].path == "$.alerts[0].when.op"
