# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer conv_xcorr_sigmoid, spec hash 04b4d33ad177f443.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""conv_xcorr_sigmoid [B7]: convolution (xcorr), connection table on (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. See docs/paper.md [B7].
"""

import numpy as np

from symcnn.support import contract as _contract
from symcnn.support import numpy_ops as _ops

LAYER = "conv_xcorr_sigmoid"
LABEL = "B7"
BACKEND = "numpy"
SPEC_HASH = "04b4d33ad177f443"
INPUTS = ("X",)
PARAMS = ("K", "B")
CONSTANTS = ("T",)
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("U",)
GRADIENTS = ("dU", "dX", "dK", "dB")
SIZES = ("N", "C", "M", "Ho", "Wo", "KH", "KW")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


def forward_U(B, T, K, X, U, N, C, M, Ho, Wo, KH, KW):
    """[B7] forward equation for U.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{KH - 1} Σ_{b=0}^{KW - 1} K[i, j, a, b]*T[i,
        j]*X[n, i, a + y, b + x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    U[...] = B[:, None, None]
    _t0 = T[:, :, None, None] * K
    _t1 = _ops.window_product(
        X,
        ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, 1), (1, 1)), 1), (0, ((5, 1), (2, 1)), 1)),
        ((0, N), (0, Ho), (0, Wo), (0, C), (0, KH), (0, KW)),
        3,
        _ops.matrix(_t0.transpose(0, 2, 3, 1), 0, 3, "forward_U._t1._t0"),
        True,
        "forward_U._t1"
    ).reshape(N, Ho, Wo, M)
    U[...] += _t1.transpose(0, 3, 1, 2)


def forward_Y(U, Y, N, M, Ho, Wo):
    """[B7] forward equation for Y.

    Y[n, j, y, x] = sigmoid(U[n, j, y, x])
    """
    np.negative(U, out=Y)
    np.exp(Y, out=Y)
    np.add(Y, 1.0, out=Y)
    np.divide(1.0, Y, out=Y)


def backward_dU(Y, dY, dU, N, M, Ho, Wo):
    """[B7] gradient dU.

    dU[n, j, y, x] = (1 - Y[n, j, y, x])*Y[n, j, y, x]*dY[n, j, y, x]
    """
    np.subtract(1, Y, out=dU)
    np.multiply(dU, Y, out=dU)
    np.multiply(dU, dY, out=dU)


