"""SuiteCRM as an incremental source: modules paged by ``date_modified``, values typed by vardefs.

Every list call names ``fields[Module]``, ``sort``, ``page[size]`` and ``page[number]``: without
page parameters SuiteCRM silently returns the first 20 rows and no paging links, and without
``sort`` there is no ORDER BY at all. The window's lower bound goes out as
``filter[date_modified][gte]`` in the database's own ``YYYY-MM-DD HH:MM:SS`` UTC form (the value
is pasted into SQL; offsets are ignored). There is no id tie-breaker and responses have minute
precision, so pages within a window keep the same lower bound and advance by page number, and
the engine's lookback plus boundary dedupe absorb the overlap. Paging stops at an empty page or
when ``links.next`` is null (links come from a count that can only over-estimate).

Attributes arrive as strings (``"0"``, ``"87.50"``, ``""``) and are typed with the module's
``meta/fields`` vardefs; text is HTML-unescaped (SuiteCRM stores ``'`` as ``&#039;``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.api_mapping import StreamSpec
from connector.crm_errors import CrmRequestError, StreamUnavailable
from connector.incremental import Page, RemoteSource, Window, crm_db_time
from connector.suitecrm.client import SuiteCrmClient

__all__ = ["SuiteCrmSource", "parse_suitecrm_datetime"]

log = logging.getLogger("crmscore.connector.suitecrm")

_BOOL = {"bool"}
_INT = {"int"}
_FLOAT = {"decimal", "float", "currency", "double"}
_DATETIME = {"datetime", "datetimecombo"}
_DATE = {"date"}
_EMPTY_LINKS = ("link", "relate")  # helper fields that render as "" or {}


def parse_suitecrm_datetime(value: Any) -> datetime | None:
    """``2026-11-22T21:36:00+00:00`` → aware UTC. The digits are UTC whatever the offset says
    (the offset is the PHP server's zone, SuiteCRM issue #9952), so the offset is dropped."""
    if not isinstance(value, str) or len(value) < 16:
        return None
    digits = value[:19] if len(value) >= 19 and value[16] == ":" else value[:16]
    try:
        return datetime.fromisoformat(digits).replace(tzinfo=UTC)
    except ValueError:
        return None


class SuiteCrmSource(RemoteSource):
    """The SuiteCRM V8 adapter for :func:`connector.sync.sync_source`."""

    precision = timedelta(minutes=1)
    cursor_field = "date_modified"
    parse_time = staticmethod(parse_suitecrm_datetime)

    def __init__(
        self,
        name: str,
        client: SuiteCrmClient,
        streams: list[StreamSpec],
        *,
        page_size: int = 100,
        use_metadata: bool = True,
        writeback_fields: frozenset[str] = frozenset(),
        max_request: int = 2000,
    ) -> None:
        super().__init__(name, streams, page_size=page_size, writeback_fields=writeback_fields)
        self.client = client
        self.max_request = max(max_request, page_size)
        self.use_metadata = use_metadata

    # ---- metadata ------------------------------------------------------------------------

    def field_types(self, module: str) -> dict[str, str]:
        """The vardef type of each field of ``module`` (``bool``, ``decimal``, ``datetime`` ...)."""
        if module not in self._types:
            types: dict[str, str] = {}
            if self.use_metadata:
                try:
                    data = self.client.request("GET", f"meta/fields/{module}")
                except CrmRequestError as exc:
                    if "does not exist" in str(exc):
                        raise StreamUnavailable(f"SuiteCRM has no module {module}: its stream is skipped") from exc
                    if exc.kind != "access":
                        raise
                    data = {}  # SurveyResponses & co: listable but without metadata (recorded)
                attributes = (data.get("data") or {}).get("attributes") if isinstance(data, dict) else None
                for name, meta in (attributes or {}).items():
                    if isinstance(meta, dict):
                        types[name] = str(meta.get("type") or "")
            self._types[module] = types
        return self._types[module]

    # ---- reading -------------------------------------------------------------------------

    def list_params(self, stream: StreamSpec, lower: datetime | None, size: int, page: int = 1) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = [(f"fields[{stream.remote}]", ",".join(stream.fields))]
        for field_name, ops in stream.filter.items():
            for op, value in ops.items():
                params.append((f"filter[{field_name}][{op}]", value))
        if lower is not None:
            params.append(("filter[date_modified][gte]", crm_db_time(lower)))
        params += [("sort", "date_modified"), ("page[size]", str(size)), ("page[number]", str(page))]
        return params

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[Page]:
        """The window's records, read from a lower bound that moves forward, never by page offset.

        Offsets are unsafe twice over here: rows edited or deleted during the sync shift the later
        pages (the record at the boundary is silently skipped), and MySQL returns rows that tie on
        ``date_modified`` in any order, differently for different LIMITs. So every request is page 1
        from the newest minute read so far, asking for the ids already read at that minute plus a
        page more (they are skipped): the lower bound re-anchors whenever a newer minute shows up, and
        a same-minute group bigger than a page is re-read with a growing page until it is whole.
        Only a group beyond ``max_request`` rows falls back to offsets (and says so in the log).
        """
        types = self.field_types(stream.remote)
        position = window.position
        lower = parse_suitecrm_datetime(position["lower"]) if position.get("lower") else window.lower
        seen: set[str] = set(position.get("seen", []))
        page_number = int(position.get("page", 1))  # > 1 only in the offset fallback
        while True:
            size = self.page_size + len(seen) if page_number == 1 else self.page_size
            if size > self.max_request:
                log.warning("SuiteCRM %s: %d records share the minute %s; paging them by offset",
                            stream.remote, len(seen), lower)
                page_number, size = len(seen) // self.page_size + 1, self.page_size
            data = self.client.request("GET", f"module/{stream.remote}",
                                       params=self.list_params(stream, lower, size, page_number))
            rows = data.get("data") if isinstance(data, dict) else None
            if not rows:
                return
            records = [self.normalise(row, types) for row in rows]
            fresh = [r for r in records if r["id"] not in seen or self.modified(r) != lower]
            newest = max((m for r in records if (m := self.modified(r)) is not None), default=None)
            if newest is not None and (lower is None or newest > lower):
                lower, seen, page_number = newest, set(), 1
            elif newest is None or page_number > 1:
                page_number += 1  # no date_modified to anchor on (or the fallback): plain offsets
            seen |= {r["id"] for r in records if self.modified(r) == lower}
            position = {"lower": crm_db_time(lower) if lower else None, "seen": sorted(seen)}
            if page_number > 1:
                position["page"] = page_number
            yield Page(records=fresh, position=position)
            links = data.get("links") if isinstance(data, dict) else None
            if len(rows) < size or (isinstance(links, dict) and links.get("next") is None):
                return  # the CRM has nothing more
            if lower is not None and lower >= window.upper:
                return  # everything further changed after the window opened: the next sync reads it

    def live_ids(self, stream: StreamSpec) -> Iterator[list[str]]:
        """Every live id of the module (SuiteCRM cannot list deleted rows: recorded 400).

        Keyset on the id (``filter[id][gt]``, ``sort=id``), not page numbers: a record deleted
        while the ids are listed must not shift a live one out of the listing, which would then be
        taken for deleted.
        """
        field_name = stream.reconcile_field or (stream.fields[0] if stream.fields else "name")
        size = max(self.page_size, 200)
        last: str | None = None
        while True:
            params = [
                (f"fields[{stream.remote}]", field_name),
                *[(f"filter[{f}][{op}]", v) for f, ops in stream.filter.items() for op, v in ops.items()],
                *([("filter[id][gt]", last)] if last is not None else []),
                ("sort", "id"),
                ("page[size]", str(size)),
                ("page[number]", "1"),
            ]
            try:
                data = self.client.request("GET", f"module/{stream.remote}", params=params)
            except CrmRequestError as exc:
                if "does not exist" in str(exc):  # never read "no module" as "every record was deleted"
                    raise StreamUnavailable(f"SuiteCRM has no module {stream.remote}: its stream is skipped") from exc
                raise
            rows = [row for row in (data.get("data") if isinstance(data, dict) else None) or [] if isinstance(row, dict)]
            if not rows:
                return
            ids = [str(row["id"]) for row in rows if "id" in row]
            yield ids
            links = data.get("links") if isinstance(data, dict) else None
            if len(rows) < size or (isinstance(links, dict) and links.get("next") is None):
                return
            last = max(ids)

    @staticmethod
    def normalise(row: Mapping[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
        """A JSON:API resource as one flat record with typed values (``""`` and ``{}`` → None)."""
        record: dict[str, Any] = {"id": str(row.get("id"))}
        attributes = row.get("attributes")
        if not isinstance(attributes, dict):  # fields of another module give "attributes": []
            return record
        for name, value in attributes.items():
            record[name] = _typed(value, types.get(name, ""), name)
        return record


def _typed(value: Any, kind: str, name: str) -> Any:
    if value is None or value == "" or value == {} or value == []:
        return None
    if isinstance(value, bool):
        return value
    if kind in _BOOL:
        text = str(value).strip().lower()
        return text in ("1", "true", "on", "yes")
    if kind in _INT:
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return value
    if kind in _FLOAT:
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    if kind in _DATETIME or name in ("date_modified", "date_entered"):
        return parse_suitecrm_datetime(value) or value
    if kind in _DATE:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return value
    if kind in _EMPTY_LINKS and isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return html.unescape(value)
    return value
