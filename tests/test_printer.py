"""The scalar printer decides parentheses from the expression, not from the text it printed."""

import ast

import pytest
import sympy as sp

from symcnn.codegen.printer import argument_code, factor_code, scalar_code
from symcnn.model.functions import sigmoid, step

x, y, s = sp.symbols("x y s")


@pytest.mark.parametrize("expr", [sigmoid(x), step(x - y), 1 / s**2, sp.floor((x + y) / 2)])
def test_a_call_argument_drops_only_the_parentheses_around_the_whole(expr):
    inside, alone = scalar_code(expr), argument_code(expr)
    assert inside == f"({alone})"
    # the same value: both parse to one expression, and the bare one is still guarded where it nests
    assert ast.dump(ast.parse(inside, mode="eval")) == ast.dump(ast.parse(alone, mode="eval"))
    assert argument_code(2 * expr).count("(") == scalar_code(2 * expr).count("(")


def test_a_nested_quotient_keeps_its_parentheses_when_the_whole_is_bare():
    expr = x * sigmoid(y)
    assert argument_code(expr) == scalar_code(expr)
    assert "(1.0 / (1.0 + math.exp(-(y))))" in argument_code(expr)


@pytest.mark.parametrize(("expr", "text"), [
    (s, "s"), (sp.Integer(4), "4"), (sp.Integer(-1), "(-1)"), (x * y, "(x*y)"), (x + 1, "(x + 1)"),
])
def test_a_factor_is_grouped_unless_it_is_one_name_or_number(expr, text):
    assert factor_code(expr) == text
    assert eval(f"{factor_code(expr)} * 3", {"s": 2, "x": 2, "y": 5}) == 3 * expr.subs({s: 2, x: 2, y: 5})
