"""Mapping files: how a CRM's own CSV / JSON Lines export becomes canonical rows, without code.

An admin describes, per canonical entity, which export file to read, which export column feeds
which canonical column, constants for what the export lacks, simple value maps
(``Closed Won`` → ``won``) and timestamp formats. The file is checked as a whole when loaded, and
every problem names the file, line and key path, with a did-you-mean where a name is close.
See ``docs/file-source.md`` for the format.
"""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from sqlalchemy import Table

from connector.coerce import coerce_column, loadable_columns, required_columns
from connector.errors import SourceDataError
from store import tables
from store.types import UTCDateTime

__all__ = [
    "EntityMapping",
    "Mapping",
    "MappingError",
    "ValueMap",
    "did_you_mean",
    "entity_table",
    "key_column",
    "load_mapping",
    "parse_mapping",
]

_TOP_KEYS = ("version", "description", "delimiter", "encoding", "timezone", "entities")
_ENTITY_KEYS = ("file", "columns", "constants", "values", "formats", "keep_unmapped")
_SUFFIXES = (".csv", ".jsonl")
Scalar = str | int | float | bool | None


class MappingError(SourceDataError):
    """The mapping file itself is wrong; the message names the file, line and key path."""


def entity_table(entity: str) -> Table:
    """The store table a stream or mapped entity loads into."""
    return tables.sample_truth if entity == "sample_truth" else tables.ENTITY_TABLES[entity]


def key_column(entity: str) -> str:
    """The column that identifies a record of ``entity`` within its source."""
    return "customer_external_id" if entity == "sample_truth" else "external_id"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class ValueMap:
    """Export value → canonical value. Keys match the export's text exactly; a YAML boolean key
    (``true:``) matches any spelling of that boolean (``True``, ``TRUE``, ``true``)."""

    exact: dict[str, Scalar]
    booleans: dict[bool, Scalar]

    def __bool__(self) -> bool:
        return bool(self.exact or self.booleans)


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    file: str  # relative to the export folder
    columns: dict[str, tuple[str, ...]]  # canonical column -> export column(s), joined by a space
    constants: dict[str, Scalar] = field(default_factory=dict)
    values: dict[str, ValueMap] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    keep_unmapped: bool = True  # unmapped export columns go to attributes
    where: str = ""  # "odoo-export.yaml entities.orders", for messages

    def origin(self, canonical: str) -> str:
        """Where a canonical column's mapping is written, e.g. ``odoo-export.yaml entities.orders.columns.amount``."""
        return f"{self.where}.columns.{canonical}"


@dataclass(frozen=True)
class Mapping:
    name: str  # the mapping file's name, for messages
    entities: dict[str, EntityMapping]
    description: str = ""
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timezone: str | None = None  # zone of timestamps without an offset; UTC when unset


