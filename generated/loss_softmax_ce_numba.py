# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer loss_softmax_ce, spec hash 0ae7010c53dec946.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""loss_softmax_ce [B2]: softmax cross-entropy loss (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B2].
"""

import math
import sys
import types

from numba import njit

from symcnn.support import contract as _contract

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
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "Y")


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

    Z[n] = Σ_{k=0}^{O - 1} exp(-Mx[n] + Y[n, k])
    """
    for n in range(N):
        Z[n] = Z.dtype.type(0)
    for k in range(O):
        for n in range(N):
            Z[n] += math.exp(-Mx[n] + Y[n, k])


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_L(Mx, Y, Z, T, L, N, O):
    """[B2] forward equation for L.

    L[n] = -Σ_{k=0}^{O - 1} (-log(Z[n]) - Mx[n] + Y[n, k])*T[n, k]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B2] E^n = ½ Σ_k (t_k^n − y_k^n)²
    """
    for n in range(N):
        L[n] = L.dtype.type(0)
    _h = L.dtype.type(-1)
    for k in range(O):
        for n in range(N):
            L[n] += _h*(-math.log(Z[n]) - Mx[n] + Y[n, k])*T[n, k]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dZ(Z, dL, T, dZ, N, O):
    """[B2] gradient dZ.

    dZ[n] = Σ_{k=0}^{O - 1} T[n, k]*dL[n]/Z[n]
    """
    for n in range(N):
        dZ[n] = dZ.dtype.type(0)
    for k in range(O):
        for n in range(N):
            dZ[n] += T[n, k]*dL[n]/Z[n]


@njit(cache=True)
def backward_dY(Mx, T, Y, dL, dZ, dY, N, O):
    """[B2] gradient dY.

    dY[n, k] = exp(-Mx[n] + Y[n, k])*dZ[n] - T[n, k]*dL[n]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B4] δ^L = f'(u^L) ∘ (y^n − t^n)
    """
    for n in range(N):
        for k in range(O):
            dY[n, k] = math.exp(-Mx[n] + Y[n, k])*dZ[n] - T[n, k]*dL[n]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of loss_softmax_ce, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "Y", 2)
    _check.rank(arrays, "T", 2)
    N = arrays["Y"].shape[0]
    O = arrays["Y"].shape[1]
    _z = {"N": N, "O": O}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "Y", (_z["N"], _z["O"]), _dt)
    _check.array(arrays, "T", (_z["N"], _z["O"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of loss_softmax_ce for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
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


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of loss_softmax_ce [B2]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Mx"] = _a["Mx"] = _check.buffer(out, "Mx", (_z["N"],), _dt, _a)
    record_Mx(_a["Y"], _a["Mx"])
    _r["Z"] = _a["Z"] = _check.buffer(out, "Z", (_z["N"],), _dt, _a)
    forward_Z(_a["Mx"], _a["Y"], _a["Z"], _z["N"], _z["O"])
    _r["L"] = _a["L"] = _check.buffer(out, "L", (_z["N"],), _dt, _a)
    forward_L(_a["Mx"], _a["Y"], _a["Z"], _a["T"], _a["L"], _z["N"], _z["O"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dZ": (),
    "dY": ("dZ",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of loss_softmax_ce [B2]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mx"] = _check.array(arrays, "Mx", (_z["N"],), _dt)
    _a["Z"] = _check.array(arrays, "Z", (_z["N"],), _dt)
    _a["L"] = _check.array(arrays, "L", (_z["N"],), _dt)
    _a["dL"] = _check.array(arrays, "dL", (_z["N"],), _dt)
    _g = {}
    if "dZ" in _need:
        _g["dZ"] = _a["dZ"] = _check.buffer(out, "dZ", (_z["N"],), _dt, _a)
        backward_dZ(_a["Z"], _a["dL"], _a["T"], _a["dZ"], _z["N"], _z["O"])
    if "dY" in _need:
        _g["dY"] = _a["dY"] = _check.buffer(out, "dY", (_z["N"], _z["O"]), _dt, _a)
        backward_dY(_a["Mx"], _a["T"], _a["Y"], _a["dL"], _a["dZ"], _a["dY"], _z["N"], _z["O"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of loss_softmax_ce for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of loss_softmax_ce: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """loss_softmax_ce keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
