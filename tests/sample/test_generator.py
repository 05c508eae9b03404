"""The sample CRM generator: deterministic, streaming, canonical files that hang together."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from crmscore.sample import (
    DEFAULT_AS_OF,
    ENTITIES,
    canonical_columns,
    generate,
    generator,
)
from store import tables
from store.types import UTCDateTime

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generator.SampleSummary]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, customers=1500, seed=7)


def _read(folder: Path, entity: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{entity}.csv", dtype=str, keep_default_na=False)


def test_the_same_seed_and_size_give_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=11)
    generate(tmp_path / "b", customers=300, seed=11)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=11)
    generate(tmp_path / "b", customers=300, seed=12)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[name] != b[name] for name in a)


def test_every_entity_gets_one_file_with_exactly_the_canonical_columns(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{e}.csv" for e in ENTITIES)
    for entity in ENTITIES:
        table = tables.sample_truth if entity == "sample_truth" else tables.ENTITY_TABLES[entity]
        columns = list(_read(folder, entity).columns)
        assert columns == canonical_columns(entity)
        assert set(columns) <= {c.name for c in table.c} - {"id", "loaded_at", "attributes", "source"}


def test_the_summary_counts_the_rows_of_each_file(sample: tuple[Path, generator.SampleSummary]) -> None:
    folder, summary = sample
    assert summary.customers == 1500 and summary.seed == 7 and summary.as_of == DEFAULT_AS_OF
    for entity in ENTITIES:
        assert summary.counts[entity] == len(_read(folder, entity)), entity
    assert summary.counts["customers"] == summary.counts["sample_truth"] == 1500
    # Every entity is populated, and there are many orders per customer.
    assert all(summary.counts[e] > 0 for e in ENTITIES)
    assert summary.counts["orders"] > 10 * summary.counts["customers"]


def test_timestamps_are_iso_8601_utc_and_never_after_as_of(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    as_of = DEFAULT_AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
    for entity in ENTITIES:
        table = tables.sample_truth if entity == "sample_truth" else tables.ENTITY_TABLES[entity]
        frame = _read(folder, entity)
        for col in frame.columns:
            if not isinstance(table.c[col].type, UTCDateTime):
                continue
            stamps = frame[col][frame[col] != ""]
            assert stamps.str.match(ISO_UTC).all(), (entity, col)
            if col != "expected_close_at":  # an open deal is expected to close in the future
                assert (stamps <= as_of).all(), (entity, col)


def test_history_spans_about_three_years(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    created = pd.to_datetime(_read(folder, "customers")["created_at"], utc=True)
    ordered = pd.to_datetime(_read(folder, "orders")["ordered_at"], utc=True)
    assert DEFAULT_AS_OF - created.min() > timedelta(days=2.5 * 365)
    assert DEFAULT_AS_OF - ordered.min() <= timedelta(days=3 * 365)
    assert DEFAULT_AS_OF - ordered.max() < timedelta(days=7)


def test_ids_look_like_crm_ids_and_are_unique_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "CHUNK_CUSTOMERS", 100)
    done: list[int] = []
    generate(tmp_path, customers=350, seed=3, progress=done.append)
    assert done == [100, 200, 300, 350]
    customers = _read(tmp_path, "customers")
    assert customers["external_id"].str.match(r"^C\d{7}$").all()
    assert customers["external_id"].tolist() == [f"C{i:07d}" for i in range(1, 351)]
    orders = _read(tmp_path, "orders")
    assert orders["external_id"].str.match(r"^[OR]\d{8}$").all()
    for entity in tables.ENTITY_TABLES:
        ids = _read(tmp_path, entity)["external_id"]
        assert ids.is_unique, entity


def test_references_point_at_records_that_exist(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    customers = set(_read(folder, "customers")["external_id"])
    for entity in ("contacts", "opportunities", "orders", "cases", "activities", "survey_responses"):
        assert set(_read(folder, entity)["customer_external_id"]) <= customers, entity
    orders = set(_read(folder, "orders")["external_id"])
    assert set(_read(folder, "order_lines")["order_external_id"]) <= orders
    campaigns = set(_read(folder, "campaigns")["external_id"])
    assert set(_read(folder, "leads")["campaign_external_id"]) - {""} <= campaigns


def test_converted_leads_become_their_customer_at_the_moment_it_is_created(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    leads = _read(folder, "leads")
    customers = _read(folder, "customers").set_index("external_id")
    converted = leads[leads["status"] == "converted"]
    assert len(converted) > 0.4 * len(customers)
    assert (converted["customer_external_id"] != "").all()
    assert (converted["converted_at"] == converted["customer_external_id"].map(customers["created_at"])).all()
    assert (converted["created_at"] < converted["converted_at"]).all()
    others = leads[leads["status"] != "converted"]
    assert set(others["status"]) == {"new", "qualified", "lost"}
    assert (others["customer_external_id"] == "").all() and (others["converted_at"] == "").all()
    assert set(leads["source_channel"]) >= {"email", "paid_search", "social", "events", "referral", "partner"}


def test_companies_buy_less_often_but_more_per_order_than_persons(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    customers = _read(folder, "customers")
    share = (customers["kind"] == "company").mean()
    assert 0.2 < share < 0.4
    orders = _read(folder, "orders")
    orders = orders[orders["kind"] != "refund"].assign(amount=lambda f: f["amount"].astype(float))
    kinds = orders["customer_external_id"].map(customers.set_index("external_id")["kind"])
    per_customer = orders.groupby(kinds).size() / customers["kind"].value_counts()
    median_amount = orders.groupby(kinds)["amount"].median()
    assert per_customer["person"] > 1.5 * per_customer["company"]
    assert median_amount["company"] > 3 * median_amount["person"]
    assert set(orders["kind"]) == {"order", "invoice"}


def test_orders_add_up_their_lines_and_refunds_are_negative(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    orders = _read(folder, "orders").assign(amount=lambda f: f["amount"].astype(float))
    lines = _read(folder, "order_lines").assign(amount=lambda f: f["amount"].astype(float))
    per_order = lines.groupby("order_external_id")["amount"].sum()
    sold = orders[orders["kind"] != "refund"].set_index("external_id")["amount"]
    assert per_order.reindex(sold.index).sub(sold).abs().max() < 0.011
    assert lines.groupby("order_external_id").size().between(1, 3).all()
    refunds = orders[orders["kind"] == "refund"]
    assert len(refunds) > 0 and (refunds["amount"] < 0).all() and (sold > 0).all()
    assert lines["category"].nunique() == 8


def test_survey_scores_sit_on_their_scales(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    surveys = _read(folder, "survey_responses")
    for survey, low, high in (("csat", 1, 5), ("nps", 0, 10)):
        rows = surveys[surveys["survey"] == survey]
        score = rows["score"].astype(float)
        assert len(rows) > 0
        assert (rows["scale_min"].astype(float) == low).all() and (rows["scale_max"].astype(float) == high).all()
        assert score.between(low, high).all()
        assert score.nunique() >= 4


def test_cases_and_activities_carry_their_kinds(sample: tuple[Path, object]) -> None:
    folder, _ = sample
    cases = _read(folder, "cases")
    assert set(cases["priority"]) == {"low", "medium", "high", "urgent"}
    assert set(cases["is_complaint"]) == {"true", "false"}
    answered = cases[cases["first_response_at"] != ""]
    assert (answered["first_response_at"] >= answered["opened_at"]).all()
    closed = cases[cases["closed_at"] != ""]
    assert (closed["closed_at"] >= closed["first_response_at"]).all()
    activities = _read(folder, "activities")
    assert set(activities["kind"]) == {"call", "meeting", "email", "task"}
    assert set(activities["direction"]) == {"inbound", "outbound", ""}
    opportunities = _read(folder, "opportunities")
    assert set(opportunities["status"]) == {"open", "won", "lost"}


def test_json_lines_hold_the_same_records_as_csv(tmp_path: Path) -> None:
    generate(tmp_path / "csv", customers=200, seed=5)
    summary = generate(tmp_path / "jsonl", customers=200, seed=5, fmt="jsonl")
    assert summary.files["orders"].name == "orders.jsonl"
    assert summary.files["sample_truth"].name == "sample_truth.csv"
    as_csv = pd.read_csv(tmp_path / "csv" / "orders.csv")
    as_json = pd.read_json(tmp_path / "jsonl" / "orders.jsonl", lines=True, dtype=False)
    assert list(as_json.columns) == list(as_csv.columns)
    assert as_json["external_id"].tolist() == as_csv["external_id"].tolist()
    assert as_json["amount"].tolist() == as_csv["amount"].tolist()


def test_switching_format_leaves_no_stale_file_of_the_other_format(tmp_path: Path) -> None:
    generate(tmp_path, customers=50, seed=1, fmt="jsonl")
    generate(tmp_path, customers=50, seed=1, fmt="csv")
    assert not list(tmp_path.glob("*.jsonl"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"customers": 0}, "customers must be at least 1"),
        ({"seed": -1}, "seed must be zero or positive"),
        ({"as_of": datetime(2026, 1, 1)}, "as_of must be timezone-aware"),
        ({"fmt": "xlsx"}, "fmt must be 'csv' or 'jsonl'"),
    ],
)
def test_impossible_arguments_are_refused_with_a_clear_message(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)  # type: ignore[arg-type]


def test_as_of_moves_the_whole_history(tmp_path: Path) -> None:
    as_of = datetime(2024, 1, 31, tzinfo=UTC)
    generate(tmp_path, customers=100, seed=2, as_of=as_of)
    ordered = pd.to_datetime(_read(tmp_path, "orders")["ordered_at"], utc=True)
    assert ordered.max() <= as_of and as_of - ordered.max() < timedelta(days=30)
