"""The loop tree (symcnn/codegen/loops.py) and its printer (symcnn/codegen/emit.py).

Nodes are frozen values: equal trees are equal and hash alike, bad kinds are
refused. The printer writes what the tree means: random integer expressions,
printed and evaluated by Python, equal the tree's own value, so no operand
loses the parentheses it needs; statements and kernels print as runnable
Python (a hand-built kernel is executed against NumPy).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn.codegen import loops as L
from symcnn.codegen.emit import source

i, j, n, a, b = (L.Var(x) for x in "ijnab")


def test_equal_trees_are_equal_and_hash_alike():
    def tree():
        body = (L.Accumulate(L.Var("_acc"), L.Mul((L.Load("W", (j, i)), L.Load("X", (n, i))))),)
        return L.Kernel("k", ("W", "X", "Y"), (L.Loop("i", L.Int(0), L.Var("I"), body),))

    assert tree() == tree() and hash(tree()) == hash(tree()) and len({tree(), tree()}) == 1
    other = L.Kernel("k", ("W", "X", "Y"), (L.Loop("i", L.Int(1), L.Var("I"), tree().body[0].body),))
    assert other != tree()
    with pytest.raises(AttributeError):
        tree().name = "other"  # frozen


def test_bad_kinds_functions_relations_and_rationals_are_refused():
    with pytest.raises(ValueError, match="kind"):
        L.Loop("i", L.Int(0), L.Int(3), (), kind="vectorised")
    with pytest.raises(ValueError, match="function"):
        L.Call("sin", (i,))
    with pytest.raises(ValueError, match="relation"):
        L.Cmp("=<", i, j)
    with pytest.raises(ValueError, match="denominator"):
        L.Rat(3, 1)


def test_nodes_print_for_debugging():
    assert repr(L.Load("X", (i, L.Int(2)))) == "Load(array='X', index=(Var('i'), Int(2)))"
    assert source(L.Load("X", (i, L.Int(2)))) == "X[i, 2]" and source(L.Load("E", ())) == "E[()]"


def value(e: L.Expr, env: dict[str, int]) -> int:
    """The tree's integer value, computed from the tree (no printing)."""
    if isinstance(e, L.Int):
        return e.value
    if isinstance(e, L.Var):
        return env[e.name]
    if isinstance(e, L.Add):
        return sum(value(t, env) for t in e.terms)
    if isinstance(e, L.Mul):
        return math.prod(value(f, env) for f in e.factors)
    if isinstance(e, L.Pow):
        return value(e.base, env) ** value(e.exp, env)
    if isinstance(e, L.FloorDiv):
        return value(e.num, env) // value(e.den, env)
    if isinstance(e, L.Call):
        return {"max": max, "min": min}[e.fn](value(x, env) for x in e.args)
    raise TypeError(e)


leaves = st.one_of(st.integers(-3, 3).map(L.Int), st.sampled_from("ijn").map(L.Var))
expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: L.Add(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: L.Mul(tuple(xs))),
        st.tuples(inner, st.integers(0, 2)).map(lambda t: L.Pow(t[0], L.Int(t[1]))),
        st.tuples(inner, st.sampled_from([2, 3, -2])).map(lambda t: L.FloorDiv(t[0], L.Int(t[1]))),
        st.tuples(inner, st.sampled_from(["i", "n"])).map(lambda t: L.FloorDiv(t[0], L.Var(t[1]))),
        st.lists(inner, min_size=2, max_size=2).map(lambda xs: L.Call("max", tuple(xs))),
    ),
    max_leaves=8,
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(expressions)
def test_printed_integer_expressions_mean_what_the_tree_means(e):
    env = {"i": 5, "j": -2, "n": 3}
    assert eval(source(e), {}, dict(env)) == value(e, env), source(e)  # noqa: S307 - our own printed text


