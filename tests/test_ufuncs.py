"""Elementwise kernels of the NumPy backend as ufunc chains into their target (no temporaries)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import sympy as sp
from numba.core.dispatcher import Dispatcher

from symcnn.codegen.freeze import elementwise
from symcnn.codegen.ir import HOLE, filled, hole, pieces
from symcnn.codegen.printer import array_code
from symcnn.codegen.ufuncs import chain, render
from symcnn.model.functions import relu, sigmoid, step
from symcnn.runtime.loader import load_layer_module

Y, D, Z = (sp.Symbol(hole(name)) for name in ("_r0_", "_r1_", "_r2_"))  # array reads, as lower makes them
s, c = sp.symbols("s c", positive=True)

CHAINED = [
    sigmoid(Y),  # [B3] the logistic activation
    (1 - Y) * Y * D,  # its derivative times the sensitivity [B5]
    (1 - Y**2) * D,  # tanh's
    step(Y) * D,  # ReLU's
    relu(Y) + c,
    D / s**2,  # mean pooling's up-sampled sensitivity [B11]
    -(c - sp.log(Z)) * Y * D,
    c - Y,
    -Y + D,
    -Y,
    sp.exp(-Y) * 3,
    Y - D,
    sp.sqrt(Z),
    1 / (Z + 2),
    Y,
]


def _run(expr: sp.Expr, values: dict[str, np.ndarray | float], out: np.ndarray) -> np.ndarray:
    steps = chain(elementwise(expr))
    assert steps is not None, expr
    namespace = {"np": np, "out": out, **values}
    for line in render(steps, "out"):
        exec(filled(pieces(line), {k: k for k in values}), namespace)  # noqa: S102 - the statements a generated kernel holds
    return out


@pytest.mark.parametrize("expr", CHAINED, ids=lambda e: str(e).replace(HOLE, ""))
def test_chain_computes_the_expression(expr):
    rng = np.random.default_rng(0)
    values = {"_r0_": rng.uniform(0.1, 0.9, (3, 4)), "_r1_": rng.standard_normal((3, 4)),
              "_r2_": rng.uniform(0.5, 2.0, (3, 4)), "s": 2, "c": 0.7}
    want = eval(filled(pieces(array_code(expr)), {k: k for k in values}), {"np": np, **values})  # noqa: S307 - the printed NumPy expression
    got = _run(expr, values, np.empty((3, 4)))
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("expr", CHAINED, ids=lambda e: str(e).replace(HOLE, ""))
def test_chain_writes_only_its_buffer(expr):
    """No step reads a computed array other than the buffer: the chain needs no temporary."""
    for _, operands in chain(elementwise(expr)):
        for o in operands:
            assert o == "@" or ("np." not in o and not o.startswith("-_")), o


def test_float32_target_stays_float32():
    values = {"_r0_": np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)}
    out = _run(sigmoid(Y), values, np.empty((3, 4), np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-values["_r0_"].astype(np.float64))), rtol=1e-6)


def test_broadcast_operand_fills_the_whole_target():
    out = _run(Y * D, {"_r0_": np.arange(3.0)[:, None], "_r1_": np.ones((3, 4))}, np.empty((3, 4)))
    np.testing.assert_array_equal(out, np.arange(3.0)[:, None] * np.ones((3, 4)))


TWO_COMPUTED = [sp.exp(Y) * sp.exp(D), sigmoid(Y) + sp.tanh(D), sp.exp(Y) ** sp.log(D)]


@pytest.mark.parametrize("expr", TWO_COMPUTED, ids=lambda e: str(e).replace(HOLE, ""))
def test_two_computed_operands_have_no_chain(expr):
    assert chain(elementwise(expr)) is None


@pytest.mark.parametrize("layer,kernel,ufuncs", [
    ("conv_xcorr_sigmoid", "forward_Y", True),  # exp over whole maps: NumPy's SIMD exp
    ("conv_matlab_tanh", "forward_Y", True),
    ("conv_xcorr_sigmoid", "backward_dU", False),  # no transcendental function: a parallel Numba loop
    ("conv_xcorr_relu", "forward_Y", False),
    ("fc_sigmoid", "forward_Y", False),  # a small array (batch × units): not worth two NumPy passes
])
def test_numba_backend_runs_large_transcendental_passes_as_ufuncs(layer, kernel, ufuncs):
    """LLVM calls exp and tanh one element at a time (no SVML in llvmlite): whole-map activations
    are NumPy's in-place ufuncs in the Numba module too, the same chain as the NumPy backend's."""
    numba_kernel = getattr(load_layer_module(layer, "numba"), kernel)
    assert isinstance(numba_kernel, Dispatcher) != ufuncs
    if ufuncs:
        numpy_kernel = getattr(load_layer_module(layer, "numpy"), kernel)
        assert inspect.getsource(numba_kernel) == inspect.getsource(numpy_kernel)
