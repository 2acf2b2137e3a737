"""The fast IR's schedules printed from loop trees (symcnn/codegen/schedule_tree.py, parse.py).

The packed windows, register blocks, jams, split sums and tiles the fast IR
records are turned into loop-tree statements, their text read back into typed
nodes: the tree holds no statement as a string, and what it prints is the code
the text was (the same Python syntax tree, the same values). That the kernels
compute their equations is what test_plain_schedule.py and test_generated.py
check on random inputs; here, the reading and the trees' shape.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_pack import kernel

from symcnn.codegen import loops as L
from symcnn.codegen import schedule_tree as S
from symcnn.codegen.emit import source
from symcnn.codegen.parse import expr, stmt
from symcnn.paths import templates_dir

a, b, i, j, n, x, y = (L.Var(v) for v in "abijnxy")

#: Text of the kinds the schedules and SymPy's printer write: index arithmetic, bounds, a dtype's
#: conversion, a sigmoid, a step, unsigned indices, reshaped views, sums with their order.
WRITTEN = [
    "(_j1 - _j0) // 4 * 4", "KW // 2 * 2", "(_o % _nb) * (M) // _nb", "-W*_y0 + W*y + x",
    "max(0, RH - a, _y0)", "min(H, H + RH - a, _y1)", "_dt(K[i, j + 1, a, b + 2]*T[i, j + 1])",
    "_dt(1 / s**2)", "1.0 / (1.0 + math.exp(-(U[n, j])))", "(1.0 if (U[n, j]) > 0 else 0.0)*dY[n, j]",
    "K[i, j, a, b]*_xp[i, np.uint64(_wp*a + b + _f)]", "U.reshape(U.shape[0], U.shape[1], H*W)",
    "a/b*c", "a*b/c", "a/b/c", "a - (b - c)", "-(a*b) + c", "x**2*math.tanh(y)", "_k00*_w0 + _k01*_w1",
    "X[()]", "(s*y + a) // d % 2", "0.5*x - 2*y",
]


@pytest.mark.parametrize("text", WRITTEN)
def test_written_text_reads_into_nodes_that_print_the_same_code(text):
    tree = expr(text)
    printed = source(tree)
    assert ast.dump(ast.parse(printed, mode="eval")) == ast.dump(ast.parse(text, mode="eval"))
    assert expr(printed) == tree  # printing and reading again is a fixed point


def test_stores_and_their_targets_read_into_statements():
    assert stmt("_pk[a, b, W*y + x] = X[n, i, y, x]") == L.Assign(
        L.Load("_pk", (a, b, L.Add((L.Mul((L.Var("W"), y)), x)))), L.Load("X", (n, i, y, x)))
    assert stmt("_part[_o, j] += _s") == L.Accumulate(L.Load("_part", (L.Var("_o"), j)), L.Var("_s"))
    assert stmt("_pd[:, :] = 0.0") == L.Assign(L.Load("_pd", (L.Slice(), L.Slice())), L.Real(0.0))


@pytest.mark.parametrize("text", ["x.sum()", "a < b < c", "[a, b]", "f(x)", "a @ b"])
def test_text_with_no_node_is_refused(text):
    with pytest.raises(ValueError, match="no loop-tree node"):
        expr(text)


@pytest.mark.parametrize("text", ["x -= 1", "x = y = 1", "f(x)", "x = 1; y = 2", "a + b = c"])
def test_what_is_not_one_store_is_refused(text):
    with pytest.raises(ValueError):
        stmt(text)


_OPS = ["+", "-", "*", "/", "//", "%"]
_leaf = st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(1, 9).map(str))
_text = st.recursive(_leaf, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(_OPS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    inner.map(lambda t: f"-({t})")), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(_text, st.lists(st.floats(-8, 8).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=3))
def test_read_and_printed_expressions_compute_the_same_values(text, values):
    """Each operation in its order: a float product or quotient regrouped would round differently."""
    env = dict(zip("abc", values))
    printed = source(expr(text))
    try:
        want = eval(text, {}, env)  # noqa: S307 - the test's own arithmetic
    except ZeroDivisionError:
        return
    got = eval(printed, {}, env)  # noqa: S307
    assert got == want or (math.isnan(got) and math.isnan(want)), (text, printed)


#: Kernels with each recorded schedule: windows with inner products and split sums, a tile, packing.
SCHEDULED = [("conv_xcorr_relu_same", "forward_U"), ("conv_xcorr_relu", "backward_dK"),
             ("combo_sigmoid_pairs", "backward_dalpha"), ("fc_relu", "forward_U"),
             ("conv_xcorr_relu", "backward_dX")]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


def _fields_are_typed(node: L.Node) -> None:
    """Every field of ``node`` is a node, a number or a name: no statement or expression as text."""
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, str) and f.name not in ("note", "doc", "kind", "op", "fn"):
                assert _IDENTIFIER.match(v), f"{type(node).__name__}.{f.name} holds {v!r}"
            else:
                assert v is None or isinstance(v, (L.Node, int, float, str)), (node, f.name)


@pytest.mark.parametrize("layer,name", SCHEDULED)
def test_each_recorded_schedule_is_a_tree_of_typed_nodes(layer, name):
    k = kernel(layer, name)
    bodies = [S.body(k)]
    if k.window:
        bodies.append(S.windowed(k, k.window))
        if k.window.dot:
            bodies.append(S.dotted(k, k.window, k.window.dot))
    assert k.window or k.tile or any(t.pack for t in k.terms)
    for body in bodies:
        tree = L.Kernel(k.name, (*k.args, "_threads"), body)
        for node in L.walk(tree):
            _fields_are_typed(node)
        compile(source(tree), k.name, "exec")


def test_templates_hold_scaffolding_only():
    """No template over 120 lines, and none writes a Numba kernel: its loops come from a tree."""
    for path in sorted(templates_dir().glob("*.j2")):
        text = path.read_text()
        assert len(text.splitlines()) <= 120, path.name
        assert "prange(" not in text and "@njit" not in text, path.name
        if not path.name.startswith("numpy"):
            assert "{% macro kernel" not in text, path.name
