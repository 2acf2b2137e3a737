# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer pool_sum_sigmoid, spec hash 305d0daa1431e4dd.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""pool_sum_sigmoid [B11]: sub-sampling, down = sum (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See PAPER.md [B11].
"""

import math
import sys

import numpy as np
from numba import njit, prange

from symcnn.errors import ShapeError

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_pool_sum_sigmoid_numba_305d0daa1431e4dd"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "pool_sum_sigmoid"
LABEL = "B11"
BACKEND = "numba"
SPEC_HASH = "305d0daa1431e4dd"
INPUTS = ("X",)
PARAMS = ("beta", "b")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ("s",)
RECORDS = ()
INTERMEDIATES = ("D", "U")
GRADIENTS = ("dU", "dD", "dX", "dbeta", "db")
SIZES = ("N", "C", "Ho", "Wo", "s")


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_D(X, D, N, C, Ho, Wo, s):
    """[B11] forward equation for D.

    D[n, c, y, x] = Sum(X[n, c, r + s*y, q + s*x], (r, 0, s - 1), (q, 0, s - 1))
    """
    _dt = D.dtype.type
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for y in range(Ho):
            for x in range(Wo):
                D[n, c, y, x] = _dt(0)
        for r in range(s):
            for q in range(s):
                for y in range(Ho):
                    for x in range(Wo):
                        D[n, c, y, x] += X[n, c, r + s*y, q + s*x]


@njit(cache=True, parallel=True)
def forward_U(D, b, beta, U, N, C, Ho, Wo):
    """[B11] forward equation for U.

    U[n, c, y, x] = D[n, c, y, x]*beta[c] + b[c]
    """
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for y in range(Ho):
            for x in range(Wo):
                U[n, c, y, x] = D[n, c, y, x]*beta[c] + b[c]


@njit(cache=True, parallel=True)
def forward_Y(U, Y, N, C, Ho, Wo):
    """[B11] forward equation for Y.

    Y[n, c, y, x] = sigmoid(U[n, c, y, x])
    """
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for y in range(Ho):
            for x in range(Wo):
                Y[n, c, y, x] = (1.0 / (1.0 + math.exp(-(U[n, c, y, x]))))


@njit(cache=True, parallel=True)
def backward_dU(Y, dY, dU, N, C, Ho, Wo):
    """[B11] gradient dU.

    dU[n, c, y, x] = (1 - Y[n, c, y, x])*Y[n, c, y, x]*dY[n, c, y, x]
    """
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for y in range(Ho):
            for x in range(Wo):
                dU[n, c, y, x] = (1 - Y[n, c, y, x])*Y[n, c, y, x]*dY[n, c, y, x]


@njit(cache=True, parallel=True)
def backward_dD(beta, dU, dD, N, C, Ho, Wo):
    """[B11] gradient dD.

    dD[n, c, y, x] = beta[c]*dU[n, c, y, x]
    """
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for y in range(Ho):
            for x in range(Wo):
                dD[n, c, y, x] = beta[c]*dU[n, c, y, x]


@njit(cache=True, parallel=True)
def backward_dX(dD, dX, N, C, Ho, Wo, s):
    """[B11] gradient dX.

    dX[n, c, p, q] = dD[n, c, floor(p/s), floor(q/s)]
    """
    _dt = dX.dtype.type
    for _o in prange(N * C):
        n = _o // C
        c = _o % C
        for _p in range(Ho):
            for _p_r in range(s):
                for _q in range(Wo):
                    _h3 = _dt(dD[n, c, _p, _q])
                    for _q_r in range(s):
                        dX[n, c, _p*s + _p_r, _q*s + _q_r] = _h3


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dbeta(D, dU, dbeta, N, C, Ho, Wo):
    """[B11] gradient dbeta.

    dbeta[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} D[n, c, y, x]*dU[n, c, y, x]
    """
    _dt = dbeta.dtype.type
    for c in prange(C):
        _acc = _dt(0)
        for n in range(N):
            for y in range(Ho):
                for x in range(Wo):
                    _acc += D[n, c, y, x]*dU[n, c, y, x]
        dbeta[c] = _acc


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_db(dU, db, N, C, Ho, Wo):
    """[B11] gradient db.

    db[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} dU[n, c, y, x]
    """
    _dt = db.dtype.type
    for c in prange(C):
        _acc = _dt(0)
        for n in range(N):
            for y in range(Ho):
                for x in range(Wo):
                    _acc += dU[n, c, y, x]
        db[c] = _acc


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of pool_sum_sigmoid, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _rank(arrays, "X", 4)
    _rank(arrays, "beta", 1)
    _rank(arrays, "b", 1)
    if "s" not in hyper:
        raise ShapeError(f"{LAYER}: hyper-parameter 's' is missing")
    s = int(hyper["s"])
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    Ho = (arrays["X"].shape[2]) // (s)
    Wo = (arrays["X"].shape[3]) // (s)
    _z = {"N": N, "C": C, "Ho": Ho, "Wo": Wo, "s": s}
    for _name, _value in _z.items():
        if _value < 1:
            raise ShapeError(f"{LAYER}: size {_name} = {_value} from these shapes; every size must be >= 1")
    _dt = _dtype(arrays)
    _array(arrays, "X", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    _array(arrays, "beta", (_z["C"],), _dt)
    _array(arrays, "b", (_z["C"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of pool_sum_sigmoid (given, recorded, computed, seeds, gradients) for these sizes."""
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "beta": (_z["C"],),
        "b": (_z["C"],),
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


