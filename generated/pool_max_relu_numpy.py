# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer pool_max_relu, spec hash d3fdec719339dc32.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""pool_max_relu [B11]: sub-sampling, down = max (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. See docs/paper.md [B11].
"""

import numpy as np

from symcnn.support import contract as _contract
from symcnn.support import numpy_ops as _ops

LAYER = "pool_max_relu"
LABEL = "B11"
BACKEND = "numpy"
SPEC_HASH = "d3fdec719339dc32"
INPUTS = ("X",)
PARAMS = ("beta", "b")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ("s",)
RECORDS = ("S",)
INTERMEDIATES = ("D", "U")
GRADIENTS = ("dU", "dD", "dX", "dbeta", "db")
SIZES = ("N", "C", "Ho", "Wo", "s")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


def record_S(X, S, s):
    """[B11] forward record S.

    S = block_argmax(X, s)
    """
    _ops.block_argmax(X, S, s)


def forward_D(S, X, D, N, C, Ho, Wo, s):
    """[B11] forward equation for D.

    D[n, c, y, x] = Σ_{r=0}^{s - 1} Σ_{q=0}^{s - 1} S[n, c, r + s*y, q + s*x]*X[n, c, r + s*y, q +
        s*x]
    """
    _f0 = np.multiply(S, X, out=_ops.scratch("forward_D._f0", S.shape, S.dtype))
    _t1 = _ops.window_sum(
        _f0,
        ((0, ((2, 1),), 1), (0, ((3, 1),), 1), (0, ((0, 1), (4, s)), 1), (0, ((1, 1), (5, s)), 1)),
        ((0, s), (0, s), (0, N), (0, C), (0, Ho), (0, Wo)),
        2,
        "forward_D._t1"
    )
    D[...] = _t1


def forward_U(D, b, beta, U, N, C, Ho, Wo):
    """[B11] forward equation for U.

    U[n, c, y, x] = D[n, c, y, x]*beta[c] + b[c]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B11] u_j^ℓ = β_j^ℓ down(x_j^{ℓ-1}) + b_j^ℓ  (down sums each n×n block)
    """
    np.multiply(D, beta[:, None, None], out=U)
    np.add(U, b[:, None, None], out=U)


def forward_Y(U, Y, N, C, Ho, Wo):
    """[B11] forward equation for Y.

    Y[n, c, y, x] = relu(U[n, c, y, x])
    """
    np.maximum(U, 0, out=Y)


def backward_dU(dY, U, dU, N, C, Ho, Wo):
    """[B11] gradient dU.

    dU[n, c, y, x] = step(U[n, c, y, x])*dY[n, c, y, x]
    """
    np.greater(U, 0, out=dU)
    np.multiply(dU, dY, out=dU)


def backward_dD(beta, dU, dD, N, C, Ho, Wo):
    """[B11] gradient dD.

    dD[n, c, y, x] = beta[c]*dU[n, c, y, x]
    """
    np.multiply(beta[:, None, None], dU, out=dD)


def backward_dX(S, dD, dX, N, C, Ho, Wo, s):
    """[B11] gradient dX.

    dX[n, c, p, q] = S[n, c, p, q]*dD[n, c, floor(p/s), floor(q/s)]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B8] δ_j^ℓ = β_j^{ℓ+1} ( f'(u_j^ℓ) ∘ up(δ_j^{ℓ+1}) ),  up(x) = x ⊗ 1_{n×n}
    """
    _v0 = _ops.view(
        dD,
        ((0, ((0, 1),), 1), (0, ((1, 1),), 1), (0, ((2, 1),), s), (0, ((3, 1),), s)),
        ((0, N), (0, C), (0, Ho*s), (0, Wo*s)),
        "backward_dX._v0"
    )
    np.multiply(S, _v0, out=dX)


def backward_dbeta(D, dU, dbeta, N, C, Ho, Wo):
    """[B11] gradient dbeta.

    dbeta[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} D[n, c, y, x]*dU[n, c, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B13] ∂E/∂β_j = Σ_{u,v} (δ_j^ℓ ∘ d_j^ℓ)_{uv},  d_j^ℓ = down(x_j^{ℓ-1})
    """
    _t0 = _ops.product(
        _ops.matrix(D.transpose(1, 0, 2, 3), 1, 0, "backward_dbeta._t0.D"),
        _ops.matrix(dU.transpose(1, 0, 2, 3), 1, 3, "backward_dbeta._t0.dU"),
        "backward_dbeta._t0"
    ).reshape(C)
    dbeta[...] = _t0


def backward_db(dU, db, N, C, Ho, Wo):
    """[B11] gradient db.

    db[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} dU[n, c, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B13] ∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}
    """
    _t0 = dU.sum(axis=(0, 2, 3))
    db[...] = _t0


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of pool_max_relu, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "beta", 1)
    _check.rank(arrays, "b", 1)
    _check.hyper(hyper, "s")
    s = int(hyper["s"])
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    Ho = (arrays["X"].shape[2]) // (s)
    Wo = (arrays["X"].shape[3]) // (s)
    _z = {"N": N, "C": C, "Ho": Ho, "Wo": Wo, "s": s}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    _check.array(arrays, "beta", (_z["C"],), _dt)
    _check.array(arrays, "b", (_z["C"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of pool_max_relu for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "beta": (_z["C"],),
        "b": (_z["C"],),
        "S": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "D": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "U": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "Y": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dU": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dD": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dX": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "dbeta": (_z["C"],),
        "db": (_z["C"],),
        "dY": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of pool_max_relu [B11]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["S"] = _a["S"] = _check.buffer(out, "S", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt, _a)
    record_S(_a["X"], _a["S"], _z["s"])
    _r["D"] = _a["D"] = _check.buffer(out, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_D(_a["S"], _a["X"], _a["D"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_U(_a["D"], _a["b"], _a["beta"], _a["U"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_Y(_a["U"], _a["Y"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dU": (),
    "dD": ("dU",),
    "dX": ("dD",),
    "dbeta": ("dU",),
    "db": ("dU",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of pool_max_relu [B11]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["S"] = _check.array(arrays, "S", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    _a["D"] = _check.array(arrays, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _check.buffer(out, "dU", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
        backward_dU(_a["dY"], _a["U"], _a["dU"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "dD" in _need:
        _g["dD"] = _a["dD"] = _check.buffer(out, "dD", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
        backward_dD(_a["beta"], _a["dU"], _a["dD"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt, _a)
        backward_dX(_a["S"], _a["dD"], _a["dX"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    if "dbeta" in _need:
        _g["dbeta"] = _a["dbeta"] = _check.buffer(out, "dbeta", (_z["C"],), _dt, _a)
        backward_dbeta(_a["D"], _a["dU"], _a["dbeta"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "db" in _need:
        _g["db"] = _a["db"] = _check.buffer(out, "db", (_z["C"],), _dt, _a)
        backward_db(_a["dU"], _a["db"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of pool_max_relu for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of pool_max_relu: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """pool_max_relu keeps no buffers: nothing to update."""
