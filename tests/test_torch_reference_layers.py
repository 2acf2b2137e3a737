"""'Same'-padded convolution, LRN, and a strided, dilated, padded convolution against PyTorch.

Each layer is derived, both backends are generated and loaded, and forward
and every gradient are compared with ``F.conv2d(padding=, stride=, dilation=)``
and ``F.local_response_norm`` under autograd, in float64, to 1e-12 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.derive.engine import derive
from symcnn.model import Equation, Layer, Sum, array, builtin_layers, indices, padded, sizes, tanh
from symcnn.model.builtins import LRN_ALPHA, LRN_BETA, LRN_K
from symcnn.verify.generated import load_backends

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-12


def strided_dilated_padded() -> Layer:
    """``U = Σ padded(X)[n, i, s·y + d·a - P, s·x + d·b - P] K[j, i, a, b]``: PyTorch's kernel order."""
    N, C, M, Ho, Wo, KH, KW, s, d, P = sizes("N C M Ho Wo KH KW s d P")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X = array("X", (N, C, s * (Ho - 1) + d * (KH - 1) + 1 - 2 * P, s * (Wo - 1) + d * (KW - 1) + 1 - 2 * P))
    K, B = array("K", (M, C, KH, KW)), array("B", (M,))
    U, Y = array("U", (N, M, Ho, Wo)), array("Y", (N, M, Ho, Wo))
    read = padded(X)[n, i, s * y + d * a - P, s * x + d * b - P]
    return Layer(
        name="conv_sdp",
        sizes=(N, C, M, Ho, Wo, KH, KW, s, d, P),
        hyper=(s, d, P),
        inputs=(X,),
        params=(K, B),
        outputs=(Y,),
        equations=(
            Equation(
                U[n, j, y, x], Sum(read * K[j, i, a, b], (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1)) + B[j]
            ),
            Equation(Y[n, j, y, x], tanh(U[n, j, y, x])),
        ),
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("torch_reference")


def compare(layer: Layer, arrays: dict, hyper: dict, reference, folder) -> None:
    """Forward and gradients of both backends against ``reference(**tensors) -> output tensor``."""
    rng = np.random.default_rng(5)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    out = reference(**tensors)
    seed = rng.standard_normal(tuple(out.shape))
    out.backward(torch.tensor(seed))
    (name,) = (str(o.label) for o in layer.outputs)
    for backend, mod in load_backends(derive(layer), folder=folder).items():
        fwd = mod.forward(arrays, hyper)
        assert rel(fwd[name], out.detach().numpy()) <= TOL, (backend, name)
        grads = mod.backward({**arrays, **fwd, "d" + name: seed}, hyper)
        for k, t in tensors.items():
            error = rel(grads["d" + k], t.grad.numpy())
            assert error <= TOL, (backend, k, error)


def rel(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.slow  # a Numba compile of the 'same' windows each: 20-40 s
@pytest.mark.parametrize("convention", ["xcorr", "matlab"])
@pytest.mark.parametrize("kernel", [(3, 3), (5, 3)])
def test_same_padded_convolution(convention, kernel, folder):
    layer = builtin_layers()[f"conv_{convention}_relu_same"]
    rng = np.random.default_rng(0)
    kh, kw = kernel
    # 5 input and 6 output maps: the Numba schedule's register blocks of 4 maps and the maps left over;
    # 3×3 taps sum 45 products a point (packed windows), 5×3 sum 75 (inner products, codegen/dot.py)
    arrays = {"X": rng.standard_normal((3, 5, 7, 6)), "K": rng.standard_normal((5, 6, kh, kw)),
              "B": rng.standard_normal(6)}

    def reference(X, K, B):
        w = K.permute(1, 0, 2, 3)
        w = w.flip(2, 3) if convention == "matlab" else w
        return F.relu(F.conv2d(X, w, B, padding=(kh // 2, kw // 2)))

    compare(layer, arrays, {}, reference, folder)


def test_local_response_norm(folder):
    rng = np.random.default_rng(1)
    arrays = {"X": 30 * rng.standard_normal((2, 7, 3, 4))}  # large enough for α Σ a² to matter

    def reference(X):
        return F.local_response_norm(X, 5, alpha=float(LRN_ALPHA), beta=float(LRN_BETA), k=float(LRN_K))

    compare(builtin_layers()["lrn"], arrays, {"R": 2}, reference, folder)


@pytest.mark.slow
def test_stride_dilation_padding_and_an_out_in_kernel(folder):
    rng = np.random.default_rng(2)
    s, d, P = 2, 2, 1  # X: 2·(4 - 1) + 2·(3 - 1) + 1 - 2 = 9 rows, 2·(3 - 1) + 2·(2 - 1) + 1 - 2 = 5 columns
    arrays = {"X": rng.standard_normal((2, 3, 9, 5)), "K": rng.standard_normal((4, 3, 3, 2)),
              "B": rng.standard_normal(4)}

    def reference(X, K, B):
        return torch.tanh(F.conv2d(X, K, B, stride=s, dilation=d, padding=P))

    compare(strided_dilated_padded(), arrays, {"s": s, "d": d, "P": P}, reference, folder)
