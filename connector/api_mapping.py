"""Mappings for CRM APIs: which CRM module/model feeds which canonical entity, column by column.

A *stream* is one CRM module (SuiteCRM ``Accounts``) or model (Odoo ``res.partner``). Its spec
names the fields to request (in order: SuiteCRM checks them, replay tests compare them), and one
or more *routes* into canonical entities: Odoo keeps companies and their contact persons in the
same model, so ``res.partner`` routes rows without a parent to ``customers`` and the others to
``contacts``. Each canonical column comes from a rule:

* ``"email1"``                              the field's value
* ``{field: country_id, part: name}``        the display name of a many2one (``part: id`` is the default)
* ``{join: [first_name, last_name]}``        non-empty values joined with a space
* ``{field: sales_stage, values: {...}, default: open}``  a value map (unmapped values give ``default``)
* ``{field: parent_id, when: {field: parent_type, in: [Accounts]}}``  only when another field matches
* ``{field: amount_total_signed, scale: -1}``  a number times a constant

Defaults ship in Python with each adapter (they must follow the CRM's version); admins override
any stream from the sources file, including custom fields. Every CRM field that no column uses is
kept in ``attributes``, so nothing is dropped. Applying a spec to records is
:func:`connector.api_rows.map_records`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.coerce import loadable_columns, required_columns
from connector.errors import shorten
from connector.mapping import MappingError, did_you_mean, entity_table
from store import tables

__all__ = ["MODIFIED_FIELDS", "ColumnRule", "Route", "StreamSpec", "is_empty", "merge_spec", "pair_part", "parse_stream"]

Scalar = str | int | float | bool | None
MODIFIED_FIELDS = frozenset({"date_modified", "write_date"})
_RULE_KEYS = ("field", "join", "part", "values", "default", "when", "scale")
_STREAM_KEYS = (
    "remote", "fields", "extra_fields", "entity", "columns", "constants", "routes", "domain", "filter",
    "enabled", "sort", "reconcile_field",
)


@dataclass(frozen=True)
class ColumnRule:
    field: str | None = None
    join: tuple[str, ...] = ()
    part: str = "id"  # for [id, name] pairs: which half
    values: Mapping[str, Scalar] | None = None
    default: Scalar = None
    when_field: str | None = None
    when_in: tuple[str, ...] = ()
    scale: float | None = None

    def sources(self) -> tuple[str, ...]:
        return self.join or ((self.field,) if self.field else ())


@dataclass(frozen=True)
class Route:
    entity: str
    columns: Mapping[str, ColumnRule]
    constants: Mapping[str, Scalar] = field(default_factory=dict)
    when_field: str | None = None
    when_empty: bool | None = None  # route rows whose when_field is empty (True) or set (False) ...
    when_in: tuple[str, ...] = ()  # ... or has one of these values

    def accepts(self, record: Mapping[str, Any]) -> bool:
        if self.when_field is None:
            return True
        value = record.get(self.when_field)
        if self.when_in:
            return not is_empty(value) and str(pair_part(value, "id")) in self.when_in
        return is_empty(value) == self.when_empty


@dataclass(frozen=True)
class StreamSpec:
    """One CRM module/model and where its records go."""

    name: str
    remote: str
    fields: tuple[str, ...]
    routes: tuple[Route, ...]
    domain: tuple[Any, ...] = ()  # Odoo: extra domain leaves ANDed to the window
    filter: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # SuiteCRM: filter[f][op]=v
    enabled: bool = True
    reconcile_field: str | None = None  # SuiteCRM: a cheap field to list ids with

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.entity for r in self.routes))

    def used_fields(self) -> set[str]:
        used: set[str] = set()
        for route in self.routes:
            for rule in route.columns.values():
                used.update(rule.sources())
            if route.when_field:
                used.add(route.when_field)
        return used


def pair_part(value: Any, part: str) -> Any:
    """Odoo's many2one ``[id, name]`` (and SuiteCRM's nothing-like values) reduced to one part."""
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return str(value[0]) if part == "id" else value[1]
    return value


def is_empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


# ---- parsing -------------------------------------------------------------------------------


def merge_spec(default: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stream's default spec with an admin's override laid over it.

    ``columns`` and ``constants`` merge key by key (so one custom column can be added); ``fields``
    replaces the list; ``extra_fields`` appends to it; anything else replaces the default.
    """
    merged = copy.deepcopy(dict(default))
    for key, value in (override or {}).items():
        if key in ("columns", "constants") and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        elif key == "extra_fields" and isinstance(value, list):
            merged["fields"] = [*merged.get("fields", []), *[v for v in value if v not in merged.get("fields", [])]]
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_stream(name: str, spec: Mapping[str, Any], *, where: str) -> StreamSpec:
    """Validate one stream spec; every problem is reported with its key path in one MappingError."""
    problems: list[str] = []

    def fail(path: str, message: str) -> None:
        problems.append(f"{where}.{path}: {message}" if path else f"{where}: {message}")

    if not isinstance(spec, Mapping):
        raise MappingError(f"{where}: expected a mapping with 'remote', 'fields' and 'columns'")
    for key in spec:
        if key not in _STREAM_KEYS:
            fail(str(key), f"unknown key {key!r}{did_you_mean(str(key), _STREAM_KEYS)}; expected one of {', '.join(_STREAM_KEYS)}")
    remote = spec.get("remote")
    if not isinstance(remote, str) or not remote:
        fail("remote", "name the CRM module or model, e.g. Accounts or res.partner")
    fields = spec.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
        fail("fields", "expected a list of CRM field names")
        fields = []
    routes_spec: list[Mapping[str, Any]]
    if "routes" in spec:
        if "entity" in spec or "columns" in spec:
            fail("routes", "give either 'entity' + 'columns' or 'routes', not both")
        routes_spec = spec["routes"] if isinstance(spec["routes"], list) else []
        if not routes_spec:
            fail("routes", "expected a non-empty list of {entity, columns, when}")
    else:
        routes_spec = [{"entity": spec.get("entity"), "columns": spec.get("columns"), "constants": spec.get("constants", {})}]
    routes = []
    for i, route in enumerate(routes_spec):
        path = f"routes[{i}]" if "routes" in spec else ""
        parsed = _route(route, path, fail)
        if parsed is not None:
            routes.append(parsed)
    domain = spec.get("domain", [])
    if not isinstance(domain, list):
        fail("domain", "expected an Odoo domain: a list of [field, operator, value] leaves")
        domain = []
    flt = spec.get("filter", {})
    if not isinstance(flt, Mapping) or not all(isinstance(v, Mapping) for v in flt.values()):
        fail("filter", "expected {field: {operator: value}}, e.g. {account_type: {eq: Customer}}")
        flt = {}
    enabled = spec.get("enabled", True)
    if not isinstance(enabled, bool):
        fail("enabled", f"expected true or false, found {shorten(enabled)}")
    stream = StreamSpec(
        name=name,
        remote=str(remote or ""),
        fields=tuple(dict.fromkeys(fields)),
        routes=tuple(routes),
        domain=tuple(tuple(leaf) if isinstance(leaf, list) else leaf for leaf in domain),
        filter={str(k): {str(op): str(v) for op, v in ops.items()} for k, ops in flt.items()},
        enabled=bool(enabled),
        reconcile_field=spec.get("reconcile_field"),
    )
    # "id" always comes back; "_name" fields are computed by the adapter (Odoo's crm.lead "_status").
    missing = sorted(f for f in stream.used_fields() - set(stream.fields) if f != "id" and not f.startswith("_"))
    if fields and missing:
        fail("fields", f"columns use {', '.join(missing)}, which are not requested; add them to fields")
    if problems:
        raise MappingError("; ".join(problems))
    return stream


