"""Admin formulas: parsed, checked against a whitelist, compiled to vectorised numpy — never eval'd.

An admin writes ``(revenue_12m - refunds_12m) / max(orders_12m, 1)``; that text is data. It is
parsed with :func:`ast.parse` (which only builds a tree and runs nothing), every node is checked
against a short whitelist, and the tree is compiled into a chain of numpy operations over whole
columns. Anything outside the whitelist is refused *before* any value is computed, with the
position of the offending token, so the admin sees where the problem is.

Value semantics (documented in docs/configuring.md):

* Every value is a float column; ``True``/``False`` are 1/0. Missing values are NaN.
* Missing in, missing out: arithmetic and comparisons with a missing operand give missing.
  ``and``/``or`` follow three-valued logic (``false and missing`` is false, ``true or missing`` is
  true); ``x if c else y`` is missing where ``c`` is missing. ``coalesce`` picks the first present.
* Division (and ``%``) by zero gives missing, never an error or an infinity.
* ``log`` and ``sqrt`` of values outside their domain give missing.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "CompiledFormula",
    "FormulaError",
    "compile_formula",
]

MAX_LENGTH = 1000
MAX_DEPTH = 32
MAX_EXPONENT = 10

Array = npt.NDArray[np.float64]
Env = Mapping[str, Array]
Node = Callable[[Env], Array]


@dataclass(frozen=True)
class FormulaError(Exception):
    """A formula was refused. ``column`` is 1-based, into the formula text."""

    formula: str
    column: int
    message: str

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"

    def caret(self) -> str:
        """The formula with a marker under the offending token, for CLI and forms."""
        return f"{self.formula}\n{' ' * (self.column - 1)}^"


def _nan_where(mask: npt.NDArray[np.bool_], values: Array) -> Array:
    return np.where(mask, np.nan, values)


def _div(a: Array, b: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_where(b == 0, a / b)


def _mod(a: Array, b: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_where(b == 0, np.mod(a, b))


def _log(a: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_where(a <= 0, np.log(a))


def _sqrt(a: Array) -> Array:
    with np.errstate(invalid="ignore"):
        return _nan_where(a < 0, np.sqrt(a))


def _compare(op: Callable[[Array, Array], npt.NDArray[np.bool_]]) -> Callable[[Array, Array], Array]:
    def run(a: Array, b: Array) -> Array:
        return _nan_where(np.isnan(a) | np.isnan(b), op(a, b).astype(np.float64))

    return run


def _truth(a: Array) -> Array:
    return _nan_where(np.isnan(a), (a != 0).astype(np.float64))


def _and(a: Array, b: Array) -> Array:
    a, b = _truth(a), _truth(b)
    false = (a == 0) | (b == 0)
    return np.where(false, 0.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 1.0))


def _or(a: Array, b: Array) -> Array:
    a, b = _truth(a), _truth(b)
    true = (a == 1) | (b == 1)
    return np.where(true, 1.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 0.0))


def _not(a: Array) -> Array:
    return 1.0 - _truth(a)


def _coalesce(*args: Array) -> Array:
    out = args[0].copy()
    for nxt in args[1:]:
        out = np.where(np.isnan(out), nxt, out)
    return out


def _min(*args: Array) -> Array:
    out = args[0]
    for nxt in args[1:]:
        out = np.minimum(out, nxt)  # NaN propagates: missing in, missing out
    return out


def _max(*args: Array) -> Array:
    out = args[0]
    for nxt in args[1:]:
        out = np.maximum(out, nxt)
    return out


def _clip(x: Array, lo: Array, hi: Array) -> Array:
    return np.minimum(np.maximum(x, lo), hi)


def _iif(cond: Array, yes: Array, no: Array) -> Array:
    c = _truth(cond)
    return np.where(np.isnan(c), np.nan, np.where(c == 1, yes, no))


# name -> (implementation, minimum arity, maximum arity or None for variadic, signature for messages)
FUNCTIONS: dict[str, tuple[Callable[..., Array], int, int | None, str]] = {
    "abs": (np.abs, 1, 1, "abs(x)"),
    "min": (_min, 2, None, "min(a, b, ...)"),
    "max": (_max, 2, None, "max(a, b, ...)"),
    "log": (_log, 1, 1, "log(x)"),
    "sqrt": (_sqrt, 1, 1, "sqrt(x)"),
    "clip": (_clip, 3, 3, "clip(x, low, high)"),
    "coalesce": (_coalesce, 2, None, "coalesce(a, b, ...)"),
    "iif": (_iif, 3, 3, "iif(condition, if_true, if_false)"),
}

_BINARY: dict[type[ast.operator], Callable[[Array, Array], Array]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: _div,
    ast.Mod: _mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Array, Array], Array]] = {
    ast.Eq: _compare(np.equal),
    ast.NotEq: _compare(np.not_equal),
    ast.Lt: _compare(np.less),
    ast.LtE: _compare(np.less_equal),
    ast.Gt: _compare(np.greater),
    ast.GtE: _compare(np.greater_equal),
}
_SYMBOL = {
    ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not",
    ast.In: "in", ast.NotIn: "not in",
}  # fmt: skip
_DESCRIBE = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.NamedExpr: "assignment (':=')",
    ast.JoinedStr: "f-string",
    ast.Starred: "unpacking ('*')",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


def _const(value: float) -> Node:
    return lambda env: np.float64(value)  # type: ignore[return-value]  # broadcasts like a column


class _Compiler:
    def __init__(self, text: str, names: Collection[str], lead: int) -> None:
        self.text = text
        self.lead = lead  # leading blanks stripped before parsing; added back to positions
        self.names = set(names)
        self.used: set[str] = set()

    def fail(self, node: ast.AST | None, message: str) -> FormulaError:
        column = getattr(node, "col_offset", 0) + 1 + self.lead if node is not None else 1
        return FormulaError(self.text, column, message)

    def compile(self, node: ast.AST, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"formula nests deeper than {MAX_DEPTH} levels")
        d = depth + 1
        match node:
            case ast.Constant(value=bool() | int() | float() as value):
                return _const(float(value))
            case ast.Constant(value=value):
                raise self.fail(node, f"only numbers are allowed as constants, not {type(value).__name__} {value!r}")
            case ast.Name(id=name):
                return self.name(node, name)
            case ast.BinOp(left=left, op=ast.Pow(), right=right):
                return self.power(node, left, right, d)
            case ast.BinOp(left=left, op=op, right=right) if type(op) in _BINARY:
                fn, lf, rf = _BINARY[type(op)], self.compile(left, d), self.compile(right, d)
                return lambda env: fn(lf(env), rf(env))
            case ast.BinOp(op=op) | ast.UnaryOp(op=op) if type(op) in _SYMBOL:
                raise self.fail(node, f"operator '{_SYMBOL[type(op)]}' is not allowed")
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                f = self.compile(operand, d)
                return lambda env: np.negative(f(env))
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return self.compile(operand, d)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                f = self.compile(operand, d)
                return lambda env: _not(f(env))
            case ast.BoolOp(op=op, values=values):
                return self.boolean(op, values, d)
            case ast.Compare(left=left, ops=ops, comparators=rights):
                return self.compare(node, left, ops, rights, d)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                t, y, n = self.compile(test, d), self.compile(body, d), self.compile(orelse, d)
                return lambda env: _iif(t(env), y(env), n(env))
            case ast.Call():
                return self.call(node, d)
        what = _DESCRIBE.get(type(node), type(node).__name__)
        raise self.fail(node, f"{what} is not allowed in a formula")

    def name(self, node: ast.AST, name: str) -> Node:
        if name.startswith("_"):
            raise self.fail(node, f"names starting with '_' are not allowed: '{name}'")
        if name in FUNCTIONS:
            raise self.fail(node, f"'{name}' is a function; call it as {FUNCTIONS[name][3]}")
        if name not in self.names:
            hint = difflib.get_close_matches(name, sorted(self.names), n=3)
            suffix = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
            raise self.fail(node, f"unknown name '{name}'{suffix}")
        self.used.add(name)
        return lambda env: env[name]

    def power(self, node: ast.AST, left: ast.expr, right: ast.expr, depth: int) -> Node:
        exponent = right
        sign = 1.0
        if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
            exponent, sign = exponent.operand, -1.0
        if not (
            isinstance(exponent, ast.Constant)
            and isinstance(exponent.value, (int, float))
            and not isinstance(exponent.value, bool)
            and abs(exponent.value) <= MAX_EXPONENT
        ):
            raise self.fail(right, f"the exponent of '**' must be a number between -{MAX_EXPONENT} and {MAX_EXPONENT}")
        power = sign * float(exponent.value)
        base = self.compile(left, depth)

        def run(env: Env) -> Array:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = np.power(base(env), power)
            return np.where(np.isfinite(out), out, np.nan)

        return run

    def boolean(self, op: ast.boolop, values: list[ast.expr], depth: int) -> Node:
        fn = _and if isinstance(op, ast.And) else _or
        parts = [self.compile(v, depth) for v in values]

        def run(env: Env) -> Array:
            out = parts[0](env)
            for part in parts[1:]:
                out = fn(out, part(env))
            return out

        return run

    def compare(self, node: ast.AST, left: ast.expr, ops: list[ast.cmpop], rights: list[ast.expr], depth: int) -> Node:
        for op in ops:
            if type(op) not in _COMPARE:
                raise self.fail(node, f"comparison '{_SYMBOL.get(type(op), type(op).__name__)}' is not allowed")
        terms = [self.compile(left, depth), *(self.compile(r, depth) for r in rights)]
        fns = [_COMPARE[type(op)] for op in ops]

        def run(env: Env) -> Array:  # a < b < c means a < b and b < c
            values = [term(env) for term in terms]
            out = fns[0](values[0], values[1])
            for i, fn in enumerate(fns[1:], start=1):
                out = _and(out, fn(values[i], values[i + 1]))
            return out

        return run

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, "only the listed functions can be called, by name")
        name = node.func.id
        if name not in FUNCTIONS:
            hint = difflib.get_close_matches(name, sorted(FUNCTIONS), n=3)
            suffix = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
            raise self.fail(node.func, f"unknown function '{name}'{suffix}; allowed: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise self.fail(node.keywords[0], f"{name}() takes no keyword arguments")
        fn, lo, hi, signature = FUNCTIONS[name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise self.fail(node, f"{signature} takes {lo if lo == hi else f'at least {lo}'} argument(s), got {len(node.args)}")
        args = [self.compile(a, depth) for a in node.args]
        return lambda env: fn(*(a(env) for a in args))


@dataclass(frozen=True)
class CompiledFormula:
    """A checked formula, ready to evaluate over columns of equal length."""

    text: str
    names: frozenset[str]
    _run: Node

    def evaluate(self, columns: Mapping[str, npt.ArrayLike], length: int | None = None) -> Array:
        """Evaluate over ``columns`` (every name the formula uses must be present)."""
        env = {n: np.asarray(columns[n], dtype=np.float64) for n in self.names}
        if length is None:
            length = len(next(iter(env.values()))) if env else 1
        out = np.asarray(self._run(env), dtype=np.float64)
        return np.broadcast_to(out, (length,)).copy() if out.ndim == 0 else out


def compile_formula(text: str, names: Collection[str]) -> CompiledFormula:
    """Check ``text`` and compile it; ``names`` are the fields and indicators it may refer to.

    Raises :class:`FormulaError` before evaluating anything if the formula is not allowed.
    """
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[:80] + "…", 1, f"formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError(text, 1, "formula is empty")
    # Bound nesting before the parser sees it: CPython's parser can exhaust the C stack on
    # pathological input, and no sensible formula nests brackets this deep.
    level = 0
    for i, ch in enumerate(text):
        level += ch in "([{"
        level -= ch in ")]}"
        if level > MAX_DEPTH:
            raise FormulaError(text, i + 1, f"brackets nest deeper than {MAX_DEPTH} levels")
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        if not exc.offset or exc.offset > len(body):
            raise FormulaError(text, lead + len(body) + 1, "syntax error: the formula ends too early") from None
        raise FormulaError(text, lead + exc.offset, f"syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise FormulaError(text, 1, f"formula cannot be parsed: {type(exc).__name__}") from None
    compiler = _Compiler(text, names, lead)
    try:
        run = compiler.compile(tree.body)
    except RecursionError:
        raise FormulaError(text, 1, f"formula nests deeper than {MAX_DEPTH} levels") from None
    return CompiledFormula(text=text, names=frozenset(compiler.used), _run=run)
