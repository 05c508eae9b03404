"""Admin formulas are data: whitelisted, positioned errors before evaluation, vectorised results."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.formula import MAX_DEPTH, FormulaError, compile_formula

NAMES = ["revenue", "orders", "refunds", "csat", "nps", "tickets"]
NAN = np.nan

# (formula, 1-based column of the offending token, a fragment of the message)
HOSTILE: list[tuple[str, int, str]] = [
    ("revenue.__class__", 1, "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", 1, "only the listed functions"),
    ("__import__('os').system('id')", 1, "only the listed functions"),
    ("__import__('os')", 1, "unknown function '__import__'"),
    ("__builtins__", 1, "names starting with '_'"),
    ("_private + 1", 1, "names starting with '_'"),
    ("revenue.real", 1, "attribute access"),
    ("getattr(revenue, 'x')", 1, "unknown function 'getattr'"),
    ("eval('1+1')", 1, "unknown function 'eval'"),
    ("exec('x=1')", 1, "unknown function 'exec'"),
    ("open('/etc/passwd')", 1, "unknown function 'open'"),
    ("globals()", 1, "unknown function 'globals'"),
    ("locals()['x']", 1, "indexing"),
    ("vars()", 1, "unknown function 'vars'"),
    ("compile('1', 'f', 'eval')", 1, "unknown function 'compile'"),
    ("type(revenue)", 1, "unknown function 'type'"),
    ("lambda: 1", 1, "lambda"),
    ("(lambda x: x)(1)", 2, "only the listed functions"),
    ("[x for x in orders]", 1, "comprehension"),
    ("{x for x in orders}", 1, "comprehension"),
    ("{x: 1 for x in orders}", 1, "comprehension"),
    ("sum(x for x in orders)", 1, "unknown function 'sum'"),
    ("min((x for x in orders), 1)", 5, "comprehension"),
    ("9**9**9", 4, "exponent"),
    ("revenue ** 100", 12, "exponent"),
    ("revenue ** orders", 12, "exponent"),
    ("2 ** (3 ** 4)", 7, "exponent"),
    ("'a' * 10**9", 1, "only numbers"),
    ("'abc'", 1, "only numbers"),
    ("b'bytes'", 1, "only numbers"),
    ("None", 1, "only numbers"),
    ("...", 1, "only numbers"),
    ("f'{revenue}'", 1, "f-string"),
    ("[1, 2, 3]", 1, "list"),
    ("(1, 2)", 1, "tuple"),
    ("{'a': 1}", 1, "dict"),
    ("revenue[0]", 1, "indexing"),
    ("revenue[1:2]", 1, "indexing"),
    ("(x := 1)", 2, "assignment"),
    ("revenue if orders else __import__('os')", 24, "unknown function '__import__'"),
    ("revenue // 2", 1, "operator '//'"),
    ("revenue @ orders", 1, "operator '@'"),
    ("revenue << 40", 1, "operator '<<'"),
    ("~orders", 1, "operator '~'"),
    ("revenue in orders", 1, "comparison 'in'"),
    ("revenue is None", 1, "comparison 'is'"),
    ("max(revenue, key=abs)", 14, "no keyword arguments"),
    ("clip(revenue, 1)", 1, "takes 3 argument"),
    ("abs()", 1, "takes 1 argument"),
    ("revenu + 1", 1, "did you mean 'revenue'"),
    ("maxx(revenue, 1)", 1, "did you mean 'max'"),
    ("max + 1", 1, "is a function"),
    ("*orders", 1, "syntax error"),
    ("import os", 1, "syntax error"),
    ("revenue; orders", 8, "syntax error"),
    ("revenue +", 10, "ends too early"),
    ("revenue = 1", 9, "syntax error"),
    ("(" * 40 + "1" + ")" * 40, MAX_DEPTH + 1, "brackets nest deeper"),
    ("-" * 200 + "1", MAX_DEPTH + 2, "nests deeper"),
    ("1+" * 60 + "1", 1, "nests deeper"),
    ("revenue + " * 200 + "1", 1, "characters long"),
    ("", 1, "empty"),
    ("await revenue", 1, "await"),
]


def test_the_hostile_corpus_has_at_least_forty_cases() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize(("formula", "column", "fragment"), HOSTILE, ids=[h[0][:40] for h in HOSTILE])
def test_hostile_formulas_are_refused_with_a_position(formula: str, column: int, fragment: str) -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula(formula, NAMES)
    assert fragment in info.value.message
    assert info.value.column == column, str(info.value)


def test_a_refused_formula_never_reaches_evaluation() -> None:
    calls: list[str] = []

    class Spy(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> object:
            calls.append(key)
            return super().__getitem__(key)

    with pytest.raises(FormulaError):
        compile_formula("revenue + __import__('os')", NAMES).evaluate(Spy(revenue=[1.0]))
    assert calls == []


def test_the_caret_points_at_the_offending_token() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("revenue / ordrs", NAMES)
    assert info.value.caret() == "revenue / ordrs\n          ^"
    assert str(info.value) == "column 11: unknown name 'ordrs' (did you mean 'orders'?)"


def _eval(formula: str, **cols: list[float]) -> list[float]:
    return compile_formula(formula, NAMES).evaluate(cols).tolist()


def test_arithmetic_is_vectorised_over_columns() -> None:
    out = _eval("(revenue - refunds) / max(orders, 1)", revenue=[100, 50, 10], refunds=[0, 10, 0], orders=[4, 0, 1])
    assert out == [25.0, 40.0, 10.0]


def test_division_and_modulo_by_zero_give_missing_not_an_error() -> None:
    out = _eval("revenue / orders", revenue=[1, 0, 5], orders=[0, 0, 2])
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 2.5
    assert np.isnan(_eval("revenue % orders", revenue=[1], orders=[0])[0])


def test_missing_values_propagate_and_coalesce_fills_them() -> None:
    out = _eval("csat * 2", csat=[NAN, 3])
    assert np.isnan(out[0]) and out[1] == 6
    assert _eval("coalesce(csat, nps, 0)", csat=[NAN, NAN, 1], nps=[NAN, 7, 2]) == [0.0, 7.0, 1.0]


def test_comparisons_and_logic_are_three_valued() -> None:
    t = _eval("csat >= 4 and nps > 8", csat=[5, 5, 3, NAN, NAN], nps=[9, 5, NAN, 9, 1])
    assert t[:3] == [1.0, 0.0, 0.0] and np.isnan(t[3]) and t[4] == 0.0
    o = _eval("csat >= 4 or nps > 8", csat=[5, 1, NAN, NAN], nps=[NAN, 1, 9, 1])
    assert o[:3] == [1.0, 0.0, 1.0] and np.isnan(o[3])
    n = _eval("not csat", csat=[0, 2, NAN])
    assert n[:2] == [1.0, 0.0] and np.isnan(n[2])


def test_chained_comparisons_mean_each_pair() -> None:
    assert _eval("1 <= csat <= 3", csat=[0, 1, 3, 4]) == [0.0, 1.0, 1.0, 0.0]


def test_conditionals_choose_per_row() -> None:
    assert _eval("revenue if orders > 1 else 0", revenue=[10, 20], orders=[2, 1]) == [10.0, 0.0]
    assert _eval("iif(orders > 1, revenue, -1)", revenue=[10, 20], orders=[2, 1]) == [10.0, -1.0]
    missing = _eval("revenue if csat > 3 else 0", revenue=[10], csat=[NAN])
    assert np.isnan(missing[0])


def test_functions_follow_their_domains() -> None:
    out = _eval("log(revenue)", revenue=[np.e, 0, -1])
    assert out[0] == pytest.approx(1.0) and np.isnan(out[1]) and np.isnan(out[2])
    assert np.isnan(_eval("sqrt(revenue)", revenue=[-4])[0])
    assert _eval("clip(revenue, 0, 10)", revenue=[-5, 5, 50]) == [0.0, 5.0, 10.0]
    assert _eval("abs(revenue) + min(revenue, 0, 1) ", revenue=[-3]) == [0.0]


def test_bounded_powers_are_allowed_and_overflow_is_missing() -> None:
    assert _eval("revenue ** 2 + revenue ** -1", revenue=[2]) == [4.5]
    assert np.isnan(_eval("revenue ** 10", revenue=[1e300])[0])


def test_a_constant_formula_broadcasts_to_the_column_length() -> None:
    assert compile_formula("1 + 2", NAMES).evaluate({}, length=3).tolist() == [3.0, 3.0, 3.0]


def test_the_compiled_formula_reports_the_names_it_uses() -> None:
    assert compile_formula("revenue / max(orders, 1)", NAMES).names == {"revenue", "orders"}


def test_leading_blanks_do_not_shift_positions() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("   revenue.x", NAMES)
    assert info.value.column == 4
