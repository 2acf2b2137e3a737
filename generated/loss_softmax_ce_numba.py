# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer loss_softmax_ce, spec hash 0ae7010c53dec946.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""loss_softmax_ce [B2]: softmax cross-entropy loss (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See PAPER.md [B2].
"""

import math
import sys

import numpy as np
from numba import njit

from symcnn.errors import ShapeError

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_loss_softmax_ce_numba_0ae7010c53dec946"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "loss_softmax_ce"
LABEL = "B2"
BACKEND = "numba"
SPEC_HASH = "0ae7010c53dec946"
INPUTS = ("Y",)
PARAMS = ()
CONSTANTS = ("T",)
OUTPUTS = ("L",)
HYPER = ()
RECORDS = ("Mx",)
INTERMEDIATES = ("Z",)
GRADIENTS = ("dZ", "dY")
SIZES = ("N", "O")


@njit(cache=True)
def record_Mx(Y, Mx):
    """[B2] forward record Mx.

    Mx = row_max(Y, 1)
    """
    for _i0 in range(Y.shape[0]):
        _m = Y[_i0, 0]
        for _k in range(1, Y.shape[1]):
            _m = max(_m, Y[_i0, _k])
        Mx[_i0] = _m


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_Z(Mx, Y, Z, N, O):
    """[B2] forward equation for Z.

    Z[n] = Sum(exp(-Mx[n] + Y[n, k]), (k, 0, O - 1))
    """
    _dt = Z.dtype.type
    for n in range(N):
        Z[n] = _dt(0)
    for k in range(O):
        for n in range(N):
            Z[n] += math.exp(-Mx[n] + Y[n, k])


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_L(Mx, Y, Z, T, L, N, O):
    """[B2] forward equation for L.

    L[n] = -Sum((-log(Z[n]) - Mx[n] + Y[n, k])*T[n, k], (k, 0, O - 1))
    """
    _dt = L.dtype.type
    for n in range(N):
        L[n] = _dt(0)
    _h0 = _dt(-1)
    for k in range(O):
        for n in range(N):
            L[n] += _h0*(-math.log(Z[n]) - Mx[n] + Y[n, k])*T[n, k]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dZ(Z, dL, T, dZ, N, O):
    """[B2] gradient dZ.

    dZ[n] = Σ_{k=0}^{O - 1} T[n, k]*dL[n]/Z[n]
    """
    _dt = dZ.dtype.type
    for n in range(N):
        dZ[n] = _dt(0)
    for k in range(O):
        for n in range(N):
            dZ[n] += T[n, k]*dL[n]/Z[n]


@njit(cache=True)
def backward_dY(Mx, T, Y, dL, dZ, dY, N, O):
    """[B2] gradient dY.

    dY[n, k] = exp(-Mx[n] + Y[n, k])*dZ[n] - T[n, k]*dL[n]
    """
    for n in range(N):
        for k in range(O):
            dY[n, k] = math.exp(-Mx[n] + Y[n, k])*dZ[n] - T[n, k]*dL[n]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of loss_softmax_ce, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _rank(arrays, "Y", 2)
    _rank(arrays, "T", 2)
    N = arrays["Y"].shape[0]
    O = arrays["Y"].shape[1]
    _z = {"N": N, "O": O}
    for _name, _value in _z.items():
        if _value < 1:
            raise ShapeError(f"{LAYER}: size {_name} = {_value} from these shapes; every size must be >= 1")
    _dt = _dtype(arrays)
    _array(arrays, "Y", (_z["N"], _z["O"]), _dt)
    _array(arrays, "T", (_z["N"], _z["O"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of loss_softmax_ce (given, recorded, computed, seeds, gradients) for these sizes."""
    _z = sizes
    return {
        "Y": (_z["N"], _z["O"]),
        "T": (_z["N"], _z["O"]),
        "Mx": (_z["N"],),
        "Z": (_z["N"],),
        "L": (_z["N"],),
        "dZ": (_z["N"],),
        "dY": (_z["N"], _z["O"]),
        "dL": (_z["N"],),
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
    """Forward pass of loss_softmax_ce [B2]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Mx"] = _a["Mx"] = _buffer(out, "Mx", (_z["N"],), _dt)
    record_Mx(_a["Y"], _a["Mx"])
    _r["Z"] = _a["Z"] = _buffer(out, "Z", (_z["N"],), _dt)
    forward_Z(_a["Mx"], _a["Y"], _a["Z"], _z["N"], _z["O"])
    _r["L"] = _a["L"] = _buffer(out, "L", (_z["N"],), _dt)
    forward_L(_a["Mx"], _a["Y"], _a["Z"], _a["T"], _a["L"], _z["N"], _z["O"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dZ": (),
    "dY": ("dZ",),
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
    """Backward pass of loss_softmax_ce [B2]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _needed(wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mx"] = _array(arrays, "Mx", (_z["N"],), _dt)
    _a["Z"] = _array(arrays, "Z", (_z["N"],), _dt)
    _a["L"] = _array(arrays, "L", (_z["N"],), _dt)
    _a["dL"] = _array(arrays, "dL", (_z["N"],), _dt)
    _g = {}
    if "dZ" in _need:
        _g["dZ"] = _a["dZ"] = _buffer(out, "dZ", (_z["N"],), _dt)
        backward_dZ(_a["Z"], _a["dL"], _a["T"], _a["dZ"], _z["N"], _z["O"])
    if "dY" in _need:
        _g["dY"] = _a["dY"] = _buffer(out, "dY", (_z["N"], _z["O"]), _dt)
        backward_dY(_a["Mx"], _a["T"], _a["Y"], _a["dL"], _a["dZ"], _a["dY"], _z["N"], _z["O"])
    return _g
