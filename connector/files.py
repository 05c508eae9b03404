"""The file source: a folder of per-entity CSV / JSON Lines files, or a CRM export plus a mapping.

Without a mapping, ``customers.csv`` (or ``customers.jsonl``) holds customers in the store's own
column names, and so on for every entity; ``sample_truth.csv`` holds the sample generator's
answer key. With a mapping, each entity is read from the export file the mapping names and its
columns are renamed, translated and completed as the mapping says. Either way each file is read
in chunks, typed column by column, and handed to the loader as batches of canonical rows; export
columns that match nothing are kept in ``attributes`` so no CRM field is lost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Table

from connector.base import ColumnBatch
from connector.coerce import (
    coerce_column,
    column_default,
    loadable_columns,
    required_columns,
)
from connector.errors import RecordError, SourceDataError, shorten
from connector.mapping import (
    EntityMapping,
    Mapping,
    ValueMap,
    did_you_mean,
    entity_table,
    key_column,
)
from connector.readers import RawChunk, csv_header, read_csv_chunks, read_jsonl_chunks
from store import tables

__all__ = ["STREAMS", "FileSource"]

STREAMS: tuple[str, ...] = (*tables.ENTITY_TABLES, "sample_truth")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl"}
_FILLED_BY_LOADER = frozenset({"source", "loaded_at"})  # ignored when a file has them


@dataclass(frozen=True)
class _Plan:
    """How to read one stream: which file, in which format, through which mapping (if any)."""

    stream: str
    path: Path
    label: str  # the file as named in messages, relative to the folder
    fmt: str
    spec: EntityMapping | None
    delimiter: str
    encoding: str
    tz: ZoneInfo | None


@dataclass(frozen=True)
class _Layout:
    """How one file's columns feed the table: canonical column -> file column(s), and the rest."""

    columns: dict[str, tuple[str, ...]]
    extras: list[str]  # file columns kept in attributes
    attributes: str | None  # a file column holding a JSON object of attributes


class FileSource:
    """A :class:`connector.base.Source` reading a folder of files; checks the folder up front."""

    def __init__(
        self, directory: Path, source: str = "files", mapping: Mapping | None = None, chunk_size: int = 50_000
    ) -> None:
        directory = Path(directory)
        if not directory.is_dir():
            raise SourceDataError(f"{directory}: no such folder")
        if not source or len(source) > 64:
            raise SourceDataError(f"source name {source!r} must be 1 to 64 characters")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        self.name = source
        self.directory = directory
        self.mapping = mapping
        self.chunk_size = chunk_size
        self._plans = self._mapped_plans(mapping) if mapping is not None else self._plain_plans()

    def streams(self) -> list[str]:
        return [s for s in STREAMS if s in self._plans]

    def files(self) -> dict[str, Path]:
        """The file each stream is read from."""
        return {s: self._plans[s].path for s in self.streams()}

    def read(self, stream: str) -> Iterator[ColumnBatch]:
        plan = self._plans.get(stream)
        if plan is None:
            raise ValueError(f"{self.directory} has no stream {stream!r}; it has {', '.join(self.streams())}")
        table = entity_table(stream)
        constants = self._constants(plan, table)
        if plan.fmt == "csv":
            header = csv_header(plan.path, plan.label, delimiter=plan.delimiter, encoding=plan.encoding)
            layout = _layout(plan, table, header, strict=True)
            chunks = read_csv_chunks(
                plan.path, plan.label, header, delimiter=plan.delimiter, encoding=plan.encoding, chunk_size=self.chunk_size
            )
            for chunk in chunks:
                yield _batch(plan, table, layout, chunk, constants)
        else:
            for chunk in read_jsonl_chunks(plan.path, plan.label, encoding=plan.encoding, chunk_size=self.chunk_size):
                layout = _layout(plan, table, [str(c) for c in chunk.frame.columns], strict=False)
                yield _batch(plan, table, layout, chunk, constants)

    # ---- discovery ---------------------------------------------------------------------------

    def _plain_plans(self) -> dict[str, _Plan]:
        plans: dict[str, _Plan] = {}
        expected = [f"{s}{suffix}" for s in STREAMS for suffix in _SUFFIXES]
        for path in sorted(self.directory.iterdir()):
            suffix = path.suffix.lower()
            if not path.is_file() or suffix not in _SUFFIXES:
                continue
            if path.stem not in STREAMS:
                raise SourceDataError(
                    f"{path}: not an entity file{did_you_mean(path.name, expected)}; files are named after "
                    f"the entity they hold ({', '.join(STREAMS)}) with .csv or .jsonl, "
                    "or load a CRM export with a mapping file"
                )
            if path.stem in plans:
                raise SourceDataError(f"{self.directory}: both {plans[path.stem].label} and {path.name} exist; keep one")
            plans[path.stem] = _Plan(path.stem, path, path.name, _SUFFIXES[suffix], None, ",", "utf-8-sig", None)
        if not plans:
            raise SourceDataError(
                f"{self.directory}: no entity files found (expected files such as customers.csv or orders.jsonl)"
            )
        return plans

    def _mapped_plans(self, mapping: Mapping) -> dict[str, _Plan]:
        plans: dict[str, _Plan] = {}
        tz = ZoneInfo(mapping.timezone) if mapping.timezone else None
        present = sorted(p.name for p in self.directory.iterdir() if p.is_file())
        for entity, spec in mapping.entities.items():
            path = self.directory / spec.file
            if not path.is_file():
                raise SourceDataError(
                    f"{path}: file not found{did_you_mean(Path(spec.file).name, present)} "
                    f"(named by {spec.where}.file)"
                )
            fmt = _SUFFIXES[path.suffix.lower()]
            plans[entity] = _Plan(entity, path, spec.file, fmt, spec, mapping.delimiter, mapping.encoding, tz)
        return plans

    @staticmethod
    def _constants(plan: _Plan, table: Table) -> dict[str, object]:
        if plan.spec is None:
            return {}
        typed: dict[str, object] = {}
        for col, value in plan.spec.constants.items():
            typed[col] = coerce_column(table.c[col], pd.Series([value], dtype=object), tz=plan.tz).values[0]
        return typed


