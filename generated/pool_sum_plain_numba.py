# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer pool_sum_plain, spec hash 299a190e23ba6473.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""pool_sum_plain [B11]: sub-sampling, down = sum, β and b frozen (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See PAPER.md [B11].
"""

import sys

import numpy as np
from numba import njit, prange

from symcnn.errors import ShapeError

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_pool_sum_plain_numba_299a190e23ba6473"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "pool_sum_plain"
LABEL = "B11"
BACKEND = "numba"
SPEC_HASH = "299a190e23ba6473"
INPUTS = ("X",)
PARAMS = ()
CONSTANTS = ()
OUTPUTS = ("D",)
HYPER = ("s",)
RECORDS = ()
INTERMEDIATES = ()
GRADIENTS = ("dX",)
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


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of pool_sum_plain, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _rank(arrays, "X", 4)
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
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of pool_sum_plain (given, recorded, computed, seeds, gradients) for these sizes."""
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "D": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dX": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "dD": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
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
    """Forward pass of pool_sum_plain [B11]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["D"] = _a["D"] = _buffer(out, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    forward_D(_a["X"], _a["D"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dX": (),
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
    """Backward pass of pool_sum_plain [B11]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _needed(wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["D"] = _array(arrays, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["dD"] = _array(arrays, "dD", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _buffer(out, "dX", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
        backward_dX(_a["dD"], _a["dX"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    return _g
