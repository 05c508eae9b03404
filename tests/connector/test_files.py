"""The file source: which files it reads, and how it tells what is wrong with a folder or a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector import FileSource, SourceDataError
from connector.base import Batch, Source


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _batches(source: FileSource, stream: str) -> list[Batch]:
    return list(source.read(stream))


def test_a_file_source_is_a_source_with_one_stream_per_entity_file_in_load_order(tmp_path: Path) -> None:
    _write(tmp_path, "orders.csv", "external_id,ordered_at,amount\n")
    _write(tmp_path, "customers.jsonl", "")
    _write(tmp_path, "sample_truth.csv", "customer_external_id,churned,churn_hazard\n")
    _write(tmp_path, "README.md", "not data")
    source = FileSource(tmp_path, source="shop")
    assert isinstance(source, Source)
    assert source.name == "shop"
    assert source.streams() == ["customers", "orders", "sample_truth"]
    assert source.files()["customers"] == tmp_path / "customers.jsonl"


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match=r"nowhere: no such folder$"):
        FileSource(tmp_path / "nowhere")


def test_a_folder_without_entity_files_says_what_it_expected(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match=r"no entity files found \(expected files such as customers\.csv"):
        FileSource(tmp_path)


def test_a_misnamed_file_gets_a_did_you_mean(tmp_path: Path) -> None:
    _write(tmp_path, "customer.csv", "external_id,name\n")
    with pytest.raises(SourceDataError, match=r"customer\.csv: not an entity file \(did you mean 'customers\.csv'\?\)"):
        FileSource(tmp_path)


def test_the_same_entity_in_two_formats_is_ambiguous(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name\n")
    _write(tmp_path, "customers.jsonl", "")
    with pytest.raises(SourceDataError, match=r"both customers\.csv and customers\.jsonl exist; keep one"):
        FileSource(tmp_path)


def test_a_missing_required_column_is_reported_before_any_row(tmp_path: Path) -> None:
    _write(tmp_path, "orders.csv", "external_id,customer_external_id,orderd_at,amount\nO1,C1,2025-01-01,3\n")
    with pytest.raises(
        SourceDataError,
        match=r"^orders\.csv:1: required column 'ordered_at' is missing from the header \(did you mean 'orderd_at'\?\)$",
    ):
        _batches(FileSource(tmp_path), "orders")


def test_a_table_without_attributes_refuses_unknown_columns(tmp_path: Path) -> None:
    _write(tmp_path, "sample_truth.csv", "customer_external_id,churned,churn_hazzard\nC1,true,0.1\n")
    with pytest.raises(SourceDataError, match=r"sample_truth\.csv:1: unknown column 'churn_hazzard' \(did you mean 'churn_hazard'\?\)"):
        _batches(FileSource(tmp_path), "sample_truth")


def test_values_are_typed_by_their_column(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "cases.csv",
        "external_id,customer_external_id,is_complaint,opened_at,priority\n"
        " K1 ,C1,Yes,2025-03-01T10:00:00+01:00,high\n"
        "K2,C1,0,2025-03-02 08:00,\n",
    )
    (batch,) = _batches(FileSource(tmp_path), "cases")
    assert batch.errors == []
    first, second = batch
    assert first["external_id"] == "K1" and first["is_complaint"] is True
    assert first["opened_at"].isoformat() == "2025-03-01T09:00:00+00:00"
    assert second["is_complaint"] is False and second["priority"] is None
    assert second["opened_at"].isoformat() == "2025-03-02T08:00:00+00:00"


def test_row_numbers_follow_the_spreadsheet_even_across_chunks_and_blank_lines(tmp_path: Path) -> None:
    lines = ["external_id,name,created_at"] + [f"C{i},N{i},2024-01-01" for i in range(2, 10)]
    lines[5] = ""  # row 6 is blank
    lines[7] = "C8,N8,not a date"  # row 8 is bad
    _write(tmp_path, "customers.csv", "\n".join(lines) + "\n")
    batches = _batches(FileSource(tmp_path, chunk_size=3), "customers")
    errors = [e for b in batches for e in b.errors]
    assert [(e.row, e.column, e.record_id) for e in errors] == [(8, "created_at", "C8")]
    assert sum(len(b) for b in batches) == 6
    assert [b.origin for b in batches] == ["customers.csv:2-4", "customers.csv:5-7", "customers.csv:8-9"]


def test_every_bad_value_of_a_row_counts_once_and_the_first_column_is_named(tmp_path: Path) -> None:
    _write(tmp_path, "orders.csv", "external_id,ordered_at,amount\nO1,soon,lots\n")
    (batch,) = _batches(FileSource(tmp_path), "orders")
    assert len(batch) == 0
    assert [str(e) for e in batch.errors] == ["orders.csv:2: column 'ordered_at': 'soon' is not an ISO-8601 timestamp (record 'O1')"]


def test_a_row_with_an_extra_field_stops_the_load_at_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name\nC1,Acme\nC2,Bolt, Inc\n")
    with pytest.raises(SourceDataError, match=r"^customers\.csv:3: expected 2 fields like the header, found 3"):
        _batches(FileSource(tmp_path), "customers")


def test_a_file_that_is_not_utf8_says_how_to_fix_it(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name\nC1,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceDataError, match=r"customers\.csv: not utf-8-sig text \(byte 0xe9 .*save the export as UTF-8"):
        _batches(FileSource(tmp_path), "customers")


def test_a_header_with_a_duplicate_column_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name,name\nC1,A,B\n")
    with pytest.raises(SourceDataError, match=r"^customers\.csv:1: column 'name' appears more than once"):
        _batches(FileSource(tmp_path), "customers")


def test_an_empty_csv_file_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "")
    with pytest.raises(SourceDataError, match=r"customers\.csv: the file is empty"):
        _batches(FileSource(tmp_path), "customers")


def test_a_byte_order_mark_from_excel_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "\ufeffexternal_id,name\nC1,Acme\n")
    (batch,) = _batches(FileSource(tmp_path), "customers")
    assert batch == [{"external_id": "C1", "name": "Acme", "attributes": {}}]


def test_json_lines_report_broken_lines_by_line_number(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "customers.jsonl",
        '{"external_id": "C1", "name": "Acme"}\n'
        '{"external_id": "C2", "name": \n'
        '["not", "an", "object"]\n'
        '{"external_id": "C4", "name": {"first": "A"}}\n'
        '{"external_id": "C5"}\n',
    )
    (batch,) = _batches(FileSource(tmp_path), "customers")
    assert [r["external_id"] for r in batch] == ["C1"]
    assert [str(e) for e in batch.errors] == [
        "customers.jsonl:2: not valid JSON: Expecting value at character 31",
        "customers.jsonl:3: expected a JSON object, found a JSON array",
        "customers.jsonl:4: column 'name': {'first': 'A'} is a JSON object, not a single value (record 'C4')",
        "customers.jsonl:5: column 'name': is empty, but every customers record needs 'name' (record 'C5')",
    ]


def test_a_source_name_must_fit_the_store(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name\n")
    with pytest.raises(SourceDataError, match="1 to 64 characters"):
        FileSource(tmp_path, source="x" * 65)


def test_reading_a_stream_the_folder_does_not_have_is_a_programming_error(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "external_id,name\n")
    with pytest.raises(ValueError, match="has no stream 'orders'"):
        _batches(FileSource(tmp_path), "orders")
