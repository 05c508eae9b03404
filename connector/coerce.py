"""Turning raw column values into the types of the store's columns, a whole column at a time.

Files deliver text (CSV) or loosely typed JSON; the store wants aware UTC datetimes, floats,
booleans and bounded strings. Doing the conversion per column with pandas keeps a 20-million-row
file fast, and every value that does not convert is reported with the reason, not dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Column, Float, Integer, String, Table

from connector.errors import shorten
from store.types import UTCDateTime

__all__ = ["Coerced", "coerce_column", "column_default", "loadable_columns", "required_columns"]

_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_RESERVED = frozenset({"id", "source", "loaded_at", "attributes"})


@dataclass
class Coerced:
    """A converted column: Python values (None where missing) and the rows that failed, with why."""

    values: np.ndarray  # object array, one value per input row
    bad: np.ndarray  # bool array
    reasons: dict[int, str]  # position -> message, for the bad rows
    stamps: np.ndarray | None = None  # timestamps only: the values as datetime64[us] UTC, NaT where None


def loadable_columns(table: Table) -> dict[str, Column]:
    """The columns a source may fill: all but the identity and bookkeeping ones the loader sets."""
    return {c.name: c for c in table.c if c.name not in _RESERVED}


def column_default(column: Column) -> Any:
    """The column's scalar default (``kind`` → ``company``), used when a value is left blank."""
    default = column.default
    return getattr(default, "arg", None) if default is not None and getattr(default, "is_scalar", False) else None


def required_columns(table: Table) -> list[str]:
    """Columns that must have a value in every row (no NULL allowed and no default to fall back on)."""
    return [
        name
        for name, col in loadable_columns(table).items()
        if not col.nullable and column_default(col) is None
    ]


@dataclass
class _Prepared:
    """A raw column as stripped text, with what is missing and what could not be text at all."""

    text: pd.Series  # stripped text, NaN where missing or unusable
    missing: np.ndarray
    bad: np.ndarray
    reasons: dict[int, str]
    native: np.ndarray  # JSON numbers and booleans (not text); all False for CSV
    booleans: np.ndarray  # JSON booleans
    raw: pd.Series  # the values as delivered, for messages

    def shown(self, pos: int) -> str:
        return shorten(self.raw.iloc[pos])


def _prepare(series: pd.Series, *, strip: bool) -> _Prepared:
    """Missing means null or blank; whitespace-only cells count as blank.

    Stripping text costs a Python call per cell, so parsers that ignore surrounding blanks
    anyway (numbers, timestamps) skip it and only re-check the cells they failed on.
    """
    n = len(series)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        none = np.zeros(n, dtype=bool)
        if not strip:
            return _Prepared(series, series.isna().to_numpy(dtype=bool, copy=True), none, {}, none, none, series)
        text = series.str.strip()
        missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
        return _Prepared(text.where(~pd.Series(missing, index=text.index)), missing, none, {}, none, none, series)
    raw = series.to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    native = np.zeros(n, dtype=bool)
    booleans = np.zeros(n, dtype=bool)
    reasons: dict[int, str] = {}
    for pos, value in enumerate(raw):  # JSON Lines only: values of any JSON type
        if isinstance(value, str):
            value = value.strip()
            if value:
                out[pos] = value
            else:
                missing[pos] = True
        elif value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
            missing[pos] = True
        elif isinstance(value, bool | np.bool_):
            out[pos] = "true" if value else "false"
            native[pos] = booleans[pos] = True
        elif isinstance(value, dict | list):
            bad[pos] = True
            kind = "object" if isinstance(value, dict) else "array"
            reasons[pos] = f"{shorten(value)} is a JSON {kind}, not a single value"
        elif isinstance(value, float | np.floating) and float(value).is_integer():
            out[pos] = str(int(value))
            native[pos] = True
        else:
            out[pos] = str(value)
            native[pos] = True
    return _Prepared(pd.Series(out, index=series.index, dtype=object), missing, bad, reasons, native, booleans, series)


def _blank_failures(p: _Prepared, failed: np.ndarray) -> np.ndarray:
    """Of the cells a parser rejected, those that were only whitespace: they are missing, not bad."""
    blank = np.zeros(len(failed), dtype=bool)
    for pos in np.flatnonzero(failed):
        value = p.text.iloc[pos]
        blank[pos] = isinstance(value, str) and not value.strip()
    p.missing |= blank
    return failed & ~blank


