"""Typing raw values by the store column they go to, one whole column at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from connector.coerce import (
    coerce_column,
    column_default,
    loadable_columns,
    required_columns,
)
from store import tables as t


def _text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype=str)


def _json(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_timestamps_become_aware_utc_whatever_offset_they_carry() -> None:
    result = coerce_column(t.orders.c.ordered_at, _text("2026-06-30T00:00:00Z", "2024-01-01T10:00:00+02:00", "2024-03-05 14:22:10", "2024-03-05", None, "  "))
    assert list(result.values) == [
        datetime(2026, 6, 30, tzinfo=UTC),
        datetime(2024, 1, 1, 8, tzinfo=UTC),
        datetime(2024, 3, 5, 14, 22, 10, tzinfo=UTC),
        datetime(2024, 3, 5, tzinfo=UTC),
        None,
        None,
    ]
    assert not result.bad.any()


def test_naive_timestamps_are_read_in_the_given_zone_and_offsets_still_win() -> None:
    result = coerce_column(t.orders.c.ordered_at, _text("2024-07-01 12:00", "2024-07-01T12:00:00Z"), tz=ZoneInfo("Europe/Brussels"))
    assert list(result.values) == [datetime(2024, 7, 1, 10, tzinfo=UTC), datetime(2024, 7, 1, 12, tzinfo=UTC)]


def test_a_timestamp_format_reads_exports_in_local_notation() -> None:
    result = coerce_column(t.orders.c.ordered_at, _text("15/03/2024 14:05", "2024-03-15"), fmt="%d/%m/%Y %H:%M")
    assert result.values[0] == datetime(2024, 3, 15, 14, 5, tzinfo=UTC)
    assert result.reasons == {1: "'2024-03-15' is not a timestamp in the format '%d/%m/%Y %H:%M'"}


def test_what_is_not_a_timestamp_is_reported_per_row() -> None:
    result = coerce_column(t.orders.c.ordered_at, _json("yesterday", 5, True, {"a": 1}, "2024-01-01"))
    assert list(result.bad) == [True, True, True, True, False]
    assert result.reasons == {
        0: "'yesterday' is not an ISO-8601 timestamp",
        1: "5 is not an ISO-8601 timestamp",
        2: "True is not an ISO-8601 timestamp",
        3: "{'a': 1} is a JSON object, not a single value",
    }


def test_numbers_accept_text_and_json_numbers_but_not_words_booleans_or_infinity() -> None:
    result = coerce_column(t.orders.c.amount, _json("1.5", " 2 ", 3, -4.25, "1e3", None, "abc", True, "inf", "nan"))
    assert list(result.values[:6]) == [1.5, 2.0, 3.0, -4.25, 1000.0, None]
    assert result.reasons == {
        6: "'abc' is not a number",
        7: "True is a boolean, not a number",
        8: "'inf' is not a finite number",
        9: "'nan' is not a finite number",
    }


def test_booleans_accept_the_usual_spellings() -> None:
    result = coerce_column(t.cases.c.is_complaint, _text("true", "FALSE", "1", "0", "Yes", " no ", "maybe", None))
    assert list(result.values) == [True, False, True, False, True, False, None, None]
    assert result.reasons == {6: "'maybe' is not a boolean (use true/false, yes/no or 1/0)"}
    native = coerce_column(t.cases.c.is_complaint, _json(True, False, 1, 0))
    assert list(native.values) == [True, False, True, False]


def test_strings_are_trimmed_numbers_become_text_and_overlong_values_are_refused() -> None:
    result = coerce_column(t.customers.c.kind, _json("  person ", 12, 3.0, "x" * 17, ""))
    assert list(result.values) == ["person", "12", "3", None, None]
    assert result.reasons == {3: "'xxxxxxxxxxxxxxxxx' is 17 characters, longer than the 16 allowed"}


def test_the_loader_fills_identity_and_bookkeeping_columns_so_sources_cannot() -> None:
    assert {"id", "source", "loaded_at", "attributes"}.isdisjoint(loadable_columns(t.orders))
    assert required_columns(t.orders) == ["external_id", "ordered_at", "amount"]
    assert required_columns(t.sample_truth) == ["customer_external_id", "churned", "churn_hazard"]
    assert column_default(t.orders.c.kind) == "order"
    assert column_default(t.orders.c.amount) is None


@pytest.mark.parametrize("column", [t.orders.c.ordered_at, t.orders.c.amount, t.cases.c.is_complaint, t.customers.c.name])
def test_an_empty_column_converts_to_nothing(column: object) -> None:
    result = coerce_column(column, pd.Series([], dtype=str))  # type: ignore[arg-type]
    assert len(result.values) == 0 and not result.bad.any()
