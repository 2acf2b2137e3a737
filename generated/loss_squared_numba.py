# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer loss_squared, spec hash 3329be52fffdd279.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""loss_squared [B2]: squared-error loss (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B2].
"""

import sys
import types

from numba import njit

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_loss_squared_numba_3329be52fffdd279"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "loss_squared"
LABEL = "B2"
BACKEND = "numba"
SPEC_HASH = "3329be52fffdd279"
INPUTS = ("Y",)
PARAMS = ()
CONSTANTS = ("T",)
OUTPUTS = ("L",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ()
GRADIENTS = ("dY",)
SIZES = ("N", "O")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "Y")


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_L(T, Y, L, N, O):
    """[B2] forward equation for L.

    L[n] = (Σ_{k=0}^{O - 1} (-T[n, k] + Y[n, k])**2)/2

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B2] E^n = ½ Σ_k (t_k^n − y_k^n)²
    """
    for n in range(N):
        _acc = L.dtype.type(0)
        _h = L.dtype.type(1/2)
        for k in range(O):
            _acc += _h*(-T[n, k] + Y[n, k])**2
        L[n] = _acc


@njit(cache=True)
def backward_dY(T, Y, dL, dY, N, O):
    """[B2] gradient dY.

    dY[n, k] = (-T[n, k] + Y[n, k])*dL[n]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B4] δ^L = f'(u^L) ∘ (y^n − t^n)
    """
    for n in range(N):
        for k in range(O):
            dY[n, k] = (-T[n, k] + Y[n, k])*dL[n]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of loss_squared, read off the shapes of its inputs, parameters and constants."""
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
    """The shape of every array of loss_squared for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "Y": (_z["N"], _z["O"]),
        "T": (_z["N"], _z["O"]),
        "L": (_z["N"],),
        "dY": (_z["N"], _z["O"]),
        "dL": (_z["N"],),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of loss_squared [B2]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["L"] = _a["L"] = _check.buffer(out, "L", (_z["N"],), _dt, _a)
    forward_L(_a["T"], _a["Y"], _a["L"], _z["N"], _z["O"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dY": (),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of loss_squared [B2]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["L"] = _check.array(arrays, "L", (_z["N"],), _dt)
    _a["dL"] = _check.array(arrays, "dL", (_z["N"],), _dt)
    _g = {}
    if "dY" in _need:
        _g["dY"] = _a["dY"] = _check.buffer(out, "dY", (_z["N"], _z["O"]), _dt, _a)
        backward_dY(_a["T"], _a["Y"], _a["dL"], _a["dY"], _z["N"], _z["O"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of loss_squared for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of loss_squared: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """loss_squared keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
