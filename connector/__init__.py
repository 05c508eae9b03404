"""Connectors: getting CRM records into the store as canonical rows.

A :class:`~connector.base.Source` (a folder of files today; SuiteCRM and Odoo adapters next)
yields batches of canonical rows per entity stream, and :func:`~connector.load.load_source`
upserts them through the same path for every source.
"""

from connector.base import Batch, ColumnBatch, Row, Source
from connector.errors import RecordError, SourceDataError
from connector.files import FileSource
from connector.load import EntityCounts, LoadReport, load_source
from connector.mapping import Mapping, MappingError, load_mapping

__all__ = [
    "Batch",
    "ColumnBatch",
    "EntityCounts",
    "FileSource",
    "LoadReport",
    "Mapping",
    "MappingError",
    "RecordError",
    "Row",
    "Source",
    "SourceDataError",
    "load_mapping",
    "load_source",
]
