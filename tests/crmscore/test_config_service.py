"""The config service: validate, save immutable versions with a diff, activate and roll back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from crmscore.config.service import (
    activate_config,
    active_config,
    config_versions,
    diff_config_versions,
    rollback_config,
    save_config,
    validate_config_text,
)
from store import tables as t

REPO = Path(__file__).resolve().parents[2]
V1 = """\
version: 1
name: Simple
indicators:
  - {key: recency, kind: recency, direction: lower_is_better, weight: 1}
  - {key: nps, kind: nps, weight: 2}
"""
V2 = V1.replace("weight: 2", "weight: 5")
V3 = V1.replace("name: Simple", "name: Renamed")


def test_validation_reports_percent_contributions_per_scorecard():
    outcome = validate_config_text(V1)
    assert outcome.ok and outcome.issues == []
    assert outcome.contributions == {"default": pytest.approx({"recency": 100 / 3, "nps": 200 / 3})}
    b2b = validate_config_text((REPO / "configs" / "b2b.yaml").read_text(), "b2b.yaml")
    assert set(b2b.contributions) == {"key_accounts", "accounts"}
    assert all(sum(c.values()) == pytest.approx(100) for c in b2b.contributions.values())


def test_validation_failures_come_back_as_positioned_issues():
    outcome = validate_config_text(V1.replace("kind: nps", "kind: nsp"), "draft.yaml")
    assert not outcome.ok
    assert [str(i) for i in outcome.issues] == [
        "draft.yaml:5:22  $.indicators[1].kind  'nsp' is not one of the 17 allowed values (did you mean 'nps'?)"
    ]


def test_a_saved_version_records_author_time_comment_and_a_diff(engine: Engine):
    before = datetime.now(UTC)
    first = save_config(engine, V1, author="ana", comment="first cut", activate_now=True)
    second = save_config(engine, V2, author="ben", comment="NPS matters more")
    assert first.ok and first.created and first.activated and first.version is not None
    assert second.ok and second.created and not second.activated and second.version is not None
    v2 = second.version
    assert (v2.author, v2.comment, v2.active, v2.previous_id) == ("ben", "NPS matters more", False, first.version.id)
    assert v2.created_at >= before
    assert "-  weight: 2\n+  weight: 5\n" in v2.diff and v2.diff.startswith(f"--- version {first.version.id}\n")
    assert second.diff == v2.diff  # against the active version, which is also the previous one
    assert active_config(engine).id == first.version.id  # saving does not activate


def test_saving_identical_content_returns_the_existing_version(engine: Engine):
    first = save_config(engine, V1, author="ana")
    again = save_config(engine, "# same, reformatted\n" + V1.replace("weight: 1}", "weight: 1 }"), author="bob")
    assert again.ok and not again.created and again.version.id == first.version.id
    assert again.version.author == "ana" and again.diff == ""


def test_versions_are_listed_newest_first_each_with_its_diff(engine: Engine):
    ids = [save_config(engine, text).version.id for text in (V1, V2, V3)]
    listed = config_versions(engine)
    assert [v.id for v in listed] == ids[::-1]
    assert "+name: Renamed" in listed[0].diff and "-name: Simple" in listed[0].diff
    assert listed[-1].diff == "" and listed[-1].previous_id is None
    assert [v.id for v in config_versions(engine, limit=2)] == ids[:0:-1]
    assert diff_config_versions(engine, ids[0], ids[2]).diff.count("\n+") >= 1


def test_activate_switches_the_active_version_and_a_missing_version_changes_nothing(engine: Engine):
    a = save_config(engine, V1, activate_now=True).version
    b = save_config(engine, V2).version
    outcome = activate_config(engine, b.id)
    assert outcome.ok and outcome.version.id == b.id and outcome.previous.id == a.id
    with engine.connect() as conn:
        assert conn.execute(select(t.config_versions.c.id).where(t.config_versions.c.active.is_(True))).scalars().all() == [b.id]
    missing = activate_config(engine, 999)
    assert not missing.ok and [str(i) for i in missing.issues] == ["<store>:0:0  $  there is no config version 999"]
    assert active_config(engine).id == b.id


def test_rollback_returns_to_the_version_before_the_active_one_if_there_is_one(engine: Engine):
    a = save_config(engine, V1, activate_now=True).version
    nothing = rollback_config(engine)
    assert not nothing.ok and "nothing to roll back to" in nothing.issues[0].message
    save_config(engine, V2, activate_now=True)
    outcome = rollback_config(engine)
    assert outcome.ok and outcome.version.id == a.id and active_config(engine).id == a.id


def test_runs_record_their_config_version_and_rollback_returns_to_the_last_one_used(engine: Engine):
    from crmscore.pipeline import run_scoring

    as_of = datetime(2025, 1, 1, tzinfo=UTC)  # an empty store scores nobody, which is fine here
    a = save_config(engine, V1, activate_now=True).version
    first = run_scoring(engine, as_of=as_of)
    b = save_config(engine, V2, activate_now=True).version
    second = run_scoring(engine, as_of=as_of)
    assert (first.config_version_id, second.config_version_id) == (a.id, b.id)
    c = save_config(engine, V3, activate_now=True).version  # never used for a run
    outcome = rollback_config(engine)
    assert outcome.ok and outcome.version.id == b.id and outcome.previous.id == c.id