class _Checker:
    """Walks the parsed YAML, collecting every problem with its line and key path."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def fail(self, node: Any, key: Any, path: str, message: str) -> None:
        line = _line(node, key)
        where = f"{self.name}:{line}" if line else self.name
        self.problems.append(f"{where}: {path}: {message}")

    def mapping(self, node: Any, key: Any, path: str, value: Any, what: str) -> dict[Any, Any] | None:
        if isinstance(value, dict):
            return value
        self.fail(node, key, path, f"expected {what}, found {_kind(value)}")
        return None

    def known_keys(self, node: dict[Any, Any], path: str, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in node:
            if key not in allowed:
                self.fail(node, key, f"{path}.{key}" if path else str(key),
                          f"unknown key {key!r}{did_you_mean(str(key), allowed)}; expected one of {', '.join(allowed)}")


def _line(node: Any, key: Any) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        return int(lc.key(key)[0]) + 1 if key is not None else int(lc.line) + 1
    except (KeyError, TypeError, AttributeError):
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _plain(value: Any) -> Any:
    """ruamel's scalar subclasses as plain Python values."""
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; raises :class:`MappingError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: the mapping file is not UTF-8 text ({exc.reason})") from exc
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "not valid YAML"
        # At the end of the file, the place that was left open (an unclosed bracket) is the useful one.
        ran_off = "stream end" in problem or "end of stream" in problem
        mark = (exc.context_mark if ran_off and exc.context_mark else exc.problem_mark) or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise MappingError(f"{path}{line}: not valid YAML: {problem}") from exc
    except YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    return parse_mapping(data, name=str(path))


def parse_mapping(data: Any, *, name: str = "<mapping>") -> Mapping:
    """Validate an already parsed mapping document (a dict, or ruamel's line-aware one)."""
    check = _Checker(name)
    if not isinstance(data, dict):
        raise MappingError(f"{name}: expected a mapping with an 'entities' key, found {_kind(data)}")
    check.known_keys(data, "", _TOP_KEYS)
    version = data.get("version", 1)
    if version != 1:
        check.fail(data, "version", "version", f"unsupported version {version!r}; this crmscore reads version 1")
    delimiter = _plain(data.get("delimiter", ","))
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        check.fail(data, "delimiter", "delimiter", f"expected a single character such as ',' or ';', found {_kind(delimiter)}")
    encoding = _plain(data.get("encoding", "utf-8-sig"))
    try:
        codecs.lookup(str(encoding))
    except LookupError:
        check.fail(data, "encoding", "encoding", f"unknown text encoding {encoding!r} (e.g. utf-8, cp1252, latin-1)")
    timezone = _plain(data.get("timezone"))
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            check.fail(data, "timezone", "timezone", f"unknown time zone {timezone!r} (use an IANA name such as Europe/Brussels)")

    entities: dict[str, EntityMapping] = {}
    body = check.mapping(data, "entities", "entities", data.get("entities"), "a mapping of entity names")
    if body is not None and not body:
        check.fail(data, "entities", "entities", "maps no entity; name at least one, e.g. customers")
    known = [*tables.ENTITY_TABLES, "sample_truth"]
    for entity, spec in (body or {}).items():
        path = f"entities.{entity}"
        if entity not in known:
            check.fail(body, entity, path, f"unknown entity {entity!r}{did_you_mean(str(entity), known)}; entities are {', '.join(known)}")
            continue
        parsed = _entity(check, body, str(entity), spec, name)
        if parsed is not None:
            entities[str(entity)] = parsed

    if check.problems:
        raise MappingError("; ".join(check.problems))
    return Mapping(
        name=Path(name).name,
        entities=entities,
        description=str(_plain(data.get("description", "")) or ""),
        delimiter=str(delimiter),
        encoding=str(encoding),
        timezone=str(timezone) if timezone is not None else None,
    )


def _entity(check: _Checker, parent: Any, entity: str, spec: Any, name: str) -> EntityMapping | None:
    path = f"entities.{entity}"
    spec = check.mapping(parent, entity, path, spec, "a mapping with 'file' and 'columns'")
    if spec is None:
        return None
    before = len(check.problems)
    check.known_keys(spec, path, _ENTITY_KEYS)
    table = entity_table(entity)
    canonical = list(loadable_columns(table))

    file = _plain(spec.get("file"))
    if not isinstance(file, str) or not file.strip():
        check.fail(spec, "file" if "file" in spec else None, f"{path}.file", "name the export file to read, e.g. file: contacts.csv")
    elif PurePosixPath(file).is_absolute() or ".." in PurePosixPath(file).parts:
        check.fail(spec, "file", f"{path}.file", f"{file!r} must be a path inside the export folder")
    elif not file.lower().endswith(_SUFFIXES):
        check.fail(spec, "file", f"{path}.file", f"{file!r} is neither a .csv nor a .jsonl file")

    def names_ok(node: dict[Any, Any], sub: str) -> dict[str, Any]:
        ok: dict[str, Any] = {}
        for col, value in node.items():
            if col not in canonical:
                check.fail(node, col, f"{path}.{sub}.{col}",
                           f"unknown column {col!r} of {entity}{did_you_mean(str(col), canonical)}; columns are {', '.join(canonical)}")
            else:
                ok[str(col)] = value
        return ok

    columns: dict[str, tuple[str, ...]] = {}
    col_node = check.mapping(spec, "columns", f"{path}.columns", spec.get("columns"), "a mapping of canonical column: export column")
    for col, source in names_ok(col_node or {}, "columns").items():
        sources = [source] if isinstance(source, str) else source
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s for s in sources):
            check.fail(col_node, col, f"{path}.columns.{col}", f"expected an export column name (or a list of them), found {_kind(source)}")
            continue
        columns[col] = tuple(str(s) for s in sources)

    constants: dict[str, Scalar] = {}
    const_node = spec.get("constants", {})
    if check.mapping(spec, "constants", f"{path}.constants", const_node, "a mapping of canonical column: value") is not None:
        for col, value in names_ok(const_node, "constants").items():
            if not _is_scalar(value):
                check.fail(const_node, col, f"{path}.constants.{col}", f"expected a single value, found {_kind(value)}")
            elif col in columns:
                check.fail(const_node, col, f"{path}.constants.{col}", f"{col!r} is also mapped under columns; keep one")
            elif value is not None and (problem := coerce_column(table.c[col], pd.Series([_plain(value)], dtype=object)).reasons):
                check.fail(const_node, col, f"{path}.constants.{col}", problem[0])
            else:
                constants[col] = _plain(value)

    values: dict[str, ValueMap] = {}
    values_node = spec.get("values", {})
    if check.mapping(spec, "values", f"{path}.values", values_node, "a mapping of canonical column: value map") is not None:
        for col, vmap in names_ok(values_node, "values").items():
            where = f"{path}.values.{col}"
            if col not in columns:
                check.fail(values_node, col, where, f"{col!r} is not mapped under columns, so it has no export values to translate")
            elif check.mapping(values_node, col, where, vmap, "a mapping of export value: canonical value") is not None:
                values[col] = _value_map(check, vmap, where)

    formats: dict[str, str] = {}
    formats_node = spec.get("formats", {})
    if check.mapping(spec, "formats", f"{path}.formats", formats_node, "a mapping of canonical column: strptime format") is not None:
        for col, fmt in names_ok(formats_node, "formats").items():
            where = f"{path}.formats.{col}"
            if not isinstance(table.c[col].type, UTCDateTime):
                check.fail(formats_node, col, where, f"{col!r} is not a timestamp column; formats apply to timestamps only")
            elif col not in columns:
                check.fail(formats_node, col, where, f"{col!r} is not mapped under columns")
            elif not isinstance(fmt, str) or "%" not in fmt:
                check.fail(formats_node, col, where, f"expected a strptime format such as '%d/%m/%Y %H:%M', found {_kind(fmt)}")
            else:
                formats[col] = str(fmt)

    keep = _plain(spec.get("keep_unmapped", True))
    if not isinstance(keep, bool):
        check.fail(spec, "keep_unmapped", f"{path}.keep_unmapped", f"expected true or false, found {_kind(keep)}")

    key = key_column(entity)
    if col_node is not None and key not in columns and key not in constants:
        check.fail(spec, "columns", f"{path}.columns", f"map {key!r} from the export's id column: it is how records are matched on every load")
    elif key in constants:
        check.fail(const_node, key, f"{path}.constants.{key}", f"{key!r} must come from an export column, not a constant")
    for col in required_columns(table):
        if col != key and col not in columns and col not in constants and col_node is not None:
            check.fail(spec, "columns", f"{path}.columns", f"required column {col!r} is not mapped (map an export column to it or set it under constants)")

    if len(check.problems) > before:
        return None
    return EntityMapping(
        entity=entity,
        file=str(file),
        columns=columns,
        constants=constants,
        values=values,
        formats=formats,
        keep_unmapped=bool(keep),
        where=f"{Path(name).name} {path}",
    )


def _value_map(check: _Checker, node: dict[Any, Any], where: str) -> ValueMap:
    exact: dict[str, Scalar] = {}
    booleans: dict[bool, Scalar] = {}
    for key, value in node.items():
        if not _is_scalar(value) or not _is_scalar(key) or key is None:
            check.fail(node, key, f"{where}.{key}", f"expected export value: canonical value, found {_kind(value)}")
        elif isinstance(key, bool):
            booleans[key] = _plain(value)
        else:
            exact[str(_plain(key))] = _plain(value)
    return ValueMap(exact, booleans)
