"""A layer's arrays may hold their axes in any order: both backends stay correct.

Regression: a strided convolution whose kernel is stored ``(out, in, kh, kw)``
(PyTorch's order) derived and ran in Numba, but its NumPy ``backward`` crashed
in ``numpy_ops.product`` with a matmul core-dimension mismatch — the 'full'
correlation of dX re-read the kernel as if its axes came in the built-ins'
order. Each permutation here is checked in both backends against central
differences (float64, relative) and backend against backend.
"""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.codegen.checks import gradient_errors, random_arrays, relative_difference, run_backward, seeds
from symcnn.derive.engine import derive
from symcnn.model import Equation, Layer, Sum, array, indices, sizes, tanh
from symcnn.verify.generated import load_backends

N, C, M, Ho, Wo, KH, KW, s = sizes("N C M Ho Wo KH KW s")
n, j, y, x, i, a, b = indices("n j y x i a b")
SIZES = dict(N=2, C=2, M=3, Ho=3, Wo=4, KH=3, KW=2, s=2)


def strided_conv(kernel_order: str, image_order: str = "nciw") -> Layer:
    """``U = Σ X[n, i, s·y + a, s·x + b] K[·]``, K's axes in ``kernel_order`` of ``jiab``, X's in
    ``image_order`` of ``nciw`` (n, channel, row, column)."""
    kaxes = {"j": (M, j), "i": (C, i), "a": (KH, a), "b": (KW, b)}
    rows, cols = (s * (Ho - 1) + KH, s * y + a), (s * (Wo - 1) + KW, s * x + b)
    xaxes = {"n": (N, n), "c": (C, i), "i": rows, "w": cols}
    K = array("K", tuple(kaxes[c][0] for c in kernel_order))
    X = array("X", tuple(xaxes[c][0] for c in image_order))
    B, U, Y = array("B", (M,)), array("U", (N, M, Ho, Wo)), array("Y", (N, M, Ho, Wo))
    read_x = X[tuple(xaxes[c][1] for c in image_order)]
    read_k = K[tuple(kaxes[c][1] for c in kernel_order)]
    return Layer(
        name=f"conv_{kernel_order}_{image_order}",
        sizes=(N, C, M, Ho, Wo, KH, KW, s),
        hyper=(s,),
        inputs=(X,),
        params=(K, B),
        outputs=(Y,),
        equations=(
            Equation(
                U[n, j, y, x], Sum(read_x * read_k, (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1)) + B[j]
            ),
            Equation(Y[n, j, y, x], tanh(U[n, j, y, x])),
        ),
    )


ORDERS = [
    ("jiab", "nciw"), ("ijab", "nciw"), ("abij", "nciw"), ("bjai", "nciw"), ("jiab", "niwc"), ("iajb", "wnci")
]
#: Slow: a Numba compile each, 10-20 s (the default run's fuzzer draws random axis orders for NumPy).
ORDERS = [pytest.param(*o, marks=pytest.mark.slow) for o in ORDERS]


@pytest.mark.parametrize(("kernel", "image"), ORDERS)
def test_both_backends_follow_finite_differences_and_each_other(kernel, image, tmp_path):
    d = derive(strided_conv(kernel, image))
    mods = load_backends(d, folder=tmp_path)
    z = {k: SIZES[k] for k in mods["numpy"].SIZES}
    hyper = {"s": SIZES["s"]}
    arrays = random_arrays(mods["numpy"], z, np.random.default_rng(0))
    for backend, mod in mods.items():
        errors = gradient_errors(mod, arrays, hyper, np.random.default_rng(1))
        assert max(errors.values()) < 1e-6, (backend, errors)
    w = seeds(mods["numpy"], z, np.random.default_rng(2))
    got = {b: run_backward(m, arrays, hyper, w) for b, m in mods.items()}
    for name in got["numpy"]:
        assert relative_difference(got["numpy"][name], got["numba"][name]) <= 1e-12, name