def _layout(plan: _Plan, table: Table, header: list[str], *, strict: bool) -> _Layout:
    """Match the file's columns to the table; ``strict`` (CSV) checks required columns up front."""
    loadable = loadable_columns(table)
    keeps_attributes = "attributes" in table.c
    if plan.spec is None:
        columns: dict[str, tuple[str, ...]] = {h: (h,) for h in header if h in loadable}
        attributes = "attributes" if "attributes" in header and keeps_attributes else None
        extras = [h for h in header if h not in columns and h not in _FILLED_BY_LOADER and h != attributes]
        if extras and not keeps_attributes:
            name = extras[0]
            raise SourceDataError(
                f"{plan.label}:1: unknown column {name!r}{did_you_mean(name, loadable)}; "
                f"{plan.stream} keeps no extra fields, its columns are {', '.join(loadable)}"
            )
        if strict:
            for col in [key_column(plan.stream), *required_columns(table)]:
                if col not in columns:
                    raise SourceDataError(
                        f"{plan.label}:1: required column {col!r} is missing from the header{did_you_mean(col, header)}"
                    )
        return _Layout(columns, extras, attributes)

    spec = plan.spec
    if strict:
        for canonical, sources in spec.columns.items():
            for src in sources:
                if src not in header:
                    raise SourceDataError(
                        f"{plan.label}:1: column {src!r} is not in the file{did_you_mean(src, header)} "
                        f"(named by {spec.origin(canonical)})"
                    )
    used = {src for sources in spec.columns.values() for src in sources}
    extras = [h for h in header if h not in used] if spec.keep_unmapped and keeps_attributes else []
    return _Layout(dict(spec.columns), extras, None)


def _combine(frame: pd.DataFrame, sources: tuple[str, ...]) -> pd.Series:
    """The raw values feeding one canonical column; several export columns are joined by spaces."""
    present = [s for s in sources if s in frame.columns]
    if not present:
        return pd.Series([None] * len(frame), dtype=object)
    if len(present) == 1:
        return frame[present[0]]
    parts = frame[present].astype(object).to_numpy()
    joined = [" ".join(str(v).strip() for v in row if not _blank(v)) or None for row in parts]
    return pd.Series(joined, dtype=object)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip())


def _translate(series: pd.Series, vmap: ValueMap) -> pd.Series:
    """Apply a value map; values it does not name pass through unchanged."""
    raw = series.to_numpy(dtype=object, copy=True)
    text = np.array(
        [("true" if v else "false") if isinstance(v, bool | np.bool_) else (None if _blank(v) else str(v).strip()) for v in raw],
        dtype=object,
    )
    hit = np.array([t in vmap.exact for t in text], dtype=bool) if vmap.exact else np.zeros(len(raw), dtype=bool)
    raw[hit] = [vmap.exact[t] for t in text[hit]]
    for flag, value in vmap.booleans.items():
        word = "true" if flag else "false"
        match = ~hit & np.array([isinstance(t, str) and t.lower() == word for t in text], dtype=bool)
        raw[match] = value
    return pd.Series(raw, dtype=object)


