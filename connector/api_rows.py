"""Applying an API mapping: normalised CRM records → canonical rows, typed for the store's columns.

The rules themselves are parsed in :mod:`connector.api_mapping`. Here each route is compiled once
per stream (column converters chosen by the store column's type), so mapping 100,000 records is a
tight loop; a value that does not fit its column becomes a :class:`~connector.errors.RecordError`
and the rest of the page still loads.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Table

from connector.api_mapping import (
    MODIFIED_FIELDS,
    ColumnRule,
    Route,
    StreamSpec,
    is_empty,
    pair_part,
)
from connector.coerce import column_default, loadable_columns
from connector.errors import RecordError, shorten
from connector.mapping import entity_table
from store.types import UTCDateTime

__all__ = ["MappedPage", "map_records"]


@dataclass
class MappedPage:
    rows: dict[str, list[dict[str, Any]]]
    errors: list[RecordError]


def _raw(rule: ColumnRule, record: Mapping[str, Any]) -> Any:
    if rule.when_field is not None and str(pair_part(record.get(rule.when_field), "id")) not in rule.when_in:
        return None
    if rule.join:
        parts = [str(pair_part(record.get(f), "name")).strip() for f in rule.join if not is_empty(record.get(f))]
        value: Any = " ".join(p for p in parts if p) or None
    else:
        value = pair_part(record.get(rule.field), rule.part)  # type: ignore[arg-type]
    if rule.values is not None:
        key = "" if is_empty(value) else str(value)
        value = rule.values.get(key, rule.default)
    elif is_empty(value) and value is not False:
        value = rule.default
    return value


def _to_datetime(value: Any) -> Any:
    if value is None or value is False or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if isinstance(value, str):  # a CRM without field metadata: ISO text, naive meaning UTC
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{shorten(value)} is not a timestamp") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise TypeError(f"{shorten(value)} is not a timestamp")


def _to_bool(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{shorten(value)} is not a yes/no value")


def _to_float(value: Any) -> Any:
    if value is None or value is False or value == "":
        return None
    if isinstance(value, float):
        number = value
    elif isinstance(value, bool):
        raise TypeError(f"{shorten(value)} is not a number")
    else:
        try:
            number = float(value) if not isinstance(value, str) else float(value.replace(" ", ""))
        except (TypeError, ValueError):
            raise ValueError(f"{shorten(value)} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{shorten(value)} is not a finite number")
    return number


def _to_int(value: Any) -> Any:
    number = _to_float(value)
    return None if number is None else int(number)


def _to_text(length: int | None) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None or value is False:
            return None
        text = value if isinstance(value, str) else str(pair_part(value, "name"))
        if "&" in text:
            text = html.unescape(text)
        text = text.strip()
        if not text:
            return None
        return text[:length] if length and len(text) > length else text

    return convert


def _converter(column: Any) -> Callable[[Any], Any]:
    """The function turning a CRM value into ``column``'s type, chosen once per column.

    Each raises ValueError with the reason; ``None``, ``""`` and (outside booleans) Odoo's ``False``
    mean empty.
    """
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _to_datetime
    if isinstance(kind, Boolean):
        return _to_bool
    if isinstance(kind, Integer):
        return _to_int
    if isinstance(kind, Float):
        return _to_float
    if isinstance(kind, String):
        return _to_text(kind.length)
    return lambda value: None if value is None or value is False else value


def _typed(column: Any, value: Any, bool_column: bool = False) -> Any:
    """A CRM value as the store column's type (see :func:`_converter`)."""
    return _converter(column)(value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


class _Compiled:
    """A route with its table columns resolved once, so mapping 100,000 records stays cheap."""

    def __init__(self, route: Route, fields: tuple[str, ...]) -> None:
        self.route = route
        table: Table = entity_table(route.entity)
        loadable = loadable_columns(table)
        self.columns = [(name, rule, loadable[name], _converter(loadable[name])) for name, rule in route.columns.items()]
        self.constants = [(name, _typed(loadable[name], value)) for name, value in route.constants.items()]
        self.all_columns = list(dict.fromkeys([*route.columns, *route.constants, "modified_at"]))
        used = set().union(*(rule.sources() for rule in route.columns.values())) if route.columns else set()
        if route.when_field:
            used.add(route.when_field)
        # The modified time has its own column; every other field no column uses goes to attributes.
        self.unused = [f for f in fields if f not in used and f not in MODIFIED_FIELDS]
        self.defaults = {c: None for c in self.all_columns}
        # NOT NULL columns with a default (customers.kind, customers.active) take it when the CRM sends nothing.
        self.fallbacks = {name: column_default(col) for name, col in loadable.items() if not col.nullable}


def map_records(
    spec: StreamSpec,
    records: Sequence[Mapping[str, Any]],
    *,
    modified: Callable[[Mapping[str, Any]], datetime | None],
    compiled: dict[str, Any] | None = None,
) -> MappedPage:
    """Normalised CRM records (ids and values already cleaned by the adapter) → canonical rows.

    A record whose value does not fit its column becomes a :class:`RecordError` naming the
    stream, the record id and the column; the rest of the page still loads.
    """
    cache = compiled if compiled is not None else {}
    routes: list[_Compiled] = cache.get(spec.name) or [_Compiled(r, spec.fields) for r in spec.routes]
    cache[spec.name] = routes
    rows: dict[str, list[dict[str, Any]]] = {entity: [] for entity in spec.entities}
    errors: list[RecordError] = []
    for record in records:
        route = next((r for r in routes if r.route.accepts(record)), None)
        if route is None:
            continue
        row: dict[str, Any] = dict(route.defaults)
        rid = record.get("id")
        try:
            for name, value in route.constants:
                row[name] = value
            for name, rule, column, convert in route.columns:
                try:
                    value = _raw(rule, record)
                    if rule.scale is not None and value is not None and value is not False:
                        value = float(value) * rule.scale
                    row[name] = convert(value)
                except (TypeError, ValueError) as exc:
                    raise _ColumnProblem(name, rule.field or "+".join(rule.join), str(exc)) from None
            row["modified_at"] = modified(record)
            row["external_id"] = str(row["external_id"]) if row.get("external_id") is not None else None
            if row["external_id"] is None:
                raise _ColumnProblem("external_id", "id", "the record has no id")
            for name, _rule, column, _b in route.columns:
                if row[name] is None and not column.nullable:
                    if route.fallbacks.get(name) is None:
                        raise _ColumnProblem(name, _rule.field or "+".join(_rule.join), "is empty but required")
                    row[name] = route.fallbacks[name]
            row["attributes"] = {f: _json_safe(record.get(f)) for f in route.unused if f in record}
        except _ColumnProblem as problem:
            errors.append(RecordError(
                where=spec.name, row=None, column=problem.column,
                message=f"field {problem.field!r}: {problem.message}", record_id=None if rid is None else str(rid),
            ))
            continue
        rows[route.route.entity].append(row)
    return MappedPage(rows=rows, errors=errors)


class _ColumnProblem(Exception):
    def __init__(self, column: str, field: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.field = field
        self.message = message
