"""The formula layers of config checking: cycles between formulas, then compiling each one.

Formulas are compiled by :mod:`scoring.formula` — the same compiler the engine uses — so a formula
that passes here cannot fail at scoring time. A :class:`FormulaError` carries the column inside the
formula; it becomes a finding on ``$.indicators[i].expression`` whose ``offset`` lets the loader
point at the exact character in the YAML file as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crmscore.config.schema import Finding
from scoring.fields import FIELDS
from scoring.formula import FormulaError, compile_formula

__all__ = ["formula_compile_findings", "formula_cycle_findings"]

FORMULA = "formula"


def _formulas(doc: Any) -> tuple[list[str], dict[str, tuple[int, str]]]:
    """All indicator keys, and key → (position, expression) of the formula indicators."""
    items = doc.get("indicators") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return [], {}
    keys = [d["key"] for d in items if isinstance(d, dict) and isinstance(d.get("key"), str)]
    formulas = {
        d["key"]: (i, d["expression"])
        for i, d in enumerate(items)
        if isinstance(d, dict) and d.get("kind") == FORMULA and isinstance(d.get("key"), str) and isinstance(d.get("expression"), str)
    }
    return keys, formulas


def _references(expression: str, allowed: set[str]) -> set[str] | None:
    try:
        return set(compile_formula(expression, allowed).names)
    except FormulaError:
        return None  # reported by the compile layer


def formula_cycle_findings(doc: Any) -> list[Finding]:
    """One finding per cycle of formulas referring to each other, at the cycle's first formula."""
    keys, formulas = _formulas(doc)
    allowed = set(keys) | set(FIELDS)
    edges = {k: sorted((_references(expr, allowed) or set()) & formulas.keys()) for k, (_, expr) in formulas.items()}
    found: list[Finding] = []
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    first = min(cycle[:-1], key=lambda k: formulas[k][0])
                    found.append(
                        Finding(
                            ("indicators", formulas[first][0], "expression"),
                            "formulas refer to each other in a cycle: " + " → ".join(_rotate(cycle[:-1], first)),
                        )
                    )
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for key in sorted(formulas, key=lambda k: formulas[k][0]):
        if key not in state:
            visit(key, [])
    return found


def _rotate(cycle: list[str], first: str) -> list[str]:
    i = cycle.index(first)
    ring = cycle[i:] + cycle[:i]
    return ring + [first]


def formula_compile_findings(doc: Any) -> Iterator[Finding]:
    """Every formula that does not compile, with the column inside the formula."""
    keys, formulas = _formulas(doc)
    allowed = set(keys) | set(FIELDS)
    for _, (i, expression) in sorted(formulas.items(), key=lambda kv: kv[1][0]):
        try:
            compile_formula(expression, allowed)
        except FormulaError as exc:
            yield Finding(
                ("indicators", i, "expression"),
                f"formula column {exc.column}: {exc.message}",
                offset=exc.column - 1,
            )
