"""Clipped windows and zero padding: what the language accepts, derives and generates, and what it refuses.

A sum's limits may be a ``Max`` (lower) / ``Min`` (upper) of affine
expressions; ``padded(X)[…]`` reads zero outside ``X``. The engine turns both
into bounds of the sums (a guard where only free indices move), and the
generated loops carry them as loop limits, not as per-element branches.
"""

from __future__ import annotations

import ast

import gradcheck
import numpy as np
import pytest
import sympy as sp

from symcnn.codegen.checks import gradient_errors, random_arrays, relative_difference, run_backward, seeds
from symcnn.derive import derive
from symcnn.errors import SpecError
from symcnn.model import Equation, Layer, Sum, array, indices, padded, sizes, tanh
from symcnn.verify.generated import load_backends, module_sources

N, C, H, K = sizes("N C H K")
n, c, y, a, e = indices("n c y a e")


def layer(rhs, *, out_shape=(N, C, H), x_shape=(N, C, H), w_shape=(K,), name="edge") -> Layer:
    X, W, U = array("X", x_shape), array("W", w_shape), array("U", out_shape)
    used = set().union(*(sp.sympify(e).free_symbols for e in (*x_shape, *w_shape, *out_shape)))
    return Layer(name=name, sizes=tuple(s for s in (N, C, H, K) if s in used), inputs=(X,), params=(W,),
                 outputs=(U,),
                 equations=(Equation(U[n, c, y], rhs(X, W)),))


def refused(lay: Layer) -> str:
    with pytest.raises(SpecError) as info:
        derive(lay)
    assert repr(lay.name) in str(info.value)
    return str(info.value)


# -- refused ---------------------------------------------------------------------------------------


def test_a_window_clipped_on_one_side_only_can_still_leave():
    msg = refused(layer(lambda X, W: Sum(X[n, c + e, y] ** 2, (e, sp.Max(-1, -c), 1))))
    assert "can leave 0..C - 1 of X" in msg


def test_an_unclipped_window_is_refused():
    msg = refused(layer(lambda X, W: Sum(X[n, c + e, y] ** 2, (e, -1, 1))))
    assert "index c + e can leave" in msg


def test_a_non_affine_limit_is_refused():
    msg = refused(layer(lambda X, W: Sum(X[n, c, y] * W[a], (a, 0, sp.Min(K - 1, y * y)))))
    assert "not affine" in msg and "y**2" in msg


def test_a_lower_limit_clipped_with_min_is_refused():
    msg = refused(layer(lambda X, W: Sum(X[n, c, y] * W[a], (a, sp.Min(0, y), K - 1))))
    assert "lower limit may clip with Max" in msg


def test_a_padded_read_inside_a_nonlinear_function_is_refused():
    msg = refused(layer(lambda X, W: Sum(tanh(padded(X)[n, c, y + a - 1]) * W[a], (a, 0, K - 1))))
    assert "factor" in msg


def test_padded_takes_an_array():
    msg = refused(layer(lambda X, W: Sum(padded(X[n, c, y] + 1) * W[a], (a, 0, K - 1))))
    assert "padded() takes an array" in msg


# -- accepted, derived, generated ------------------------------------------------------------------


def clipped() -> Layer:
    """A cross-map window clipped at the first and last map (LRN's form), times a weight."""
    window = (e, sp.Max(-1, -c), sp.Min(1, C - 1 - c))
    return layer(lambda X, W: Sum(W[e + 1] * X[n, c + e, y] ** 2, window), w_shape=(3,), name="clipped")


def shifted() -> Layer:
    """A padded read outside any sum: a guard on the free index, ``U[y] = X[y - 2]`` or 0."""
    return layer(lambda X, W: padded(X)[n, c, y - 2] * W[0] + X[n, c, y], name="shifted")


def same() -> Layer:
    """A 1-D 'same' correlation with kernel 2K + 1 and stride 1 over a padded input."""
    X, Wt, U = array("X", (N, C, H)), array("W", (2 * K + 1,)), array("U", (N, C, H))
    return Layer(name="same1d", sizes=(N, C, H, K), inputs=(X,), params=(Wt,), outputs=(U,),
                 equations=(Equation(U[n, c, y], Sum(padded(X)[n, c, y + a - K] * Wt[a], (a, 0, 2 * K))),))


def strided_padded() -> Layer:
    """Stride 2 and padding 1 in one read: ``U[y] = Σ_a padded(X)[2y + a - 1] W[a]``."""
    rhs = lambda X, W: Sum(padded(X)[n, c, 2 * y + a - 1] * W[a], (a, 0, K - 1))  # noqa: E731
    return layer(rhs, name="strided_padded")


LAYERS = {f.__name__: f for f in (clipped, shifted, same, strided_padded)}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_derivation_matches_finite_differences(name, seed):
    d = derive(LAYERS[name]())
    env = gradcheck.draw_sizes(d.layer, seed)
    errors = gradcheck.check(d, env, seed)
    assert errors and max(errors.values()) < 1e-6, errors


def test_clipped_window_gradient_is_clipped_too():
    g = derive(clipped()).gradient("X")
    (term,) = [t for t in g.terms if t.sums]
    (bound,) = term.sums
    assert {str(e) for e in bound.lower} == {"-1", "-C + p + 1"}
    assert {str(e) for e in bound.upper} == {"1", "p"}


def test_padding_becomes_loop_limits_not_branches():
    text = module_sources(derive(same()), ("numba",))["numba"]
    compiled = [f for f in ast.parse(text).body  # forward_U's schedules, not the Python function picking one
                if isinstance(f, ast.FunctionDef) and f.name.startswith("forward_U") and f.decorator_list]
    assert compiled and not any(isinstance(n, ast.If) for f in compiled for n in ast.walk(f))
    loops = "".join(ast.unparse(s) for f in compiled for s in f.body[1:])  # each body, its docstring left out
    assert "padded" not in loops
    # the tap loop, or the pixel loop inside it, starts and stops where the read stays inside X
    assert "in range(max(0, K - a), min(H, H + K - a))" in loops or "in range(max(0, K - y)" in loops


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_both_backends_follow_finite_differences_and_each_other(name, tmp_path):
    mods = load_backends(derive(LAYERS[name]()), folder=tmp_path)
    z = {"N": 2, "C": 4, "H": 7, "K": 2}
    arrays = random_arrays(mods["numpy"], z, np.random.default_rng(0))
    for backend, mod in mods.items():
        errors = gradient_errors(mod, arrays, {}, np.random.default_rng(1))
        assert max(errors.values()) < 1e-6, (backend, errors)
    w = seeds(mods["numpy"], z, np.random.default_rng(2))
    got = {b: run_backward(m, arrays, {}, w) for b, m in mods.items()}
    for k in got["numpy"]:
        assert relative_difference(got["numpy"][k], got["numba"][k]) <= 1e-12, k
