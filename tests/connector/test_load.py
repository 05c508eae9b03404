"""Loading sources into the store: the generated sample, idempotence, bad rows, run bookkeeping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from connector import Batch, FileSource, RecordError, SourceDataError, load_source
from crmscore.sample import generate
from crmscore.sample.generator import SampleSummary
from store import tables as t


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, customers=120, seed=9)


def _count(engine: Engine, table: object, source: str | None = None) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    if source is not None:
        query = query.where(table.c.source == source)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_the_generated_sample_loads_every_file_into_its_table(engine: Engine, sample: tuple[Path, SampleSummary]) -> None:
    folder, summary = sample
    seen: list[int] = []
    report = load_source(engine, FileSource(folder, source="sample", chunk_size=2000), progress=seen.append)
    assert report.error_count == 0 and report.errors == []
    for entity, rows in summary.counts.items():
        assert report.counts[entity].read == rows
        assert report.counts[entity].inserted == rows
        table = t.sample_truth if entity == "sample_truth" else t.ENTITY_TABLES[entity]
        assert _count(engine, table, "sample") == rows, entity
    assert seen == sorted(seen) and seen[-1] == sum(summary.counts.values())
    with engine.connect() as conn:
        churned = conn.execute(select(func.count()).where(t.sample_truth.c.churned.is_(True))).scalar_one()
        first = conn.execute(select(t.orders).order_by(t.orders.c.id).limit(1)).mappings().one()
    assert 0 < churned < summary.customers
    assert first["ordered_at"].tzinfo is not None and first["attributes"] == {}


def test_loading_twice_changes_nothing_and_reports_no_new_rows(engine: Engine, sample: tuple[Path, SampleSummary]) -> None:
    folder, summary = sample
    first = load_source(engine, FileSource(folder, source="sample"))
    before = {name: _count(engine, table) for name, table in t.ENTITY_TABLES.items()}
    second = load_source(engine, FileSource(folder, source="sample"))
    after = {name: _count(engine, table) for name, table in t.ENTITY_TABLES.items()}
    assert before == after
    assert first.inserted == sum(summary.counts.values())
    assert second.inserted == 0
    assert second.updated == first.inserted
    assert _count(engine, t.sample_truth) == summary.customers


def test_the_same_files_under_another_source_name_are_separate_records(engine: Engine, sample: tuple[Path, SampleSummary]) -> None:
    folder, summary = sample
    load_source(engine, FileSource(folder, source="a"))
    load_source(engine, FileSource(folder, source="b"))
    assert _count(engine, t.customers, "a") == _count(engine, t.customers, "b") == summary.customers


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


CUSTOMERS = (
    "external_id,name,kind,created_at\n"
    "C1,Acme,company,2024-01-01T00:00:00Z\n"
    "C2,Bolt,company,yesterday\n"
    "C3,Cobalt,person,2024-03-01T10:00:00+02:00\n"
)


def test_a_bad_row_stops_the_load_with_file_row_and_column(engine: Engine, tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", CUSTOMERS)
    with pytest.raises(SourceDataError) as caught:
        load_source(engine, FileSource(tmp_path))
    assert str(caught.value) == (
        "customers.csv:3: column 'created_at': 'yesterday' is not an ISO-8601 timestamp (record 'C2')"
    )
    assert caught.value.record is not None and caught.value.record.row == 3
    with engine.connect() as conn:
        run = conn.execute(select(t.sync_runs).order_by(t.sync_runs.c.id.desc()).limit(1)).mappings().one()
    assert run["status"] == "failed" and "yesterday" in run["errors"][-1]["message"]


def test_skipping_bad_rows_loads_the_rest_and_reports_each_error(engine: Engine, tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", CUSTOMERS + "C4,,company,\n")
    report = load_source(engine, FileSource(tmp_path), on_error="skip")
    counts = report.counts["customers"]
    assert (counts.read, counts.inserted, counts.skipped) == (4, 2, 2)
    assert [str(e) for e in report.errors] == [
        "customers.csv:3: column 'created_at': 'yesterday' is not an ISO-8601 timestamp (record 'C2')",
        "customers.csv:5: column 'name': is empty, but every customers record needs 'name' (record 'C4')",
    ]
    with engine.connect() as conn:
        loaded = conn.execute(select(t.customers.c.external_id, t.customers.c.created_at).order_by("external_id")).all()
        run = conn.execute(select(t.sync_runs).where(t.sync_runs.c.id == report.run_id)).mappings().one()
    assert [r[0] for r in loaded] == ["C1", "C3"]
    assert loaded[1][1].isoformat() == "2024-03-01T08:00:00+00:00"
    assert run["status"] == "succeeded"
    assert run["counts"]["customers"] == {"read": 4, "inserted": 2, "updated": 0, "skipped": 2}
    assert [e["row"] for e in run["errors"]] == [3, 5]


def test_unknown_columns_land_in_attributes(engine: Engine, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "customers.csv",
        "external_id,name,segment,vat_number,attributes\n"
        'C1,Acme,Gold,BE0123,"{""tier"": 2}"\n'
        "C2,Bolt,,,\n",
    )
    load_source(engine, FileSource(tmp_path))
    with engine.connect() as conn:
        rows = dict(conn.execute(select(t.customers.c.external_id, t.customers.c.attributes)).all())
    assert rows == {"C1": {"tier": 2, "segment": "Gold", "vat_number": "BE0123"}, "C2": {}}


def test_defaults_fill_blank_values_of_columns_that_have_one(engine: Engine, tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name,kind,active\nC1,Acme,,\nC2,Bob,person,no\n")
    load_source(engine, FileSource(tmp_path))
    with engine.connect() as conn:
        rows = conn.execute(select(t.customers.c.external_id, t.customers.c.kind, t.customers.c.active).order_by("external_id")).all()
    assert [tuple(r) for r in rows] == [("C1", "company", True), ("C2", "person", False)]


def test_json_lines_load_like_csv(engine: Engine, tmp_path: Path) -> None:
    _write(
        tmp_path,
        "orders.jsonl",
        '{"external_id": "O1", "customer_external_id": "C1", "ordered_at": "2025-01-02T03:04:05Z", "amount": 12.5, "channel": "web"}\n'
        "\n"
        '{"external_id": 2, "customer_external_id": "C1", "ordered_at": "2025-02-02", "amount": "-3", "kind": "refund"}\n',
    )
    report = load_source(engine, FileSource(tmp_path))
    assert report.counts["orders"].inserted == 2
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.orders.c.external_id, t.orders.c.kind, t.orders.c.amount, t.orders.c.attributes).order_by("external_id")
        ).all()
    assert [tuple(r) for r in rows] == [("2", "refund", -3.0, {}), ("O1", "order", 12.5, {"channel": "web"})]


class _ListSource:
    """A minimal non-file source, as a CRM adapter would be: plain lists, one stream."""

    name = "crm"

    def __init__(self, batches: list[list[dict[str, object]]]) -> None:
        self.batches = batches

    def streams(self) -> list[str]:
        return ["customers"]

    def read(self, stream: str) -> Iterator[list[dict[str, object]]]:
        yield from self.batches


def test_any_source_that_yields_lists_of_canonical_rows_can_be_loaded(engine: Engine) -> None:
    source = _ListSource([[{"external_id": "X1", "name": "One"}], [{"external_id": "X2", "name": "Two"}]])
    report = load_source(engine, source)
    assert report.counts["customers"].inserted == 2
    assert _count(engine, t.customers, "crm") == 2


def test_a_batch_the_store_refuses_names_where_it_came_from(engine: Engine) -> None:
    bad = Batch([{"external_id": "X1"}], origin="customers.csv:2-2")  # no name: NOT NULL fails
    with pytest.raises(SourceDataError, match=r"^customers\.csv:2-2: the store refused this batch: "):
        load_source(engine, _ListSource([bad]))


def test_record_errors_carried_by_a_batch_are_skipped_or_raised(engine: Engine) -> None:
    error = RecordError("customers", None, "name", "is empty", "X9")
    batch = Batch([{"external_id": "X1", "name": "One"}], [error])
    report = load_source(engine, _ListSource([batch]), on_error="skip")
    assert report.counts["customers"].skipped == 1 and report.errors == [error]
    with pytest.raises(SourceDataError, match=r"^customers: column 'name': is empty \(record 'X9'\)$"):
        load_source(engine, _ListSource([batch]))


def test_a_stream_that_is_not_an_entity_is_a_programming_error(engine: Engine) -> None:
    source = _ListSource([])
    source.streams = lambda: ["customer"]  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="has a stream 'customer'"):
        load_source(engine, source)


def test_an_unknown_error_policy_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="on_error"):
        load_source(engine, _ListSource([]), on_error="ignore")  # type: ignore[arg-type]
