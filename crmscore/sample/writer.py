"""Writing the sample CRM: one file per entity, appended chunk by chunk, in canonical column order.

Column names and order come from the store's tables, so the files load through the plain file
source with no mapping. Only the formatting happens here; the generator decides the values.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from store import tables

__all__ = ["ENTITIES", "Format", "SampleWriter", "canonical_columns"]

Format = Literal["csv", "jsonl"]
# Files in the order they are written and loaded; sample_truth is the generator's answer key.
ENTITIES: tuple[str, ...] = (*tables.ENTITY_TABLES, "sample_truth")
_NOT_IN_FILES = frozenset({"id", "source", "attributes", "loaded_at"})


def canonical_columns(entity: str) -> list[str]:
    """The columns a sample file of ``entity`` holds: the table's, less what the loader fills in."""
    table = tables.sample_truth if entity == "sample_truth" else tables.ENTITY_TABLES[entity]
    return [c.name for c in table.c if c.name not in _NOT_IN_FILES]


class SampleWriter:
    """Appends chunks to ``<entity>.<fmt>`` files (the truth file is always CSV, as its name is fixed)."""

    def __init__(self, out_dir: Path, fmt: Format) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.paths: dict[str, Path] = {}
        self.counts: dict[str, int] = {}
        # Orders and refunds share one file but number separately (O… and R… ids).
        self.serials: dict[str, int] = {"orders": 0, "refunds": 0}
        self._files: dict[str, IO[str]] = {}
        self._fmt: dict[str, Format] = {}
        for entity in ENTITIES:
            fmt_here: Format = "csv" if entity == "sample_truth" else fmt
            path = out_dir / f"{entity}.{fmt_here}"
            # A file of the same entity in the other format would make the folder ambiguous to load.
            other = out_dir / f"{entity}.{'jsonl' if fmt_here == 'csv' else 'csv'}"
            other.unlink(missing_ok=True)
            fh = path.open("w", encoding="utf-8", newline="")
            if fmt_here == "csv":
                fh.write(",".join(canonical_columns(entity)) + "\n")
            self.paths[entity] = path
            self.counts[entity] = 0
            self._files[entity] = fh
            self._fmt[entity] = fmt_here

    def write(self, entity: str, frame: pd.DataFrame) -> None:
        columns = canonical_columns(entity)
        if list(frame.columns) != columns:
            raise ValueError(f"{entity}: columns {list(frame.columns)} are not the canonical {columns}")
        self.counts[entity] += len(frame)
        if frame.empty:
            return
        fh = self._files[entity]
        if self._fmt[entity] == "jsonl":
            fh.write(frame.to_json(orient="records", lines=True, force_ascii=False, double_precision=10))
            return
        bools = frame.select_dtypes(include="bool").columns
        if len(bools):
            frame = frame.assign(**{col: np.where(frame[col], "true", "false") for col in bools})
        frame.to_csv(fh, header=False, index=False, lineterminator="\n")

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