def _rank(arrays: dict, name: str, rank: int) -> None:
    if name not in arrays:
        raise ShapeError(f"{LAYER}: array {name!r} is missing")
    if not isinstance(arrays[name], np.ndarray) or arrays[name].ndim != rank:
        raise ShapeError(f"{LAYER}: {name} must be a NumPy array of rank {rank}")


def _dtype(arrays: dict) -> np.dtype:
    name = (INPUTS + PARAMS + CONSTANTS)[0]
    dtype = arrays[name].dtype
    if dtype not in (np.float32, np.float64):
        raise ShapeError(f"{LAYER}: arrays must be float32 or float64, got {dtype} for {name}")
    return dtype


def _array(arrays: dict, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if name not in arrays:
        raise ShapeError(f"{LAYER}: array {name!r} is missing")
    return _checked(arrays[name], name, shape, dtype)


def _checked(a: np.ndarray, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.shape != shape:
        got = getattr(a, "shape", type(a).__name__)
        raise ShapeError(f"{LAYER}: {name} has shape {got}, expected {shape}")
    if a.dtype != dtype:
        raise ShapeError(f"{LAYER}: {name} is {a.dtype}, expected {dtype} like the other arrays")
    if not a.flags.c_contiguous:
        raise ShapeError(f"{LAYER}: {name} must be C-contiguous")
    return a


def _buffer(out: dict | None, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if out is not None and name in out:
        return _checked(out[name], name, shape, dtype)
    return np.empty(shape, dtype)


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of pool_sum_sigmoid [B11]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["D"] = _a["D"] = _buffer(out, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    forward_D(_a["X"], _a["D"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    _r["U"] = _a["U"] = _buffer(out, "U", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    forward_U(_a["D"], _a["b"], _a["beta"], _a["U"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    _r["Y"] = _a["Y"] = _buffer(out, "Y", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
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


def _needed(wanted) -> set:
    """``wanted`` and every gradient computing them reads (a kernel reads only gradients made before it)."""
    if wanted is None:
        return set(GRADIENTS)
    need = set(wanted)
    for _name in reversed(GRADIENTS):
        if _name in need:
            need.update(_READS[_name])
    return need


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of pool_sum_sigmoid [B11]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _needed(wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["D"] = _array(arrays, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["U"] = _array(arrays, "U", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["Y"] = _array(arrays, "Y", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["dY"] = _array(arrays, "dY", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _buffer(out, "dU", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
        backward_dU(_a["Y"], _a["dY"], _a["dU"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "dD" in _need:
        _g["dD"] = _a["dD"] = _buffer(out, "dD", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
        backward_dD(_a["beta"], _a["dU"], _a["dD"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _buffer(out, "dX", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
        backward_dX(_a["dD"], _a["dX"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    if "dbeta" in _need:
        _g["dbeta"] = _a["dbeta"] = _buffer(out, "dbeta", (_z["C"],), _dt)
        backward_dbeta(_a["D"], _a["dU"], _a["dbeta"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    if "db" in _need:
        _g["db"] = _a["db"] = _buffer(out, "db", (_z["C"],), _dt)
        backward_db(_a["dU"], _a["db"], _z["N"], _z["C"], _z["Ho"], _z["Wo"])
    return _g
