"""Reading CSV and JSON Lines files in bounded chunks, keeping each record's row number.

Row numbers are what an admin needs to find a bad record: for CSV the spreadsheet row (the
header is row 1, blank lines count), for JSON Lines the line number. Problems with the file as a
whole (not text, broken quoting, a header with duplicate names) stop the load with one line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from connector.errors import RecordError, SourceDataError

__all__ = ["RawChunk", "csv_header", "read_csv_chunks", "read_jsonl_chunks"]

_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class RawChunk:
    frame: pd.DataFrame  # raw values, columns named as in the file
    rows: np.ndarray  # row (CSV) or line (JSON Lines) number of each frame row
    errors: list[RecordError] = field(default_factory=list)  # records that could not even be parsed


def _not_text(label: str, encoding: str, exc: UnicodeDecodeError) -> SourceDataError:
    return SourceDataError(
        f"{label}: not {encoding} text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
        "save the export as UTF-8, or set encoding: in a mapping file"
    )


def csv_header(path: Path, label: str, *, delimiter: str, encoding: str) -> list[str]:
    """The column names of a CSV file (surrounding blanks removed), checked: present, named, unique."""
    try:
        with path.open(encoding=encoding, newline="") as fh:
            first = next(csv.reader(fh, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise _not_text(label, encoding, exc) from exc
    except csv.Error as exc:
        raise SourceDataError(f"{label}:1: unreadable header row: {exc}") from exc
    if not first or not any(name.strip() for name in first):
        raise SourceDataError(f"{label}: the file is empty; expected a header row of column names")
    names = [name.strip() for name in first]
    for position, name in enumerate(names, 1):
        if not name:
            raise SourceDataError(f"{label}:1: column {position} has no name in the header row")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SourceDataError(f"{label}:1: column {name!r} appears more than once in the header row")
        seen.add(name)
    return names


def read_csv_chunks(
    path: Path,
    label: str,
    header: list[str],
    *,
    delimiter: str,
    encoding: str,
    chunk_size: int,
) -> Iterator[RawChunk]:
    """Chunks of raw text (``str`` columns, NaN where blank); blank lines are dropped but counted.

    Every column is read, even unused ones: pandas stops checking field counts once ``usecols``
    or ``names`` is given, and a row with a stray delimiter must fail, not shift silently.
    """
    reader = pd.read_csv(
        path,
        sep=delimiter,
        encoding=encoding,
        header=0,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        chunksize=chunk_size,
        engine="c",
    )
    next_row = 2
    try:
        for frame in reader:
            frame.columns = header
            rows = np.arange(next_row, next_row + len(frame))
            next_row += len(frame)
            empty = frame.isna().all(axis=1).to_numpy(dtype=bool)
            if empty.any():
                frame, rows = frame.loc[~empty].reset_index(drop=True), rows[~empty]
            yield RawChunk(frame.reset_index(drop=True), rows)
    except UnicodeDecodeError as exc:
        raise _not_text(label, encoding, exc) from exc
    except pd.errors.ParserError as exc:
        found = _FIELDS.search(str(exc))
        if found:
            expected, line, saw = found.groups()
            raise SourceDataError(
                f"{label}:{line}: expected {expected} fields like the header, found {saw} "
                "(an unquoted delimiter inside a value?)"
            ) from exc
        raise SourceDataError(f"{label}: not a readable CSV file: {str(exc).strip().splitlines()[-1]}") from exc
    finally:
        reader.close()


def read_jsonl_chunks(path: Path, label: str, *, encoding: str, chunk_size: int) -> Iterator[RawChunk]:
    """Chunks of JSON objects, one per line; a line that is not a JSON object is a record error."""
    records: list[dict[str, object]] = []
    rows: list[int] = []
    errors: list[RecordError] = []

    def chunk() -> RawChunk:
        frame = pd.DataFrame(records, dtype=object) if records else pd.DataFrame()
        return RawChunk(frame, np.array(rows, dtype=np.int64), list(errors))

    try:
        with path.open(encoding=encoding) as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line.rstrip("\r\n"))
                except json.JSONDecodeError as exc:
                    errors.append(RecordError(label, number, None, f"not valid JSON: {exc.msg} at character {exc.pos + 1}"))
                else:
                    if isinstance(record, dict):
                        records.append(record)
                        rows.append(number)
                    else:
                        kind = _JSON_KINDS.get(type(record), type(record).__name__)
                        errors.append(RecordError(label, number, None, f"expected a JSON object, found a JSON {kind}"))
                if len(records) + len(errors) >= chunk_size:
                    yield chunk()
                    records, rows, errors = [], [], []
    except UnicodeDecodeError as exc:
        raise _not_text(label, encoding, exc) from exc
    if records or errors:
        yield chunk()