def _strings(p: _Prepared, length: int | None) -> Coerced:
    values = p.text.to_numpy(dtype=object, na_value=None, copy=True)
    bad, reasons = p.bad.copy(), dict(p.reasons)
    if length is not None:
        lengths = p.text.str.len().to_numpy(dtype=float, na_value=0.0)
        too_long = ~p.missing & ~bad & (lengths > length)
        for pos in np.flatnonzero(too_long):
            reasons[int(pos)] = f"{shorten(values[pos])} is {int(lengths[pos])} characters, longer than the {length} allowed"
        bad |= too_long
    values[p.missing | bad] = None
    return Coerced(values, bad, reasons)


def _floats(p: _Prepared) -> Coerced:
    floats = pd.to_numeric(p.text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    failed = _blank_failures(p, ~p.missing & ~p.bad & (~np.isfinite(floats) | p.booleans))
    reasons = dict(p.reasons)
    for pos in np.flatnonzero(failed):
        if p.booleans[pos]:
            reasons[int(pos)] = f"{p.shown(int(pos))} is a boolean, not a number"
        elif np.isinf(floats[pos]) or str(p.text.iloc[pos]).lower() == "nan":
            reasons[int(pos)] = f"{p.shown(int(pos))} is not a finite number"
        else:
            reasons[int(pos)] = f"{p.shown(int(pos))} is not a number"
    values = floats.astype(object)
    values[p.missing | p.bad | failed] = None
    return Coerced(values, p.bad | failed, reasons)


def _booleans(p: _Prepared) -> Coerced:
    mapped = p.text.str.lower().map(_BOOLEANS)
    values = mapped.to_numpy(dtype=object, na_value=None, copy=True)
    failed = ~p.missing & ~p.bad & pd.isna(mapped).to_numpy(dtype=bool)
    reasons = dict(p.reasons)
    for pos in np.flatnonzero(failed):
        reasons[int(pos)] = f"{p.shown(int(pos))} is not a boolean (use true/false, yes/no or 1/0)"
    values[p.missing | p.bad | failed] = None
    return Coerced(values, p.bad | failed, reasons)


def _timestamps(p: _Prepared, tz: ZoneInfo | None, fmt: str | None) -> Coerced:
    text = p.text.where(~pd.Series(p.native, index=p.text.index)) if p.native.any() else p.text
    if fmt is None and tz is None:  # the common case: offsets honoured, naive read as UTC
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        naive = parsed.iloc[:0]
    elif fmt is None:
        aware = text.str.contains(_OFFSET, regex=True, na=False)
        parsed = pd.to_datetime(text.where(aware), format="ISO8601", utc=True, errors="coerce")
        naive = pd.to_datetime(text.where(~aware), format="ISO8601", errors="coerce")
    else:
        nothing = pd.Series(None, index=text.index, dtype=object)
        zoned = "%z" in fmt or "%Z" in fmt
        parsed = pd.to_datetime(text if zoned else nothing, format=fmt, utc=True, errors="coerce")
        naive = pd.to_datetime(nothing if zoned else text, format=fmt, errors="coerce")
    if len(naive):
        naive = naive.dt.tz_localize(tz or "UTC", ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        parsed = parsed.where(parsed.notna(), naive)
    stamps = parsed
    failed = _blank_failures(p, ~p.missing & ~p.bad & stamps.isna().to_numpy(dtype=bool))
    expected = "an ISO-8601 timestamp" if fmt is None else f"a timestamp in the format {fmt!r}"
    reasons = dict(p.reasons)
    for pos in np.flatnonzero(failed):
        reasons[int(pos)] = f"{p.shown(int(pos))} is not {expected}"
    values = stamps.dt.to_pydatetime().to_numpy(dtype=object, copy=True)
    unset = p.missing | p.bad | failed
    values[unset] = None
    naive = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[us]", copy=True)
    naive[unset] = np.datetime64("NaT")
    return Coerced(values, p.bad | failed, reasons, naive)


def coerce_column(
    column: Column, series: pd.Series, *, tz: ZoneInfo | None = None, fmt: str | None = None
) -> Coerced:
    """Convert ``series`` to ``column``'s type; naive timestamps are read in ``tz`` (default UTC)."""
    kind = column.type
    prepared = _prepare(series.reset_index(drop=True), strip=isinstance(kind, String | Boolean))
    if isinstance(kind, UTCDateTime):
        return _timestamps(prepared, tz, fmt)
    if isinstance(kind, Boolean):
        return _booleans(prepared)
    if isinstance(kind, Float | Integer):
        return _floats(prepared)
    if isinstance(kind, String):
        return _strings(prepared, kind.length)
    raise TypeError(f"no coercion for column {column.name} of type {kind!r}")