def backward_dX(T, K, dU, dX, N, C, M, Ho, Wo, KH, KW):
    """[B7] gradient dX.

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, -Ho + p + 1)}^{min(KH - 1, p)} Σ_{b=max(0, -Wo + q
        + 1)}^{min(KW - 1, q)} K[i, j, a, b]*T[i, j]*dU[n, j, -a + p, -b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    if _ops.windows_first(
        KH * KW * C * N * Ho * Wo + KH * KW * N * C * (Ho + KH - 1) * (KW + Wo - 1),
        _ops.window_moved(
            dU,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, -1), (1, 1)), 1), (0, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, Ho + KH - 1), (0, KW + Wo - 1), (0, M), (0, KH), (0, KW)),
            3
        )
        + N * (Ho + KH - 1) * (KW + Wo - 1) * C
    ):
        _t3 = T[:, :, None, None] * K
        _t4 = _ops.window_product(
            dU,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, -1), (1, 1)), 1), (0, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, Ho + KH - 1), (0, KW + Wo - 1), (0, M), (0, KH), (0, KW)),
            3,
            _t3.reshape(C, M * KH * KW).swapaxes(-1, -2),
            True,
            "backward_dX._t4"
        ).reshape(N, Ho + KH - 1, KW + Wo - 1, C)
        dX[...] = _t4.transpose(0, 3, 1, 2)
    else:
        _t0 = T[:, :, None, None] * K
        _t1 = _ops.product(
            _ops.matrix(_t0.transpose(2, 3, 0, 1), 0, 3, "backward_dX._t1._t0"),
            _ops.matrix(dU.transpose(1, 0, 2, 3), 0, 1, "backward_dX._t1.dU"),
            "backward_dX._t1",
            pad=(Wo, KW + Wo - 1)
        ).reshape(KH, KW, C, N, Ho, -1)
        _t2 = _ops.window_sum(
            _t1,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (0, ((0, -1), (4, 1)), 1),
                (0, ((1, -1), (5, 1)), 1)
            ),
            ((0, KH), (0, KW), (0, N), (0, C), (0, Ho + KH - 1), (0, KW + Wo - 1)),
            2,
            "backward_dX._t2",
            zeros_from=Wo
        )
        dX[...] = _t2


def backward_dK(T, X, dU, dK, N, C, M, Ho, Wo, KH, KW):
    """[B7] gradient dK.

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} T[i, j]*X[n, i, a + y, b +
        x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B10] ∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)
    """
    _t0 = _ops.window_product(
        X,
        ((0, ((3, 1),), 1), (0, ((0, 1),), 1), (0, ((1, 1), (4, 1)), 1), (0, ((2, 1), (5, 1)), 1)),
        ((0, C), (0, KH), (0, KW), (0, N), (0, Ho), (0, Wo)),
        3,
        _ops.matrix(dU.transpose(0, 2, 3, 1), 0, 3, "backward_dK._t0.dU"),
        True,
        "backward_dK._t0"
    ).reshape(C, KH, KW, M)
    dK[...] = _t0.transpose(0, 3, 1, 2) * T[:, :, None, None]


def backward_dB(dU, dB, N, M, Ho, Wo):
    """[B7] gradient dB.

    dB[j] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B9] ∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}
    """
    _t0 = dU.sum(axis=(0, 2, 3))
    dB[...] = _t0


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of conv_xcorr_sigmoid, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K", 4)
    _check.rank(arrays, "B", 1)
    _check.rank(arrays, "T", 2)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    M = arrays["K"].shape[1]
    KH = arrays["K"].shape[2]
    KW = arrays["K"].shape[3]
    Ho = -KH + arrays["X"].shape[2] + 1
    Wo = -KW + arrays["X"].shape[3] + 1
    _z = {"N": N, "C": C, "M": M, "Ho": Ho, "Wo": Wo, "KH": KH, "KW": KW}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1), _dt)
    _check.array(arrays, "K", (_z["C"], _z["M"], _z["KH"], _z["KW"]), _dt)
    _check.array(arrays, "B", (_z["M"],), _dt)
    _check.array(arrays, "T", (_z["C"], _z["M"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of conv_xcorr_sigmoid for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
        "K": (_z["C"], _z["M"], _z["KH"], _z["KW"]),
        "B": (_z["M"],),
        "T": (_z["C"], _z["M"]),
        "U": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "Y": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "dU": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "dX": (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
        "dK": (_z["C"], _z["M"], _z["KH"], _z["KW"]),
        "dB": (_z["M"],),
        "dY": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of conv_xcorr_sigmoid [B7]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_U(
        _a["B"],
        _a["T"],
        _a["K"],
        _a["X"],
        _a["U"],
        _z["N"],
        _z["C"],
        _z["M"],
        _z["Ho"],
        _z["Wo"],
        _z["KH"],
        _z["KW"]
    )
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_Y(_a["U"], _a["Y"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dU": (),
    "dX": ("dU",),
    "dK": ("dU",),
    "dB": ("dU",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of conv_xcorr_sigmoid [B7]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _check.buffer(out, "dU", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
        backward_dU(_a["Y"], _a["dY"], _a["dU"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(
            out,
            "dX",
            (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
            _dt,
            _a
        )
        backward_dX(
            _a["T"],
            _a["K"],
            _a["dU"],
            _a["dX"],
            _z["N"],
            _z["C"],
            _z["M"],
            _z["Ho"],
            _z["Wo"],
            _z["KH"],
            _z["KW"]
        )
    if "dK" in _need:
        _g["dK"] = _a["dK"] = _check.buffer(out, "dK", (_z["C"], _z["M"], _z["KH"], _z["KW"]), _dt, _a)
        backward_dK(
            _a["T"],
            _a["X"],
            _a["dU"],
            _a["dK"],
            _z["N"],
            _z["C"],
            _z["M"],
            _z["Ho"],
            _z["Wo"],
            _z["KH"],
            _z["KW"]
        )
    if "dB" in _need:
        _g["dB"] = _a["dB"] = _check.buffer(out, "dB", (_z["M"],), _dt, _a)
        backward_dB(_a["dU"], _a["dB"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of conv_xcorr_sigmoid for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of conv_xcorr_sigmoid: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """conv_xcorr_sigmoid keeps no buffers: nothing to update."""
