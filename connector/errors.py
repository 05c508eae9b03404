"""Errors about the data a source delivers, phrased so an admin can find and fix the record.

Every message is one line that starts with where the problem is — ``file:row`` for files, the
stream and record id for CRM APIs — then the column and what is wrong with the value.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RecordError", "SourceDataError", "shorten"]


def shorten(value: object, limit: int = 60) -> str:
    """A value as it appears in a message: repr'd, and cut short if long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


@dataclass(frozen=True)
class RecordError:
    """One record a source could not turn into a canonical row."""

    where: str  # the file name (``customers.csv``) or the stream name
    row: int | None  # spreadsheet-style row (header = 1) or JSON Lines line number
    column: str | None  # the column (canonical or export name) the problem is in
    message: str  # what is wrong, e.g. "'yesterday' is not an ISO-8601 timestamp"
    record_id: str | None = None  # the record's external id, when it could be read

    def __str__(self) -> str:
        place = self.where if self.row is None else f"{self.where}:{self.row}"
        column = f" column {self.column!r}:" if self.column else ""
        record = f" (record {self.record_id!r})" if self.record_id else ""
        return f"{place}:{column} {self.message}{record}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form, for the sync run's error list."""
        return {
            "where": self.where,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "record_id": self.record_id,
        }


class SourceDataError(Exception):
    """Data from a source cannot be loaded; ``str()`` is the one-line message for the user."""

    def __init__(self, message: str, record: RecordError | None = None) -> None:
        super().__init__(message)
        self.record = record

    @classmethod
    def from_record(cls, record: RecordError) -> SourceDataError:
        return cls(str(record), record)