def _batch(plan: _Plan, table: Table, layout: _Layout, chunk: RawChunk, constants: dict[str, object]) -> ColumnBatch:
    frame, rows = chunk.frame, chunk.rows
    n = len(frame)
    spec = plan.spec
    errors: dict[int, RecordError] = {}
    bad = np.zeros(n, dtype=bool)
    values: dict[str, np.ndarray] = {}
    stamps: dict[str, np.ndarray] = {}
    key = key_column(plan.stream)
    ordered = [c for c in loadable_columns(table) if c in layout.columns]
    ordered.sort(key=lambda c: c != key)  # the key first, so every error can name its record
    record_ids: np.ndarray = np.full(n, None, dtype=object)

    def label(col: str) -> str:
        return " + ".join(layout.columns[col]) if col in layout.columns else col

    def note(pos: int, column: str, message: str) -> None:
        if pos not in errors:
            errors[pos] = RecordError(plan.label, int(rows[pos]), column, message, record_ids[pos])

    for col in ordered:
        series = _combine(frame, layout.columns[col])
        if spec is not None and col in spec.values:
            series = _translate(series, spec.values[col])
        result = coerce_column(
            table.c[col], series, tz=plan.tz, fmt=spec.formats.get(col) if spec is not None else None
        )
        if col == key:
            record_ids = result.values  # None where the id itself is bad
        mapped = f" (mapped to {col})" if label(col) != col else ""
        for pos, reason in result.reasons.items():
            note(pos, label(col), reason + mapped)
        bad |= result.bad
        values[col] = result.values
        if result.stamps is not None:
            stamps[col] = result.stamps

    for col, value in constants.items():
        values[col] = np.full(n, value, dtype=object)
    for col in list(values):
        default = column_default(table.c[col])
        if default is not None:
            values[col][pd.isna(values[col]) & ~bad] = default
    for col in dict.fromkeys([key, *required_columns(table)]):
        if col not in values:
            for row in range(n):
                note(row, label(col), f"has no value for {col!r}, which every {plan.stream} record needs")
            bad[:] = True
            continue
        empty = pd.isna(values[col]) & ~bad
        for blank in np.flatnonzero(empty):
            note(int(blank), label(col), f"is empty, but every {plan.stream} record needs {col!r}")
        bad |= empty

    if "attributes" in table.c:
        values["attributes"] = _attributes(frame, layout, bad, note)

    good = ~bad
    all_errors = sorted([*errors.values(), *chunk.errors], key=lambda e: e.row or 0)
    origin = f"{plan.label}:{rows[0]}-{rows[-1]}" if len(rows) else plan.label
    if good.all():
        return ColumnBatch(values, all_errors, origin, stamps)
    return ColumnBatch(
        {c: v[good] for c, v in values.items()}, all_errors, origin, {c: v[good] for c, v in stamps.items()}
    )


def _attributes(
    frame: pd.DataFrame, layout: _Layout, bad: np.ndarray, note: Callable[[int, str, str], None]
) -> np.ndarray:
    """Per row, a dict of the unmapped columns that have a value, merged over an ``attributes`` column."""
    n = len(frame)
    out = np.empty(n, dtype=object)
    bags: list[dict[str, object]] = [{} for _ in range(n)]
    if layout.attributes is not None:
        for pos, raw in enumerate(frame[layout.attributes].to_numpy(dtype=object)):
            if _blank(raw):
                continue
            try:
                bag = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError as exc:
                bag = None
                reason = f"{shorten(raw)} is not valid JSON ({exc.msg})"
            else:
                reason = f"{shorten(raw)} is not a JSON object"
            if isinstance(bag, dict):
                bags[pos] = bag
            else:
                note(pos, "attributes", reason)
                bad[pos] = True
    if layout.extras:
        extras = frame[layout.extras].to_numpy(dtype=object)
        for pos, row in enumerate(extras):
            for name, value in zip(layout.extras, row, strict=True):
                if not _blank(value):
                    bags[pos][name] = value
    for pos in range(n):
        out[pos] = bags[pos]
    return out
