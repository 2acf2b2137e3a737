# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer fc_tanh, spec hash f2d9eda3677e5087.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""fc_tanh [B1]: fully connected layer (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. See docs/paper.md [B1].
"""

import numpy as np

from symcnn.support import contract as _contract
from symcnn.support import numpy_ops as _ops

LAYER = "fc_tanh"
LABEL = "B1"
BACKEND = "numpy"
SPEC_HASH = "f2d9eda3677e5087"
INPUTS = ("X",)
PARAMS = ("W", "b")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("U",)
GRADIENTS = ("dU", "dX", "dW", "db")
SIZES = ("N", "I", "O")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


def forward_U(b, W, X, U, N, I, O):
    """[B1] forward equation for U.

    U[n, k] = b[k] + Σ_{i=0}^{I - 1} W[k, i]*X[n, i]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B1] u^ℓ = W^ℓ x^{ℓ-1} + b^ℓ
    """
    U[...] = b
    _t0 = _ops.product(X.reshape(N, I), W.reshape(O, I).swapaxes(-1, -2), "forward_U._t0").reshape(N, O)
    U[...] += _t0


def forward_Y(U, Y, N, O):
    """[B1] forward equation for Y.

    Y[n, k] = tanh(U[n, k])
    """
    np.tanh(U, out=Y)


def backward_dU(Y, dY, dU, N, O):
    """[B1] gradient dU.

    dU[n, k] = (1 - Y[n, k]**2)*dY[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B5] δ^ℓ = (W^{ℓ+1})ᵀ δ^{ℓ+1} ∘ f'(u^ℓ)
    """
    np.square(Y, out=dU)
    np.subtract(1, dU, out=dU)
    np.multiply(dU, dY, out=dU)


def backward_dX(W, dU, dX, N, I, O):
    """[B1] gradient dX.

    dX[n, i] = Σ_{k=0}^{O - 1} W[k, i]*dU[n, k]
    """
    _t0 = _ops.product(dU.reshape(N, O), W.reshape(O, I), "backward_dX._t0").reshape(N, I)
    dX[...] = _t0


def backward_dW(X, dU, dW, N, I, O):
    """[B1] gradient dW.

    dW[k, i] = Σ_{n=0}^{N - 1} X[n, i]*dU[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B6] ∂E/∂W^ℓ = x^{ℓ-1} (δ^ℓ)ᵀ  (the paper's layout)
    """
    _t0 = _ops.product(dU.reshape(N, O).swapaxes(-1, -2), X.reshape(N, I), "backward_dW._t0").reshape(O, I)
    dW[...] = _t0


def backward_db(dU, db, N, O):
    """[B1] gradient db.

    db[k] = Σ_{n=0}^{N - 1} dU[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B3] ∂E/∂b = δ = ∂E/∂u
    """
    _t0 = dU.sum(axis=(0,))
    db[...] = _t0


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of fc_tanh, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 2)
    _check.rank(arrays, "W", 2)
    _check.rank(arrays, "b", 1)
    N = arrays["X"].shape[0]
    I = arrays["X"].shape[1]
    O = arrays["W"].shape[0]
    _z = {"N": N, "I": I, "O": O}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["I"]), _dt)
    _check.array(arrays, "W", (_z["O"], _z["I"]), _dt)
    _check.array(arrays, "b", (_z["O"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of fc_tanh for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["I"]),
        "W": (_z["O"], _z["I"]),
        "b": (_z["O"],),
        "U": (_z["N"], _z["O"]),
        "Y": (_z["N"], _z["O"]),
        "dU": (_z["N"], _z["O"]),
        "dX": (_z["N"], _z["I"]),
        "dW": (_z["O"], _z["I"]),
        "db": (_z["O"],),
        "dY": (_z["N"], _z["O"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of fc_tanh [B1]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["O"]), _dt, _a)
    forward_U(_a["b"], _a["W"], _a["X"], _a["U"], _z["N"], _z["I"], _z["O"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["O"]), _dt, _a)
    forward_Y(_a["U"], _a["Y"], _z["N"], _z["O"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dU": (),
    "dX": ("dU",),
    "dW": ("dU",),
    "db": ("dU",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of fc_tanh [B1]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["O"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["O"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["O"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _check.buffer(out, "dU", (_z["N"], _z["O"]), _dt, _a)
        backward_dU(_a["Y"], _a["dY"], _a["dU"], _z["N"], _z["O"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["I"]), _dt, _a)
        backward_dX(_a["W"], _a["dU"], _a["dX"], _z["N"], _z["I"], _z["O"])
    if "dW" in _need:
        _g["dW"] = _a["dW"] = _check.buffer(out, "dW", (_z["O"], _z["I"]), _dt, _a)
        backward_dW(_a["X"], _a["dU"], _a["dW"], _z["N"], _z["I"], _z["O"])
    if "db" in _need:
        _g["db"] = _a["db"] = _check.buffer(out, "db", (_z["O"],), _dt, _a)
        backward_db(_a["dU"], _a["db"], _z["N"], _z["O"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of fc_tanh for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of fc_tanh: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """fc_tanh keeps no buffers: nothing to update."""
