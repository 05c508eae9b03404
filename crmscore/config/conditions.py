"""Semantic checks of condition trees and message templates (alert rules, segment rules).

The schema guarantees each key has the right type; this checks what it cannot: a condition is
exactly one form, fields exist (with a did-you-mean), operators suit the field and the value, and
trends name a field whose history is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmscore.config.schema import Finding, Path, did_you_mean
from scoring.alerts.evaluate import PLACEHOLDER, TEMPLATE_EXTRAS
from scoring.conditions import TEXT_OPERATORS, UNARY_OPERATORS
from scoring.customer_fields import (
    AFTER_SCORING,
    condition_fields,
    is_text_field,
    trend_fields,
)

__all__ = ["condition_findings", "template_findings"]

_FORMS = ("field", "trend", "all", "any", "not")
_ORDERING = ("<", "<=", ">", ">=")


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _field(name: Any, path: Path, keys: list[str], for_segments: bool) -> Iterator[Finding]:
    if not isinstance(name, str):
        return
    known = condition_fields(keys, for_segments=for_segments)
    if name in known:
        return
    if for_segments and name in AFTER_SCORING or (for_segments and name.endswith(".points")):
        yield Finding(path, f"segment rules cannot use {name!r}: it is computed after segments are assigned")
        return
    yield Finding(path, f"unknown field {name!r}{did_you_mean(name, known)}")


KnownValues = dict[str, set[str]]


def _values(field: str, value: Any, path: Path, known: KnownValues) -> Iterator[Finding]:
    """Text values that no customer can have (a band, segment or scorecard that does not exist)."""
    names = known.get(field)
    if names is None:
        return
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for j, item in items:
        if isinstance(item, str) and item not in names:
            where = path + ("value",) + (() if j is None else (j,))
            yield Finding(where, f"no {field} is called {item!r}{did_you_mean(item, sorted(names))}")


def _row(
    node: dict[str, Any], path: Path, keys: list[str], for_segments: bool, known: KnownValues | None = None
) -> Iterator[Finding]:
    yield from _field(node.get("field"), path + ("field",), keys, for_segments)
    if "other" in node:
        yield from _field(node.get("other"), path + ("other",), keys, for_segments)
    op, field = node.get("op"), node.get("field")
    has_value, has_other = "value" in node, "other" in node
    if op in UNARY_OPERATORS:
        for extra in ("value", "other"):
            if extra in node:
                yield Finding(path + (extra,), f"{op} takes no {extra}", at_key=True)
        return
    if not isinstance(op, str):
        return
    if has_value == has_other:
        yield Finding(path, f"operator {op!r} needs either `value` or `other` (exactly one)", at_key=True)
        return
    text = isinstance(field, str) and is_text_field(field)
    if text and op not in TEXT_OPERATORS:
        yield Finding(path + ("op",), f"{field!r} is text; use one of {', '.join(TEXT_OPERATORS)}")
        return
    if not has_value:
        if op in ("in", "not_in"):
            yield Finding(path + ("other",), f"{op} compares with a list of values; use `value`", at_key=True)
        return
    value = node["value"]
    if text and isinstance(field, str) and known:
        yield from _values(field, value, path, known)
    if op in ("in", "not_in"):
        if not isinstance(value, list):
            yield Finding(path + ("value",), f"{op} needs a list of values, e.g. [a, b]")
        return
    if isinstance(value, list):
        yield Finding(path + ("value",), f"a list only works with in / not_in, not {op!r}")
    elif op in _ORDERING and not _num(value):
        yield Finding(path + ("value",), f"{op!r} needs a number, got {value!r}")
    elif text and _num(value):
        yield Finding(path + ("value",), f"{field!r} is text; compare it with text, not {value!r}")
    elif isinstance(field, str) and not text and isinstance(value, str):
        yield Finding(path + ("value",), f"{field!r} is a number; compare it with a number, not {value!r}")


def _trend(node: dict[str, Any], path: Path, keys: list[str], for_segments: bool) -> Iterator[Finding]:
    if for_segments:
        yield Finding(path + ("trend",), "segment rules cannot use trends: segments are decided from the current run", at_key=True)
        return
    name = node.get("trend")
    allowed = trend_fields(keys)
    if isinstance(name, str) and name not in allowed:
        yield Finding(
            path + ("trend",),
            f"no history is kept for {name!r}; trends work on health_score, an indicator key or <key>.score"
            + did_you_mean(name, allowed),
        )
    if ("dropped_by" in node) == ("rose_by" in node):
        yield Finding(path, "a trend needs either `dropped_by` or `rose_by` (exactly one)", at_key=True)


def condition_findings(
    node: Any, path: Path, keys: list[str], *, for_segments: bool = False, known: KnownValues | None = None
) -> Iterator[Finding]:
    """Every problem in the condition tree at ``path``; ``known`` lists the possible values of
    text fields (band, segment, scorecard) so that a misspelt value is caught."""
    if not isinstance(node, dict):
        return
    forms = [f for f in _FORMS if f in node]
    if len(forms) > 1:
        yield Finding(
            path,
            f"a condition is one of: a field row, a trend, all, any or not; this one mixes {' and '.join(repr(f) for f in forms)}",
            at_key=True,
        )
        return
    if not forms:
        return  # the schema reports the keys that need company (op without field, ...)
    form = forms[0]
    if form in ("all", "any") and isinstance(node[form], list):
        for i, item in enumerate(node[form]):
            yield from condition_findings(item, path + (form, i), keys, for_segments=for_segments, known=known)
    elif form == "not":
        yield from condition_findings(node["not"], path + ("not",), keys, for_segments=for_segments, known=known)
    elif form == "field":
        yield from _row(node, path, keys, for_segments, known)
    else:
        yield from _trend(node, path, keys, for_segments)


def template_findings(text: str, path: Path, keys: list[str]) -> Iterator[Finding]:
    """Unknown ``{names}`` in a message or task subject."""
    known = [*TEMPLATE_EXTRAS, *condition_fields(keys)]
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in known:
            yield Finding(path, f"unknown placeholder {{{name}}}{did_you_mean(name, known)}", offset=match.start())