def test_signs_and_divisions_print_as_sympy_writes_them():
    assert source(L.Add((L.Call("min", (L.Var("p"), L.Add((L.Var("KH"), L.Int(-1))))), L.Int(1)))) == (
        "min(p, KH - 1) + 1"
    )
    assert source(L.Add((L.Mul((L.Int(-1), a)), L.Var("p")))) == "-a + p"
    assert source(L.Mul((L.Rat(1, 2), L.Pow(L.Add((a, b)), L.Int(2))))) == "(a + b)**2/2"
    assert source(L.Mul((L.Load("D", (i,)), L.Pow(L.Var("s"), L.Int(-2))))) == "D[i]/s**2"
    assert source(L.Pow(L.Var("N"), L.Int(-1))) == "1/N"
    assert source(L.Mul((a, L.Pow(L.Add((b, L.Int(2))), L.Rat(-3, 4))))) == "a/(b + 2)**(3/4)"


def test_layer_functions_print_as_scalar_math():
    u = L.Load("U", (i,))
    env = {"U": np.array([-0.5, 0.0, 0.7]), "math": math, "np": np}
    for fn, ref in [("sigmoid", lambda x: 1 / (1 + math.exp(-x))), ("relu", lambda x: max(x, 0.0)),
                    ("step", lambda x: float(x > 0)), ("tanh", math.tanh), ("exp", math.exp),
                    ("sign", np.sign), ("abs", abs)]:
        for k in range(3):
            e = L.Mul((L.Int(2), L.Call(fn, (u,))))  # as a factor: parenthesised where it must be
            assert eval(source(e), env, {"i": k}) == 2 * ref(env["U"][k]), (fn, source(e))  # noqa: S307


def test_loops_print_by_kind_and_bounds():
    body = (L.Accumulate(L.Load("Y", (i,)), L.Load("X", (i,))),)
    assert source(L.Loop("i", L.Int(0), L.Var("I"), body)) == "for i in range(I):\n    Y[i] += X[i]"
    assert source(L.Loop("i", L.Int(1), L.Var("I"), body, step=L.Int(2), kind="parallel")).startswith(
        "for i in prange(1, I, 2):"
    )
    assert source(L.Loop("i", a, L.Var("I"), ())) == "for i in range(a, I):\n    pass"
    copy = L.Accumulate(L.Load("Y", (n,)), L.Load("X", (L.Add((n, L.Var("u"))),)))
    unrolled = L.Loop("u", L.Int(0), L.Int(3), (copy,), kind="unrolled")
    assert source(unrolled) == "Y[n] += X[n]\nY[n] += X[n + 1]\nY[n] += X[n + 2]"
    with pytest.raises(ValueError, match="integer bounds"):
        source(L.Loop("u", L.Int(0), L.Var("K"), body, kind="unrolled"))


def test_guards_locals_and_dispatch_print():
    guard = L.If((L.Cmp(">=", L.Add((a, L.Int(-1))), L.Int(0)), L.Cmp("==", L.FloorDiv(a, L.Var("s")), b)),
                 (L.Assign(L.Var("t"), a),))
    assert source(guard) == "if a - 1 >= 0 and a // s == b:\n    t = a"
    assert source(L.Local("_acc")) == "_acc = 0.0"
    assert source(L.Local("buf", (L.Var("K"), L.Int(4)), like="X")) == "buf = np.zeros((K, 4), dtype=X.dtype)"
    assert source(L.Local("row", (L.Var("K"),))) == "row = np.zeros((K,))"
    pick = L.Dispatch((L.Variant((L.Cmp("<=", L.Var("K"), L.Int(3)),), (L.Assign(L.Var("t"), L.Int(1)),)),),
                      (L.Assign(L.Var("t"), L.Int(2)),))
    assert source(pick) == "if K <= 3:\n    t = 1\nelse:\n    t = 2"


def matvec() -> L.Kernel:
    """``Y[n, j] = Σ_i W[j, i] X[n, i]``, written as the plain lowering writes it."""
    acc = L.Var("_acc")
    inner = (
        L.Local("_acc"),
        L.Loop("i", L.Int(0), L.Var("I"), (
            L.Accumulate(acc, L.Mul((L.Load("W", (j, i)), L.Load("X", (n, i))))),
        )),
        L.Assign(L.Load("Y", (n, j)), acc),
    )
    loops = (L.Loop("n", L.Int(0), L.Var("N"), (L.Loop("j", L.Int(0), L.Var("O"), inner),)),)
    return L.Kernel("matvec", ("W", "X", "Y", "N", "I", "O"), loops, ("Y[n, j] = Σ_i W[j, i] X[n, i].",))


