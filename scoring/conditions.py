"""Conditions as data: rows of (field, operator, value | other field) or trends, under all/any/not.

Alert rules and custom segment rules share this shape — the one Odoo domains and SuiteCRM workflow
rows use — so admins learn it once and nothing they write is ever code. A condition is evaluated
for every customer at once over a table of per-customer fields (float arrays, or object arrays of
text with None for missing).

Logic is three-valued, as in formulas: a comparison with a missing value is *unknown*; ``not
unknown`` is unknown; ``all`` is false if any part is false, ``any`` true if any part is true. Only
a definite *true* fires an alert or matches a segment rule, so a customer without an NPS answer
never matches ``nps < 7`` nor ``not (nps >= 7)``. ``is_missing``/``is_present`` are never unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NUMERIC_OPERATORS",
    "OPERATORS",
    "TEXT_OPERATORS",
    "UNARY_OPERATORS",
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "Not",
    "Trend",
    "evaluate",
    "holds",
    "parse_condition",
    "referenced_fields",
    "trends_in",
]

OPERATORS = ("<", "<=", ">", ">=", "==", "!=", "in", "not_in", "is_missing", "is_present")
NUMERIC_OPERATORS = OPERATORS
TEXT_OPERATORS = ("==", "!=", "in", "not_in", "is_missing", "is_present")
UNARY_OPERATORS = ("is_missing", "is_present")


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any = None  # a number, a text, or a tuple of them for in / not_in
    other: str | None = None  # compare with this field instead of a value


@dataclass(frozen=True)
class Trend:
    """``field`` dropped (or rose) by more than ``by`` within the last ``days`` days.

    The reference is the field's highest (for a drop) or lowest (for a rise) value in earlier
    scoring runs whose as_of lies in ``[as_of − days, as_of)``.
    """

    field: str
    change: str  # drop | rise
    by: float
    days: float


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Compare | Trend | AllOf | AnyOf | Not


def _value(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def parse_condition(d: Mapping[str, Any]) -> Condition:
    """Build from a validated config fragment (see the ``condition`` schema)."""
    if "all" in d:
        return AllOf(tuple(parse_condition(c) for c in d["all"]))
    if "any" in d:
        return AnyOf(tuple(parse_condition(c) for c in d["any"]))
    if "not" in d:
        return Not(parse_condition(d["not"]))
    if "trend" in d:
        change, by = ("drop", d["dropped_by"]) if "dropped_by" in d else ("rise", d["rose_by"])
        return Trend(field=d["trend"], change=change, by=float(by), days=float(d["days"]))
    return Compare(field=d["field"], op=d["op"], value=_value(d.get("value")), other=d.get("other"))


def _walk(c: Condition) -> Iterator[Condition]:
    yield c
    if isinstance(c, (AllOf, AnyOf)):
        for item in c.items:
            yield from _walk(item)
    elif isinstance(c, Not):
        yield from _walk(c.item)


def referenced_fields(c: Condition) -> set[str]:
    """Every field a condition reads (compared fields, ``other`` fields and trend fields)."""
    out: set[str] = set()
    for node in _walk(c):
        if isinstance(node, Compare):
            out.add(node.field)
            if node.other is not None:
                out.add(node.other)
        elif isinstance(node, Trend):
            out.add(node.field)
    return out


def trends_in(c: Condition) -> list[Trend]:
    return [node for node in _walk(c) if isinstance(node, Trend)]


# ---- evaluation: float arrays holding 1.0 (true), 0.0 (false) or NaN (unknown) --------------------

Fields = Mapping[str, np.ndarray]


def _is_text(values: np.ndarray) -> bool:
    return values.dtype == object


def _missing(values: np.ndarray) -> np.ndarray:
    if _is_text(values):
        missing: np.ndarray = pd.isna(values)
        return missing
    return np.isnan(values)


def _known(result: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, np.nan, result.astype(np.float64))


def _compare(c: Compare, fields: Fields) -> np.ndarray:
    left = fields[c.field]
    miss = _missing(left)
    if c.op == "is_missing":
        return miss.astype(np.float64)
    if c.op == "is_present":
        return (~miss).astype(np.float64)
    if c.other is not None:
        right: Any = fields[c.other]
        miss = miss | _missing(right)
    else:
        right = c.value
    if c.op in ("in", "not_in"):
        options = list(right) if isinstance(right, tuple) else [right]
        hit = pd.Series(left, dtype=object).isin(options).to_numpy(dtype=bool) if _is_text(left) else np.isin(left, options)
        return _known(hit if c.op == "in" else ~hit, miss)
    if _is_text(left):
        r_side = pd.Series(right, dtype=object) if isinstance(right, np.ndarray) else right
        eq = (pd.Series(left, dtype=object) == r_side).to_numpy(dtype=bool)
        return _known(eq if c.op == "==" else ~eq, miss)
    with np.errstate(invalid="ignore"):
        r = np.asarray(right, dtype=np.float64)
        out = {
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
            "==": np.equal,
            "!=": np.not_equal,
        }[c.op](left, r)
    return _known(np.asarray(out, dtype=bool), miss)


def _trend(c: Trend, fields: Fields, references: Mapping[Trend, np.ndarray]) -> np.ndarray:
    current = np.asarray(fields[c.field], dtype=np.float64)
    reference = references.get(c)
    if reference is None:  # no history available: nobody can have dropped
        return np.full(current.shape, np.nan)
    delta = reference - current if c.change == "drop" else current - reference
    with np.errstate(invalid="ignore"):
        return _known(delta > c.by, np.isnan(delta))


def _all(parts: Sequence[np.ndarray], n: int) -> np.ndarray:
    out = np.ones(n)
    for p in parts:
        out = np.where((out == 0) | (p == 0), 0.0, np.where(np.isnan(out) | np.isnan(p), np.nan, 1.0))
    return out


def _any(parts: Sequence[np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n)
    for p in parts:
        out = np.where((out == 1) | (p == 1), 1.0, np.where(np.isnan(out) | np.isnan(p), np.nan, 0.0))
    return out


def evaluate(
    c: Condition, fields: Fields, n: int, references: Mapping[Trend, np.ndarray] | None = None
) -> np.ndarray:
    """Per customer: 1.0 true, 0.0 false, NaN unknown. ``references`` holds each trend's history."""
    refs = references or {}
    if isinstance(c, Compare):
        return _compare(c, fields)
    if isinstance(c, Trend):
        return _trend(c, fields, refs)
    if isinstance(c, AllOf):
        return _all([evaluate(i, fields, n, refs) for i in c.items], n)
    if isinstance(c, AnyOf):
        return _any([evaluate(i, fields, n, refs) for i in c.items], n)
    inner = evaluate(c.item, fields, n, refs)
    return np.where(np.isnan(inner), np.nan, 1.0 - inner)


def holds(c: Condition, fields: Fields, n: int, references: Mapping[Trend, np.ndarray] | None = None) -> np.ndarray:
    """Where the condition is definitely true."""
    result: np.ndarray = evaluate(c, fields, n, references) == 1.0
    return result