def _route(spec: Any, path: str, fail: Callable[[str, str], None]) -> Route | None:
    prefix = f"{path}." if path else ""
    if not isinstance(spec, Mapping):
        fail(path, "expected a mapping with 'entity' and 'columns'")
        return None
    entity = spec.get("entity")
    if entity not in tables.ENTITY_TABLES:
        fail(f"{prefix}entity", f"unknown entity {entity!r}{did_you_mean(str(entity), tables.ENTITY_TABLES)}; "
                                f"entities are {', '.join(tables.ENTITY_TABLES)}")
        return None
    table = entity_table(entity)
    known = loadable_columns(table)
    columns: dict[str, ColumnRule] = {}
    raw_columns = spec.get("columns") or {}
    if not isinstance(raw_columns, Mapping):
        fail(f"{prefix}columns", "expected a mapping of canonical column: CRM field")
        raw_columns = {}
    for col, rule in raw_columns.items():
        if col not in known:
            fail(f"{prefix}columns.{col}", f"unknown column {col!r} of {entity}{did_you_mean(str(col), known)}")
            continue
        parsed = _rule(rule, f"{prefix}columns.{col}", fail)
        if parsed is not None:
            columns[str(col)] = parsed
    constants = dict(spec.get("constants") or {})
    for col in constants:
        if col not in known:
            fail(f"{prefix}constants.{col}", f"unknown column {col!r} of {entity}{did_you_mean(str(col), known)}")
    if "external_id" not in columns:
        fail(f"{prefix}columns", "map 'external_id' (usually from 'id'): it is how records are matched")
    for col in required_columns(table):
        if col not in columns and col not in constants:
            fail(f"{prefix}columns", f"required column {col!r} of {entity} is not mapped")
    when = spec.get("when")
    when_field = when_empty = None
    when_in: tuple[str, ...] = ()
    if when is not None:
        if not isinstance(when, Mapping) or "field" not in when or not ({"empty", "set", "in"} & set(when)):
            fail(f"{prefix}when", "expected {field: NAME, empty: true}, {field: NAME, set: true} or {field: NAME, in: [values]}")
        elif "in" in when:
            if not isinstance(when["in"], list) or not when["in"]:
                fail(f"{prefix}when.in", "expected a non-empty list of values")
            else:
                when_field, when_in = str(when["field"]), tuple(str(v) for v in when["in"])
        else:
            when_field = str(when["field"])
            when_empty = bool(when["empty"]) if "empty" in when else not bool(when["set"])
    return Route(entity=str(entity), columns=columns, constants=constants, when_field=when_field,
                 when_empty=when_empty, when_in=when_in)


