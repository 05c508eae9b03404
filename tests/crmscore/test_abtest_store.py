"""A/B evaluation over the store: groups by tag, list or rule; outcomes measured over (start, end].

A hand-built store whose every outcome can be worked out from this file: treatment = the customers
tagged ``winback`` (t1–t4), control = those tagged ``control`` (k1–k4), window June 1 – September 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

from crmscore.abtest_store import GroupSpec, ab_outcomes, run_abtest, select_group
from scoring.abtest import ab_test
from store import tables as t
from store.upsert import upsert

START = datetime(2025, 6, 1, tzinfo=UTC)
END = datetime(2025, 9, 1, tzinfo=UTC)
DAY = timedelta(days=1)

TAGS: dict[tuple[str, str], Any] = {
    ("crm", "t1"): {"tags": ["winback", "vip"]},
    ("crm", "t2"): {"Tags": "winback, vip"},  # a comma-separated string, another capitalisation of the key
    ("crm", "t3"): {"TAGS": ["WinBack"]},
    ("crm", "t4"): {"tags": "winback"},
    ("crm", "k1"): {"tags": "control"},
    ("crm", "k2"): {"tags": ["control"]},
    ("crm", "k3"): {"tags": "control"},
    ("crm", "k4"): {"tags": "control"},
    ("crm", "x1"): {"tags": "winbacks"},  # a different tag, not a substring match
    ("crm", "dup"): {},
    ("odoo", "o1"): {"tags": ["winback"]},
    ("odoo", "dup"): {},
}
# (source, customer, when, amount, kind): t3's order falls exactly on the start, outside (start, end].
ORDERS = [
    ("crm", "t1", START + 10 * DAY, 100.0, "order"),
    ("crm", "t1", START + 20 * DAY, -20.0, "refund"),
    ("crm", "t3", START, 50.0, "order"),
    ("crm", "t4", END, 30.0, "invoice"),
    ("crm", "k2", START - 5 * DAY, 10.0, "order"),
    ("crm", "k3", START + 40 * DAY, 40.0, "order"),
    ("odoo", "o1", START + 3 * DAY, 1000.0, "order"),
]
ACTIVITIES = [("crm", "t2", START + 5 * DAY), ("crm", "k4", END + DAY)]
# Health scores in the runs dated on or before each end of the window.
BEFORE = {"t1": 40.0, "t2": 50.0, "t3": 60.0, "t4": None, "k1": 30.0, "k2": 30.0, "k3": 30.0, "k4": 30.0}
AFTER = {"t1": 50.0, "t2": 55.0, "t3": 60.0, "t4": 70.0, "k1": 25.0, "k2": 35.0, "k3": 30.0, "k4": 30.0}


def _seed(engine: Engine, *, runs: bool = True) -> dict[str, int]:
    now = datetime(2025, 10, 1, tzinfo=UTC)
    with engine.begin() as conn:
        upsert(conn, t.customers, [
            {"source": s, "external_id": e, "name": e, "kind": "company", "active": True, "attributes": a, "loaded_at": now}
            for (s, e), a in TAGS.items()
        ])
        upsert(conn, t.orders, [
            {"source": s, "external_id": f"o{i}", "customer_external_id": c, "ordered_at": at, "amount": amount,
             "kind": kind, "attributes": {}, "loaded_at": now}
            for i, (s, c, at, amount, kind) in enumerate(ORDERS)
        ])
        upsert(conn, t.activities, [
            {"source": s, "external_id": f"a{i}", "customer_external_id": c, "occurred_at": at, "kind": "call",
             "attributes": {}, "loaded_at": now}
            for i, (s, c, at) in enumerate(ACTIVITIES)
        ])
        pks = {e: pk for s, e, pk in conn.execute(select(t.customers.c.source, t.customers.c.external_id, t.customers.c.id))
               if s == "crm"}
        if runs:
            version = conn.execute(insert(t.config_versions).values(
                name="test", body={}, checksum="x", created_at=now, active=True).returning(t.config_versions.c.id)).scalar_one()

            def run(as_of: datetime, scores: dict[str, float | None], status: str = "succeeded") -> None:
                run_id = conn.execute(insert(t.scoring_runs).values(
                    status=status, config_version_id=version, as_of=as_of, started_at=now, finished_at=now,
                    customers_scored=len(scores)).returning(t.scoring_runs.c.id)).scalar_one()
                conn.execute(insert(t.scores), [
                    {"run_id": run_id, "customer_id": pks[e], "health_score": v, "band": "low" if e.startswith("k") else "high"}
                    for e, v in scores.items()
                ])

            run(START - 2 * DAY, {e: 1.0 for e in BEFORE})  # older: not the one on or before the start
            run(START - DAY, BEFORE)
            run(END - 2 * DAY, {e: 1.0 for e in BEFORE}, status="failed")
            run(END - DAY, AFTER)
            run(END + 5 * DAY, {e: 99.0 for e in BEFORE})  # after the window
    return pks


WINBACK = GroupSpec(name="treatment", tag="winback")
CONTROL = GroupSpec(name="control", tag="control")


def test_a_tag_is_found_in_any_spelling_of_the_tags_attribute_list_or_text(engine: Engine) -> None:
    pks = _seed(engine)
    with engine.connect() as conn:
        treatment = select_group(conn, WINBACK, sources=["crm"])
        odoo = select_group(conn, WINBACK, sources=["odoo"])
        everyone = select_group(conn, WINBACK)
    assert treatment.tolist() == sorted(pks[e] for e in ("t1", "t2", "t3", "t4"))
    assert len(odoo) == 1 and len(everyone) == 5  # o1 only shows when the caller may see odoo


def test_outcomes_are_retention_net_revenue_and_score_change_over_the_window(engine: Engine) -> None:
    pks = _seed(engine)
    names = ["t1", "t2", "t3", "t4", "k1", "k2", "k3", "k4"]
    with engine.connect() as conn:
        frame, runs, notes = ab_outcomes(conn, [pks[e] for e in names], START, END)
    assert frame["retained"].tolist() == [True, True, False, True, False, False, True, False]
    assert frame["revenue"].tolist() == [80.0, 0.0, 0.0, 30.0, 0.0, 0.0, 40.0, 0.0]
    change = [np.nan if BEFORE[e] is None else AFTER[e] - BEFORE[e] for e in names]
    np.testing.assert_array_equal(frame["score_change"].to_numpy(), change)
    assert runs is not None and notes == []


def test_the_comparison_is_the_pure_ab_test_of_those_outcomes(engine: Engine) -> None:
    _seed(engine)
    report = run_abtest(engine, WINBACK, CONTROL, start=date(2025, 6, 1), end=date(2025, 9, 1), sources=["crm"])
    expected = ab_test(
        pd.DataFrame({
            "group": ["treatment"] * 4 + ["control"] * 4,
            "retained": [True, True, False, True, False, False, True, False],
            "revenue": [80.0, 0.0, 0.0, 30.0, 0.0, 0.0, 40.0, 0.0],
            "score_change": [10.0, 5.0, 0.0, np.nan, -5.0, 5.0, 0.0, 0.0],
        })
    )
    assert report.result == expected
    assert report.sizes == (4, 4) and (report.start, report.end) == (START, END)
    assert report.result.verdict.startswith("Sample too small: 4 treatment and 4 control customers")
    assert report.result.retention is not None and report.result.retention.rate_a == 0.75


def test_a_list_and_a_rule_choose_groups_too(engine: Engine) -> None:
    pks = _seed(engine)
    with engine.connect() as conn:
        by_pk = select_group(conn, GroupSpec(name="a", customer_ids=[pks["t2"], pks["t1"]]))
        by_external = select_group(conn, GroupSpec(name="a", external_ids=["t1", "crm:dup"]))
        rule_run = conn.execute(select(t.scoring_runs.c.id).where(t.scoring_runs.c.as_of == END - DAY)).scalar_one()
        by_rule = select_group(conn, GroupSpec(name="b", where=t.scores.c.band == "low"), rule_run_id=rule_run)
    assert by_pk.tolist() == sorted([pks["t1"], pks["t2"]])
    assert by_external.tolist() == sorted([pks["t1"], pks["dup"]])
    assert by_rule.tolist() == sorted(pks[e] for e in ("k1", "k2", "k3", "k4"))


def test_unknown_and_ambiguous_customers_are_named(engine: Engine) -> None:
    _seed(engine)
    with engine.connect() as conn:
        with pytest.raises(ValueError, match="group a: no customer with external id nobody"):
            select_group(conn, GroupSpec(name="a", external_ids=["t1", "nobody"]))
        with pytest.raises(ValueError, match="group a: external id dup exists in several sources; write it as source:external_id"):
            select_group(conn, GroupSpec(name="a", external_ids=["dup"]))
        with pytest.raises(ValueError, match="group a: no customer with id 9999"):
            select_group(conn, GroupSpec(name="a", customer_ids=[9999]))
        with pytest.raises(ValueError, match="group a: no customer with external id o1"):
            select_group(conn, GroupSpec(name="a", external_ids=["o1"]), sources=["crm"])  # not visible


def test_overlapping_groups_are_refused(engine: Engine) -> None:
    pks = _seed(engine)
    overlap = GroupSpec(name="control", customer_ids=[pks["k1"], pks["t1"]])
    with pytest.raises(ValueError, match=f"groups: 1 customer\\(s\\) are in both treatment and control \\(store ids {pks['t1']}\\)"):
        run_abtest(engine, WINBACK, overlap, start=START, end=END)


def test_without_scoring_runs_around_the_window_the_score_change_is_left_out_and_said_so(engine: Engine) -> None:
    _seed(engine, runs=False)
    report = run_abtest(engine, WINBACK, CONTROL, start=START, end=END, sources=["crm"])
    assert report.result.score_change is None and report.score_runs is None
    assert report.notes == ["Score change not compared: no succeeded scoring run dated on or before 2025-06-01."]
    assert report.result.retention is not None  # the other outcomes are still compared


def test_the_window_ends_at_the_newest_order_or_activity_by_default_and_must_follow_the_start(engine: Engine) -> None:
    _seed(engine)
    report = run_abtest(engine, WINBACK, CONTROL, start=START, sources=["crm"])
    assert report.end == END + DAY  # k4's activity is the newest event
    with pytest.raises(ValueError, match="window: the end \\(2025-06-01\\) must be after the start \\(2025-06-01\\)"):
        run_abtest(engine, WINBACK, CONTROL, start=START, end=START)


def test_a_group_is_chosen_one_way_only() -> None:
    with pytest.raises(ValueError, match="group a: choose it by exactly one of tag, customer list or rule \\(got tag, customer_ids\\)"):
        GroupSpec(name="a", tag="x", customer_ids=[1])
    with pytest.raises(ValueError, match="\\(got none\\)"):
        GroupSpec(name="a")
