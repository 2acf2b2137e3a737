"""'Same'-padded convolution, LRN, and a strided, dilated, padded convolution against PyTorch.

Each layer is derived, both backends are generated and loaded, and forward
and every gradient are compared with ``F.conv2d(padding=, stride=, dilation=)``
and ``F.local_response_norm`` under autograd, in float64, to 1e-12 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from user_layers import strided_dilated_padded

from symcnn.derive.engine import derive
from symcnn.model import Layer, builtin_layers
from symcnn.model.builtins import LRN_ALPHA, LRN_BETA, LRN_K
from symcnn.verify.generated import load_backends

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-12


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
@pytest.mark.parametrize("s,d,P", [(2, 2, 1), (3, 2, 2), (2, 4, 3)], ids=["s2d2", "s3d2", "s2d4"])
def test_stride_dilation_padding_and_an_out_in_kernel(folder, s, d, P):
    """Stride and dilation both above one: the input sensitivity runs as a scatter (codegen/scatter.py),
    with strides coprime to the dilation and not."""
    rng = np.random.default_rng(2)
    Ho, Wo, KH, KW = 4, 3, 3, 2
    rows, cols = s * (Ho - 1) + d * (KH - 1) + 1 - 2 * P, s * (Wo - 1) + d * (KW - 1) + 1 - 2 * P
    arrays = {"X": rng.standard_normal((2, 3, rows, cols)), "K": rng.standard_normal((4, 3, KH, KW)),
              "B": rng.standard_normal(4)}

    def reference(X, K, B):
        return torch.tanh(F.conv2d(X, K, B, stride=s, dilation=d, padding=P))

    compare(strided_dilated_padded(), arrays, {"s": s, "d": d, "P": P}, reference, folder)
