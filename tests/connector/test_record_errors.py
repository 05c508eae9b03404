"""Record errors read as one line: where, which column, what is wrong, which record."""

from __future__ import annotations

from connector import RecordError, SourceDataError
from connector.errors import shorten


def test_a_record_error_reads_file_row_column_message_and_record() -> None:
    error = RecordError("customers.csv", 17, "created_at", "'yesterday' is not an ISO-8601 timestamp", "C0000017")
    assert str(error) == "customers.csv:17: column 'created_at': 'yesterday' is not an ISO-8601 timestamp (record 'C0000017')"


def test_parts_that_are_unknown_are_left_out() -> None:
    assert str(RecordError("orders.jsonl", 3, None, "not valid JSON")) == "orders.jsonl:3: not valid JSON"
    assert str(RecordError("customers", None, "name", "is empty")) == "customers: column 'name': is empty"


def test_a_source_data_error_made_from_a_record_keeps_it() -> None:
    error = RecordError("a.csv", 2, "x", "bad", "R1")
    raised = SourceDataError.from_record(error)
    assert str(raised) == str(error) and raised.record is error
    assert error.as_dict() == {"where": "a.csv", "row": 2, "column": "x", "message": "bad", "record_id": "R1"}


def test_long_values_are_shortened_in_messages() -> None:
    text = shorten("x" * 500)
    assert len(text) == 60 and text.endswith("...'")
    assert shorten("short") == "'short'"
