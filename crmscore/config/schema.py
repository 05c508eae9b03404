"""The JSON Schema layer: every schema error, reworded for admins.

jsonschema's own messages are written for developers ("Additional properties are not allowed
('wieght' was unexpected)"); admins get one message per problem, at the path of the offending key,
with a did-you-mean where a close spelling exists. Wording lives here, keyed by the failing keyword,
so the schema itself stays a plain, renderable Draft 2020-12 document.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from crmscore.config.paths import SCHEMA_PATH

__all__ = ["Finding", "closest", "did_you_mean", "load_schema", "schema_findings"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A problem at a JSON path, before it is given a file position."""

    path: Path
    message: str
    at_key: bool = False  # position at the key itself rather than at its value
    suggests: str | None = field(default=None, compare=False)  # key a did-you-mean points to
    missing: str | None = field(default=None, compare=False)  # key reported as missing
    offset: int | None = field(default=None, compare=False)  # 0-based character inside a text value


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema(), format_checker=FormatChecker())


def closest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    best = closest(word, candidates)
    return f" (did you mean {best!r}?)" if best else ""


_LIST_AT_MOST = 10  # enum options listed in a message; beyond this only the suggestion is shown

_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "a mapping of keys to values",
    "boolean": "true or false",
    "null": "null",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{type(value).__name__} {value!s} (quote it if it is meant as text)"


def _types(value: str | Sequence[str]) -> str:
    names = [value] if isinstance(value, str) else list(value)
    return " or ".join(_TYPE_WORDS.get(n, n) for n in names)


def _discriminator(instance: Any) -> str:
    if isinstance(instance, dict):
        for key in ("method", "kind", "policy"):
            if isinstance(instance.get(key), str):
                return f" when {key} is {instance[key]!r}"
    return ""


def _needed_with(key: str, dependencies: dict[str, list[str]], inst: dict[str, Any]) -> str:
    return ", ".join(repr(p) for p, needs in dependencies.items() if p in inst and key in needs)


def _reword(e: ValidationError, root: Any) -> list[Finding]:
    path: Path = tuple(e.absolute_path)
    v, value, inst = e.validator, e.validator_value, e.instance
    schema = e.schema if isinstance(e.schema, dict) else {}
    if v == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        return [
            Finding(path + (k,), f"unknown key {k!r}{did_you_mean(k, allowed)}", True, suggests=closest(k, allowed))
            for k in inst
            if k not in allowed
        ]
    if v == "dependentRequired":
        return [
            Finding(path, f"missing required key {k!r} (needed with {_needed_with(k, value, inst)})", True, missing=k)
            for needs in value.values()
            for k in needs
            if k not in inst
        ][:1]
    if v == "required":
        return [Finding(path, f"missing required key {k!r}", True, missing=k) for k in value if k not in inst]
    if v == "not" and value == {}:
        parent = _at(root, path[:-1])
        return [Finding(path, f"key {path[-1]!r} does not apply{_discriminator(parent)}", at_key=True)]
    if v == "type":
        return [Finding(path, f"expected {_types(value)}, got {_describe(inst)}", at_key=isinstance(inst, (dict, list)))]
    if v == "enum":
        hint = did_you_mean(inst, [o for o in value if isinstance(o, str)]) if isinstance(inst, str) else ""
        shown = repr(inst) if isinstance(inst, str) else _describe(inst)
        if hint and len(value) > _LIST_AT_MOST:  # a long list buries the one suggestion that matters
            return [Finding(path, f"{shown} is not one of the {len(value)} allowed values{hint}")]
        options = ", ".join(repr(o) for o in value)
        return [Finding(path, f"{shown} is not one of {options}{hint}")]
    if v == "const":
        return [Finding(path, f"must be {value!r}, got {_describe(inst)}")]
    if v == "pattern":
        return [Finding(path, f"{inst!r} {schema.get('x-errorMessage', f'does not match {value}')}")]
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
    }
    if v in bounds:
        return [Finding(path, f"must be {bounds[v]} {value}, got {inst!r}")]
    if v == "minItems":
        return [Finding(path, f"needs at least {value} item(s), has {len(inst)}", at_key=True)]
    if v == "maxItems":
        return [Finding(path, f"allows at most {value} items, has {len(inst)}", at_key=True)]
    if v == "minLength":
        return [Finding(path, "must not be empty" if value == 1 else f"must be at least {value} characters")]
    if v == "maxLength":
        return [Finding(path, f"must be at most {value} characters, has {len(inst)}")]
    if v == "uniqueItems":
        return [Finding(path, "must not list the same item twice", at_key=True)]
    return [Finding(path, e.message)]


def _at(root: Any, path: Path) -> Any:
    node = root
    for part in path:
        node = node[part]
    return node


def schema_findings(doc: Any) -> list[Finding]:
    """Every schema violation in ``doc``, reworded; duplicates removed."""
    findings: list[Finding] = []
    for error in _validator().iter_errors(doc):
        findings.extend(_reword(error, doc))
    # "unknown key 'wieght' (did you mean 'weight'?)" already explains the missing 'weight'.
    suggested = {(f.path[:-1], f.suggests) for f in findings if f.suggests}
    unique: dict[tuple[Path, str], Finding] = {}
    for f in findings:
        if f.missing is None or (f.path, f.missing) not in suggested:
            unique.setdefault((f.path, f.message), f)
    return list(unique.values())
