# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer conv_xcorr_identity_same, spec hash 16a15ec93494bad1.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""conv_xcorr_identity_same [B7]: convolution (xcorr), 'same' zero padding (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. See docs/paper.md [B7].
"""

from symcnn.support import contract as _contract
from symcnn.support import numpy_ops as _ops

LAYER = "conv_xcorr_identity_same"
LABEL = "B7"
BACKEND = "numpy"
SPEC_HASH = "16a15ec93494bad1"
INPUTS = ("X",)
PARAMS = ("K", "B")
CONSTANTS = ()
OUTPUTS = ("U",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ()
GRADIENTS = ("dX", "dK", "dB")
SIZES = ("N", "C", "M", "H", "W", "RH", "RW")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


def forward_U(B, K, X, U, N, C, M, H, W, RH, RW):
    """[B7] forward equation for U.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{2*RH} Σ_{b=0}^{2*RW} padded(X[n, i, -RH + a + y,
        -RW + b + x])*K[i, j, a, b]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B7] u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')
    """
    U[...] = B[:, None, None]
    if _ops.windows_first(
        (2*RH + 1) * (2*RW + 1) * M * N * H * W + (2*RH + 1) * (2*RW + 1) * N * M * H * W,
        _ops.window_moved(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-RH, ((4, 1), (1, 1)), 1), (-RW, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 2*RH + 1), (0, 2*RW + 1)),
            3
        )
        + N * H * W * M
    ):
        _t2 = _ops.window_product(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-RH, ((4, 1), (1, 1)), 1), (-RW, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 2*RH + 1), (0, 2*RW + 1)),
            3,
            _ops.matrix(K.transpose(0, 2, 3, 1), 0, 3, "forward_U._t2.K"),
            True,
            "forward_U._t2"
        ).reshape(N, H, W, M)
        U[...] += _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K.transpose(2, 3, 1, 0), 0, 3, "forward_U._t0.K"),
            _ops.matrix(X.transpose(1, 0, 2, 3), 0, 1, "forward_U._t0.X"),
            "forward_U._t0",
            pad=(W, W)
        ).reshape(2*RH + 1, 2*RW + 1, M, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (-RH, ((0, 1), (4, 1)), 1),
                (-RW, ((1, 1), (5, 1)), 1)
            ),
            ((0, 2*RH + 1), (0, 2*RW + 1), (0, N), (0, M), (0, H), (0, W)),
            2,
            "forward_U._t1",
            zeros_from=W
        )
        U[...] += _t1


def backward_dX(K, dU, dX, N, C, M, H, W, RH, RW):
    """[B7] gradient dX.

    dX[n, i, p, q] = Σ_{j=0}^{M - 1} Σ_{a=max(0, -H + RH + p + 1)}^{min(2*RH, RH + p)} Σ_{b=max(0,
        RW - W + q + 1)}^{min(2*RW, RW + q)} K[i, j, a, b]*dU[n, j, RH - a + p, RW - b + q]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B12] δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')
    [EX1] 3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3
    """
    if _ops.windows_first(
        (2*RH + 1) * (2*RW + 1) * C * N * H * W + (2*RH + 1) * (2*RW + 1) * N * C * H * W,
        _ops.window_moved(
            dU,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (RH, ((4, -1), (1, 1)), 1), (RW, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, M), (0, 2*RH + 1), (0, 2*RW + 1)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            dU,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (RH, ((4, -1), (1, 1)), 1), (RW, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, M), (0, 2*RH + 1), (0, 2*RW + 1)),
            3,
            K.reshape(C, M * (2*RH + 1) * (2*RW + 1)).swapaxes(-1, -2),
            True,
            "backward_dX._t2"
        ).reshape(N, H, W, C)
        dX[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K.transpose(2, 3, 0, 1), 0, 3, "backward_dX._t0.K"),
            _ops.matrix(dU.transpose(1, 0, 2, 3), 0, 1, "backward_dX._t0.dU"),
            "backward_dX._t0",
            pad=(W, W)
        ).reshape(2*RH + 1, 2*RW + 1, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (RH, ((0, -1), (4, 1)), 1),
                (RW, ((1, -1), (5, 1)), 1)
            ),
            ((0, 2*RH + 1), (0, 2*RW + 1), (0, N), (0, C), (0, H), (0, W)),
            2,
            "backward_dX._t1",
            zeros_from=W
        )
        dX[...] = _t1


def backward_dK(X, dU, dK, N, C, M, H, W, RH, RW):
    """[B7] gradient dK.

    dK[i, j, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, RH - a)}^{min(H - 1, H + RH - a - 1)} Σ_{x=max(0,
        RW - b)}^{min(W - 1, RW + W - b - 1)} X[n, i, -RH + a + y, -RW + b + x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B10] ∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)
    """
    _t0 = _ops.window_product(
        X,
        ((0, ((3, 1),), 1), (0, ((0, 1),), 1), (-RH, ((1, 1), (4, 1)), 1), (-RW, ((2, 1), (5, 1)), 1)),
        ((0, C), (0, 2*RH + 1), (0, 2*RW + 1), (0, N), (0, H), (0, W)),
        3,
        _ops.matrix(dU.transpose(0, 2, 3, 1), 0, 3, "backward_dK._t0.dU"),
        True,
        "backward_dK._t0"
    ).reshape(C, 2*RH + 1, 2*RW + 1, M)
    dK[...] = _t0.transpose(0, 3, 1, 2)


def backward_dB(dU, dB, N, M, H, W):
    """[B7] gradient dB.

    dB[j] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B9] ∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}
    """
    _t0 = dU.sum(axis=(0, 2, 3))
    dB[...] = _t0


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of conv_xcorr_identity_same, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K", 4)
    _check.rank(arrays, "B", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    M = arrays["K"].shape[1]
    RH = (arrays["K"].shape[2] - 1) // (2)
    RW = (arrays["K"].shape[3] - 1) // (2)
    _z = {"N": N, "C": C, "M": M, "H": H, "W": W, "RH": RH, "RW": RW}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _check.array(arrays, "K", (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1), _dt)
    _check.array(arrays, "B", (_z["M"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of conv_xcorr_identity_same for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "K": (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1),
        "B": (_z["M"],),
        "U": (_z["N"], _z["M"], _z["H"], _z["W"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dK": (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1),
        "dB": (_z["M"],),
        "dU": (_z["N"], _z["M"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of conv_xcorr_identity_same [B7]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt, _a)
    forward_U(_a["B"], _a["K"], _a["X"], _a["U"], _z["N"], _z["C"], _z["M"], _z["H"], _z["W"], _z["RH"], _z["RW"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dX": (),
    "dK": (),
    "dB": (),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of conv_xcorr_identity_same [B7]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt)
    _a["dU"] = _check.array(arrays, "dU", (_z["N"], _z["M"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(_a["K"], _a["dU"], _a["dX"], _z["N"], _z["C"], _z["M"], _z["H"], _z["W"], _z["RH"], _z["RW"])
    if "dK" in _need:
        _g["dK"] = _a["dK"] = _check.buffer(out, "dK", (_z["C"], _z["M"], 2*_z["RH"] + 1, 2*_z["RW"] + 1), _dt, _a)
        backward_dK(_a["X"], _a["dU"], _a["dK"], _z["N"], _z["C"], _z["M"], _z["H"], _z["W"], _z["RH"], _z["RW"])
    if "dB" in _need:
        _g["dB"] = _a["dB"] = _check.buffer(out, "dB", (_z["M"],), _dt, _a)
        backward_dB(_a["dU"], _a["dB"], _z["N"], _z["M"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of conv_xcorr_identity_same for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of conv_xcorr_identity_same: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """conv_xcorr_identity_same keeps no buffers: nothing to update."""
