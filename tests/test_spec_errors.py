"""A layer spec that cannot be derived fails with a SpecError naming the layer, the term and why."""

from __future__ import annotations

import pytest
import sympy as sp

from symcnn.derive import derive
from symcnn.errors import SpecError
from symcnn.model import Equation, Layer, Sum, array, indices, sigmoid, sizes
from symcnn.model.spec import load_spec

N, C, H, K = sizes("N C H K")
n, c, y, a = indices("n c y a")
X_, W_ = sp.IndexedBase("X"), sp.IndexedBase("W")


def layer_with(rhs, *, name="bad", x_shape=(N, C, H + K - 1), extra_sizes=()) -> Layer:
    X, W, U = array("X", x_shape), array("W", (K,)), array("U", (N, C, H))
    return Layer(
        name=name,
        sizes=(N, C, H, K, *extra_sizes),
        inputs=(X,),
        params=(W,),
        outputs=(U,),
        equations=(Equation(U[n, c, y], rhs(X, W)),),
    )


def derive_error(layer: Layer) -> str:
    with pytest.raises(SpecError) as info:
        derive(layer)
    message = str(info.value)
    assert repr(layer.name) in message
    return message


def test_non_affine_index():
    msg = derive_error(layer_with(lambda X, W: Sum(X[n, c, y * a] * W[a], (a, 0, K - 1))))
    assert "not affine" in msg and "a*y" in msg


def test_undeclared_size_symbol():
    Q = sp.Symbol("Q", integer=True, positive=True)
    msg = derive_error(layer_with(lambda X, W: Sum(X[n, c, y + a] * W[a], (a, 0, Q - 1))))
    assert "undeclared symbol ['Q']" in msg


def test_undeclared_symbol_in_shape():
    Q = sp.Symbol("Q", integer=True, positive=True)
    msg = derive_error(layer_with(lambda X, W: X[n, c, y] * W[0], x_shape=(N, C, Q)))
    assert "undeclared size symbol ['Q']" in msg and "X" in msg


def test_index_out_of_declared_range():
    msg = derive_error(layer_with(lambda X, W: Sum(X[n, c, y + a + 1] * W[a], (a, 0, K - 1))))
    assert "can leave" in msg and "X[n, c, a + y + 1]" in msg


def test_unknown_function_without_derivative():
    f = sp.Function("f")
    msg = derive_error(layer_with(lambda X, W: f(Sum(X[n, c, y + a] * W[a], (a, 0, K - 1)))))
    assert "unknown function f" in msg


def test_sum_inside_a_nonlinear_function_inside_a_sum():
    """A sum inside a nonlinear function is split into an intermediate of its own — unless it uses an
    index an enclosing sum binds: that one the user must still split."""
    b = indices("b")[0]
    inner = Sum(X_[n, c, y + a] * W_[b], (b, 0, K - 1))
    layer = layer_with(lambda X, W: Sum(sigmoid(inner.xreplace({X_: X, W_: W})), (a, 0, K - 1)))
    msg = derive_error(layer)
    assert "own equation" in msg


def test_sum_inside_a_nonlinear_function_is_split():
    d = derive(layer_with(lambda X, W: sigmoid(Sum(X[n, c, y + a] * W[a], (a, 0, K - 1)))))
    assert [str(e.array.label) for e in d.layer.equations] == ["U_sum0", "U"]
    assert {g.wrt for g in d.gradients} == {"U_sum0", "X", "W"}
    assert ("split", "U_sum0 = the sum inside U's equation") in d.layer.meta


def test_rank_mismatch_in_a_spec_file(tmp_path):
    spec = tmp_path / "rank.py"
    spec.write_text("from symcnn.model import array, sizes\nN, = sizes('N')\nX = array('X', (N, N))\nX[0]\n")
    with pytest.raises(SpecError, match="Rank mismatch"):
        load_spec(spec)


@pytest.mark.parametrize("name", ["has space", "import", "_private", "np", "x;y"])
def test_names_that_are_not_identifiers(name):
    layer = layer_with(lambda X, W: X[n, c, y] * W[0], name=name)
    with pytest.raises(SpecError, match="identifier|reserved"):
        derive(layer)


def test_array_name_injection_is_rejected():
    X, U = array("X", (N,)), array("U); import os; (", (N,))
    layer = Layer("inj", (N,), (X,), (), (U,), (Equation(U[n], X[n]),))
    with pytest.raises(SpecError, match="identifier"):
        derive(layer)


def test_no_differentiable_path():
    X, T, U = array("X", (N,)), array("T", (N,)), array("U", (N,))
    layer = Layer("dead", (N,), (X,), (), (U,), (Equation(U[n], 2 * T[n]),), constants=(T,))
    assert "no differentiable path" in derive_error(layer)


def test_spec_file_errors(tmp_path):
    missing = tmp_path / "nope.py"
    with pytest.raises(SpecError, match="not found"):
        load_spec(missing)
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(SpecError, match="RuntimeError: boom"):
        load_spec(broken)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(SpecError, match="defines no layers"):
        load_spec(empty)
