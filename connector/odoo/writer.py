"""Writing scores into Odoo's ``x_`` fields with ``write``, batched by identical values.

``write(ids, vals)`` applies the same values to every id, so records whose changes are identical
(same band, same segment, same score) go in one call. A ``MissingError`` names no id, so a refused
batch is retried record by record to find the one that was deleted. Datetimes go out as
``YYYY-MM-DD HH:MM:SS`` (``write`` refuses ISO with T/Z, recorded); Odoo 11 silently ignores fields
it does not have, so ``crmscore install odoo`` must have run first.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connector.crm_errors import CrmRequestError
from connector.odoo.rpc import OdooTransport
from connector.odoo.source import format_odoo_datetime
from connector.writeback import WriteOutcome, refused

__all__ = ["OdooWriter", "write_values"]


def write_values(fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    return {fields[k]: (format_odoo_datetime(v) if isinstance(v, datetime) else v)
            for k, v in values.items() if k in fields and v is not None}


class OdooWriter:
    def __init__(self, transport: OdooTransport, *, model: str = "res.partner", entity: str = "customers",
                 fields: Mapping[str, str], max_ids: int = 200) -> None:
        self.transport = transport
        self.model = model
        self.entity = entity
        self.fields = dict(fields)
        self.max_ids = max_ids
        self.calls = 0

    def write(self, batch: list[tuple[str, dict[str, Any]]]) -> list[WriteOutcome]:
        groups: dict[str, list[str]] = defaultdict(list)
        vals_of: dict[str, dict[str, Any]] = {}
        for record_id, values in batch:
            vals = write_values(self.fields, values)
            key = json.dumps(vals, sort_keys=True, default=str)
            groups[key].append(record_id)
            vals_of[key] = vals
        outcomes: list[WriteOutcome] = []
        for key, ids in groups.items():
            for start in range(0, len(ids), self.max_ids):
                chunk = ids[start : start + self.max_ids]
                outcomes += self._write(chunk, vals_of[key])
        return outcomes

    def _write(self, ids: list[str], vals: dict[str, Any]) -> list[WriteOutcome]:
        try:
            self.calls += 1
            self.transport.call(self.model, "write", [[int(i) for i in ids], vals])
            return [WriteOutcome(i, True) for i in ids]
        except CrmRequestError as exc:
            if not refused(exc):
                raise
            if len(ids) == 1:
                return [WriteOutcome(ids[0], False, str(exc))]
        outcomes: list[WriteOutcome] = []
        for one in ids:  # find the record(s) the batch failed on
            outcomes += self._write([one], vals)
        return outcomes
