# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer fc_tanh, spec hash f2d9eda3677e5087.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""fc_tanh [B1]: fully connected layer (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B1].
"""

import math
import sys
import types

from numba import njit, prange

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_fc_tanh_numba_f2d9eda3677e5087"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "fc_tanh"
LABEL = "B1"
BACKEND = "numba"
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


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U(b, W, X, U, N, I, O):
    """[B1] forward equation for U.

    U[n, k] = b[k] + Σ_{i=0}^{I - 1} W[k, i]*X[n, i]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B1] u^ℓ = W^ℓ x^{ℓ-1} + b^ℓ
    """
    _dt = U.dtype.type
    _nq = (O + 3) // 4
    for _o in prange(((N + 3) // 4)*_nq):
        _p0 = (_o // _nq)*4
        _q0 = (_o % _nq)*4
        if _p0 + 4 <= N and _q0 + 4 <= O:
            _s0 = _dt(0)
            _s1 = _dt(0)
            _s2 = _dt(0)
            _s3 = _dt(0)
            _s4 = _dt(0)
            _s5 = _dt(0)
            _s6 = _dt(0)
            _s7 = _dt(0)
            _s8 = _dt(0)
            _s9 = _dt(0)
            _s10 = _dt(0)
            _s11 = _dt(0)
            _s12 = _dt(0)
            _s13 = _dt(0)
            _s14 = _dt(0)
            _s15 = _dt(0)
            for i in range(I):
                _w0 = W[_q0, i]
                _w1 = X[_p0, i]
                _w2 = W[_q0 + 1, i]
                _w3 = W[_q0 + 2, i]
                _w4 = W[_q0 + 3, i]
                _w5 = X[_p0 + 1, i]
                _w6 = X[_p0 + 2, i]
                _w7 = X[_p0 + 3, i]
                _s0 += _w0*_w1
                _s1 += _w1*_w2
                _s2 += _w1*_w3
                _s3 += _w1*_w4
                _s4 += _w0*_w5
                _s5 += _w2*_w5
                _s6 += _w3*_w5
                _s7 += _w4*_w5
                _s8 += _w0*_w6
                _s9 += _w2*_w6
                _s10 += _w3*_w6
                _s11 += _w4*_w6
                _s12 += _w0*_w7
                _s13 += _w2*_w7
                _s14 += _w3*_w7
                _s15 += _w4*_w7
            U[_p0, _q0] = _s0 + b[_q0]
            U[_p0, _q0 + 1] = _s1 + b[_q0 + 1]
            U[_p0, _q0 + 2] = _s2 + b[_q0 + 2]
            U[_p0, _q0 + 3] = _s3 + b[_q0 + 3]
            U[_p0 + 1, _q0] = _s4 + b[_q0]
            U[_p0 + 1, _q0 + 1] = _s5 + b[_q0 + 1]
            U[_p0 + 1, _q0 + 2] = _s6 + b[_q0 + 2]
            U[_p0 + 1, _q0 + 3] = _s7 + b[_q0 + 3]
            U[_p0 + 2, _q0] = _s8 + b[_q0]
            U[_p0 + 2, _q0 + 1] = _s9 + b[_q0 + 1]
            U[_p0 + 2, _q0 + 2] = _s10 + b[_q0 + 2]
            U[_p0 + 2, _q0 + 3] = _s11 + b[_q0 + 3]
            U[_p0 + 3, _q0] = _s12 + b[_q0]
            U[_p0 + 3, _q0 + 1] = _s13 + b[_q0 + 1]
            U[_p0 + 3, _q0 + 2] = _s14 + b[_q0 + 2]
            U[_p0 + 3, _q0 + 3] = _s15 + b[_q0 + 3]
        else:
            for n in range(_p0, min(_p0 + 4, N)):
                for k in range(_q0, min(_q0 + 4, O)):
                    _acc = _dt(0)
                    _acc += b[k]
                    for i in range(I):
                        _acc += W[k, i]*X[n, i]
                    U[n, k] = _acc


@njit(cache=True)
def forward_Y(U, Y, N, O):
    """[B1] forward equation for Y.

    Y[n, k] = tanh(U[n, k])
    """
    _Y_r = Y.reshape(Y.shape[0]*Y.shape[1])
    _U_r = U.reshape(U.shape[0]*U.shape[1])
    for _f in range(N*O):
        _Y_r[_f] = math.tanh(_U_r[_f])


@njit(cache=True)
def backward_dU(Y, dY, dU, N, O):
    """[B1] gradient dU.

    dU[n, k] = (1 - Y[n, k]**2)*dY[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B5] δ^ℓ = (W^{ℓ+1})ᵀ δ^{ℓ+1} ∘ f'(u^ℓ)
    """
    _dU_r = dU.reshape(dU.shape[0]*dU.shape[1])
    _Y_r = Y.reshape(Y.shape[0]*Y.shape[1])
    _dY_r = dY.reshape(dY.shape[0]*dY.shape[1])
    for _f in range(N*O):
        _dU_r[_f] = (1 - _Y_r[_f]**2)*_dY_r[_f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX(W, dU, dX, N, I, O):
    """[B1] gradient dX.

    dX[n, i] = Σ_{k=0}^{O - 1} W[k, i]*dU[n, k]
    """
    _dt = dX.dtype.type
    for _o in prange((N + 3) // 4):
        _p0 = _o*4
        if _p0 + 4 <= N:
            _rr = (O // 4)*4
            for i in range(I):
                dX[_p0, i] = _dt(0)
                dX[_p0 + 1, i] = _dt(0)
                dX[_p0 + 2, i] = _dt(0)
                dX[_p0 + 3, i] = _dt(0)
            for k in range(0, _rr, 4):
                _c00 = _dt(dU[_p0, k])
                _c01 = _dt(dU[_p0, k + 1])
                _c02 = _dt(dU[_p0, k + 2])
                _c03 = _dt(dU[_p0, k + 3])
                _c10 = _dt(dU[_p0 + 1, k])
                _c11 = _dt(dU[_p0 + 1, k + 1])
                _c12 = _dt(dU[_p0 + 1, k + 2])
                _c13 = _dt(dU[_p0 + 1, k + 3])
                _c20 = _dt(dU[_p0 + 2, k])
                _c21 = _dt(dU[_p0 + 2, k + 1])
                _c22 = _dt(dU[_p0 + 2, k + 2])
                _c23 = _dt(dU[_p0 + 2, k + 3])
                _c30 = _dt(dU[_p0 + 3, k])
                _c31 = _dt(dU[_p0 + 3, k + 1])
                _c32 = _dt(dU[_p0 + 3, k + 2])
                _c33 = _dt(dU[_p0 + 3, k + 3])
                for i in range(I):
                    _w0 = W[k, i]
                    _w1 = W[k + 1, i]
                    _w2 = W[k + 2, i]
                    _w3 = W[k + 3, i]
                    dX[_p0, i] += _c00*_w0 + _c01*_w1 + _c02*_w2 + _c03*_w3
                    dX[_p0 + 1, i] += _c10*_w0 + _c11*_w1 + _c12*_w2 + _c13*_w3
                    dX[_p0 + 2, i] += _c20*_w0 + _c21*_w1 + _c22*_w2 + _c23*_w3
                    dX[_p0 + 3, i] += _c30*_w0 + _c31*_w1 + _c32*_w2 + _c33*_w3
            for k in range(_rr, O):
                _c00 = _dt(dU[_p0, k])
                _c10 = _dt(dU[_p0 + 1, k])
                _c20 = _dt(dU[_p0 + 2, k])
                _c30 = _dt(dU[_p0 + 3, k])
                for i in range(I):
                    _w0 = W[k, i]
                    dX[_p0, i] += _c00*_w0
                    dX[_p0 + 1, i] += _c10*_w0
                    dX[_p0 + 2, i] += _c20*_w0
                    dX[_p0 + 3, i] += _c30*_w0
        else:
            for n in range(_p0, min(_p0 + 4, N)):
                for i in range(I):
                    dX[n, i] = _dt(0)
                for k in range(O):
                    _h1 = _dt(dU[n, k])
                    for i in range(I):
                        dX[n, i] += _h1*W[k, i]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dW(X, dU, dW, N, I, O):
    """[B1] gradient dW.

    dW[k, i] = Σ_{n=0}^{N - 1} X[n, i]*dU[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B6] ∂E/∂W^ℓ = x^{ℓ-1} (δ^ℓ)ᵀ  (the paper's layout)
    """
    _dt = dW.dtype.type
    for _o in prange((O + 3) // 4):
        _p0 = _o*4
        if _p0 + 4 <= O:
            _rr = (N // 4)*4
            for i in range(I):
                dW[_p0, i] = _dt(0)
                dW[_p0 + 1, i] = _dt(0)
                dW[_p0 + 2, i] = _dt(0)
                dW[_p0 + 3, i] = _dt(0)
            for n in range(0, _rr, 4):
                _c00 = _dt(dU[n, _p0])
                _c01 = _dt(dU[n + 1, _p0])
                _c02 = _dt(dU[n + 2, _p0])
                _c03 = _dt(dU[n + 3, _p0])
                _c10 = _dt(dU[n, _p0 + 1])
                _c11 = _dt(dU[n + 1, _p0 + 1])
                _c12 = _dt(dU[n + 2, _p0 + 1])
                _c13 = _dt(dU[n + 3, _p0 + 1])
                _c20 = _dt(dU[n, _p0 + 2])
                _c21 = _dt(dU[n + 1, _p0 + 2])
                _c22 = _dt(dU[n + 2, _p0 + 2])
                _c23 = _dt(dU[n + 3, _p0 + 2])
                _c30 = _dt(dU[n, _p0 + 3])
                _c31 = _dt(dU[n + 1, _p0 + 3])
                _c32 = _dt(dU[n + 2, _p0 + 3])
                _c33 = _dt(dU[n + 3, _p0 + 3])
                for i in range(I):
                    _w0 = X[n, i]
                    _w1 = X[n + 1, i]
                    _w2 = X[n + 2, i]
                    _w3 = X[n + 3, i]
                    dW[_p0, i] += _c00*_w0 + _c01*_w1 + _c02*_w2 + _c03*_w3
                    dW[_p0 + 1, i] += _c10*_w0 + _c11*_w1 + _c12*_w2 + _c13*_w3
                    dW[_p0 + 2, i] += _c20*_w0 + _c21*_w1 + _c22*_w2 + _c23*_w3
                    dW[_p0 + 3, i] += _c30*_w0 + _c31*_w1 + _c32*_w2 + _c33*_w3
            for n in range(_rr, N):
                _c00 = _dt(dU[n, _p0])
                _c10 = _dt(dU[n, _p0 + 1])
                _c20 = _dt(dU[n, _p0 + 2])
                _c30 = _dt(dU[n, _p0 + 3])
                for i in range(I):
                    _w0 = X[n, i]
                    dW[_p0, i] += _c00*_w0
                    dW[_p0 + 1, i] += _c10*_w0
                    dW[_p0 + 2, i] += _c20*_w0
                    dW[_p0 + 3, i] += _c30*_w0
        else:
            for k in range(_p0, min(_p0 + 4, O)):
                for i in range(I):
                    dW[k, i] = _dt(0)
                for n in range(N):
                    _h1 = _dt(dU[n, k])
                    for i in range(I):
                        dW[k, i] += _h1*X[n, i]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_db(dU, db, N, O):
    """[B1] gradient db.

    db[k] = Σ_{n=0}^{N - 1} dU[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B3] ∂E/∂b = δ = ∂E/∂u
    """
    for k in range(O):
        db[k] = db.dtype.type(0)
    for n in range(N):
        for k in range(O):
            db[k] += dU[n, k]


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


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