def _rule(spec: Any, path: str, fail: Callable[[str, str], None]) -> ColumnRule | None:
    if isinstance(spec, str) and spec:
        return ColumnRule(field=spec)
    if not isinstance(spec, Mapping):
        fail(path, f"expected a CRM field name or a rule mapping, found {shorten(spec)}")
        return None
    for key in spec:
        if key not in _RULE_KEYS:
            fail(f"{path}.{key}", f"unknown key {key!r}{did_you_mean(str(key), _RULE_KEYS)}; expected one of {', '.join(_RULE_KEYS)}")
    join = spec.get("join", [])
    if not isinstance(join, list) or not all(isinstance(j, str) for j in join):
        fail(f"{path}.join", "expected a list of CRM field names")
        join = []
    if not spec.get("field") and not join:
        fail(path, "name a 'field' (or a 'join' list) to read")
        return None
    part = spec.get("part", "id")
    if part not in ("id", "name"):
        fail(f"{path}.part", f"expected 'id' or 'name', found {shorten(part)}")
    values = spec.get("values")
    if values is not None and not isinstance(values, Mapping):
        fail(f"{path}.values", "expected a mapping of CRM value: canonical value")
        values = None
    when = spec.get("when")
    when_field = None
    when_in: tuple[str, ...] = ()
    if when is not None:
        if not isinstance(when, Mapping) or "field" not in when or not isinstance(when.get("in"), list):
            fail(f"{path}.when", "expected {field: NAME, in: [values]}")
        else:
            when_field, when_in = str(when["field"]), tuple(str(v) for v in when["in"])
    scale = spec.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int | float)):
        fail(f"{path}.scale", f"expected a number, found {shorten(scale)}")
        scale = None
    return ColumnRule(
        field=spec.get("field"),
        join=tuple(join),
        part=str(part),
        values={str(k): v for k, v in values.items()} if values else None,
        default=spec.get("default"),
        when_field=when_field,
        when_in=when_in,
        scale=float(scale) if scale is not None else None,
    )