def run(kernel: L.Kernel):
    scope = {"math": math, "np": np}
    exec(source(kernel), scope)  # noqa: S102 - our own printed text
    return scope[kernel.name]


def test_a_printed_kernel_runs_and_computes_its_equation():
    rng = np.random.default_rng(0)
    W, X, Y = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), np.zeros((2, 3))
    f = run(matvec())
    assert f.__doc__.strip() == "Y[n, j] = Σ_i W[j, i] X[n, i]."
    f(W, X, Y, 2, 4, 3)
    np.testing.assert_allclose(Y, X @ W.T, rtol=1e-14, atol=0)


def test_traversal_helpers():
    k = matvec()
    assert L.names(k) >= {"n", "j", "i", "N", "I", "O", "_acc"} and L.written(k) == {"Y", "_acc"}
    moved = L.substitute(k, {"I": L.Int(4)})
    assert moved.body[0].body[0].body[1].stop == L.Int(4) and "I" not in L.names(moved)
    assert L.fold(L.Add((i, L.Int(0)))) == i
    assert L.fold(L.Add((L.Int(2), i, L.Int(3)))) == L.Add((L.Int(5), i))
    assert L.fold(L.Mul((L.Int(2), L.Int(3), i))) == L.Mul((L.Int(6), i))
    assert L.fold(L.Mul((L.Int(1), i))) == i
    assert L.fold(L.Add((L.Real(1.0), i))) == L.Add((L.Real(1.0), i))  # a float sum keeps its order
    assert L.minus(L.Add((a, L.Int(1))), b) == L.Add((a, L.Int(1), L.Mul((L.Int(-1), b))))
    assert sum(isinstance(x, L.Loop) for x in L.walk(k)) == 3


@pytest.mark.slow  # a parallel Numba compile: seconds
def test_a_printed_parallel_unrolled_kernel_compiles_with_numba():
    from numba import njit, prange

    from symcnn.codegen.passes import unroll_innermost

    plain = matvec()
    parallel = dataclasses.replace(plain, body=(dataclasses.replace(plain.body[0], kind="parallel"),))
    text = source(unroll_innermost(4)(parallel))
    assert "prange(N)" in text and "X[n, i + 3]" in text
    scope = {"math": math, "np": np, "prange": prange}
    exec(text, scope)  # noqa: S102 - our own printed text
    f = njit(parallel=True, cache=False)(scope["matvec"])
    rng = np.random.default_rng(4)
    W, X, Y = rng.standard_normal((3, 7)), rng.standard_normal((5, 7)), np.zeros((5, 3))
    f(W, X, Y, 5, 7, 3)
    np.testing.assert_allclose(Y, X @ W.T, rtol=1e-14, atol=0)


def test_affine_accesses_are_read_off_the_tree():
    p, q, s, y, KH = (L.Var(x) for x in ("p", "q", "s", "y", "KH"))
    loop = {"a", "b", "p", "y"}
    read = L.affine(L.Add((L.Mul((L.Int(-1), a)), p)), loop)  # dU[..., -a + p]
    assert read.coeffs == (("a", L.Int(-1)), ("p", L.Int(1))) and read.offset == L.Int(0)
    strided = L.affine(L.Add((L.Mul((s, y)), a, L.Int(-2))), loop)  # a stride is a coefficient
    assert strided.coeff("y") == s and strided.coeff("a") == L.Int(1) and strided.offset == L.Int(-2)
    scaled = L.affine(L.Mul((L.Int(2), L.Add((a, KH)))), loop)
    assert scaled.coeffs == (("a", L.Int(2)),) and scaled.offset == L.Mul((L.Int(2), KH))
    assert L.affine(KH, loop) == L.Affine((), KH)
    assert L.affine(L.FloorDiv(p, s), loop) is None and L.affine(L.Mul((a, b)), loop) is None
    assert L.affine(L.Load("T", (a,)), loop) is None and L.affine(L.Load("T", (q,)), loop).coeffs == ()
