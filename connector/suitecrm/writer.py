"""Writing scores into SuiteCRM's ``_c`` fields: one ``PATCH /V8/module`` per record.

The V8 API has no bulk update, so a batch is a run of PATCHes. Numbers go out as JSON numbers
(a string goes through the API user's number format: ``"12,5"`` became ``125.00`` on the recorded
instance), datetimes as UTC ``YYYY-MM-DD HH:MM:SS``, and ``null`` is never sent (SuiteCRM ignores
it). A 400 about one record (deleted, invalid attribute) fails that record only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connector.crm_errors import CrmRequestError
from connector.suitecrm.client import SuiteCrmClient
from connector.writeback import WriteOutcome, refused

__all__ = ["SuiteCrmWriter", "patch_body"]


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return value


def patch_body(module: str, record_id: str, fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    attributes = {fields[k]: _wire(v) for k, v in values.items() if k in fields and v is not None}
    return {"data": {"type": module, "id": record_id, "attributes": attributes}}


class SuiteCrmWriter:
    def __init__(self, client: SuiteCrmClient, *, module: str = "Accounts", entity: str = "customers",
                 fields: Mapping[str, str]) -> None:
        self.client = client
        self.module = module
        self.entity = entity
        self.fields = dict(fields)
        self.last_modified: dict[str, str] = {}  # record id -> date_modified the PATCH answered with

    def write(self, batch: list[tuple[str, dict[str, Any]]]) -> list[WriteOutcome]:
        outcomes = []
        for record_id, values in batch:
            try:
                answer = self.client.request("PATCH", "module", body=patch_body(self.module, record_id, self.fields, values))
            except CrmRequestError as exc:
                if not refused(exc):
                    raise
                outcomes.append(WriteOutcome(record_id, False, str(exc)))
                continue
            attributes = ((answer or {}).get("data") or {}).get("attributes") or {}
            if attributes.get("date_modified"):
                self.last_modified[record_id] = attributes["date_modified"]
            outcomes.append(WriteOutcome(record_id, True))
        return outcomes
