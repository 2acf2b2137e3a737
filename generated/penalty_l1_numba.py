# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer penalty_l1, spec hash fb9dcfbda622f00f.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""penalty_l1 [B14e]: L1 penalty on the softmax combination weights (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B14e].
"""

import math
import sys
import types

import numpy as np
from numba import njit

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_penalty_l1_numba_fb9dcfbda622f00f"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "penalty_l1"
LABEL = "B14e"
BACKEND = "numba"
SPEC_HASH = "fb9dcfbda622f00f"
INPUTS = ()
PARAMS = ("c",)
CONSTANTS = ("lam",)
OUTPUTS = ("P",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("Z", "alpha")
GRADIENTS = ("dalpha", "dZ", "dc")
SIZES = ("C", "M")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "c")


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_Z(c, Z, C, M):
    """[B14e] forward equation for Z.

    Z[j] = Σ_{k=0}^{C - 1} exp(c[k, j])
    """
    for j in range(M):
        Z[j] = Z.dtype.type(0)
    for k in range(C):
        for j in range(M):
            Z[j] += math.exp(c[k, j])


@njit(cache=True)
def forward_alpha(Z, c, alpha, C, M):
    """[B14e] forward equation for alpha.

    alpha[i, j] = exp(c[i, j])/Z[j]
    """
    for i in range(C):
        for j in range(M):
            alpha[i, j] = math.exp(c[i, j])/Z[j]


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_P(alpha, lam, P, C, M):
    """[B14e] forward equation for P.

    P[z] = lam[0]*(Σ_{i=0}^{C - 1} Σ_{j=0}^{M - 1} Abs(alpha[i, j]))
    """
    _alpha_r = alpha.reshape(alpha.shape[0]*alpha.shape[1])
    for z in range(1):
        P[z] = P.dtype.type(0)
    _h = P.dtype.type(lam[0])
    for _f in range(C*M):
        _h2 = P.dtype.type(_h*abs(_alpha_r[_f]))
        for z in range(1):
            P[z] += _h2


@njit(cache=True)
def backward_dalpha(dP, lam, alpha, dalpha, C, M):
    """[B14e] gradient dalpha.

    dalpha[i, j] = sign(alpha[i, j])*dP[0]*lam[0]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14e] Ω = λ Σ_ij |α_ij|:  ∂Ω/∂α_i = λ sign(α_i)
    """
    _dalpha_r = dalpha.reshape(dalpha.shape[0]*dalpha.shape[1])
    _alpha_r = alpha.reshape(alpha.shape[0]*alpha.shape[1])
    for _f in range(C*M):
        _dalpha_r[_f] = np.sign(_alpha_r[_f])*dP[0]*lam[0]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dZ(Z, alpha, dalpha, dZ, C, M):
    """[B14e] gradient dZ.

    dZ[j] = Σ_{i=0}^{C - 1} -alpha[i, j]*dalpha[i, j]/Z[j]
    """
    for j in range(M):
        dZ[j] = dZ.dtype.type(0)
    _h = dZ.dtype.type(-1)
    for i in range(C):
        for j in range(M):
            dZ[j] += _h*alpha[i, j]*dalpha[i, j]/Z[j]


@njit(cache=True)
def backward_dc(alpha, c, dZ, dalpha, dc, C, M):
    """[B14e] gradient dc.

    dc[i, j] = exp(c[i, j])*dZ[j] + alpha[i, j]*dalpha[i, j]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14e] ∂Ω/∂c_i = λ ( |α_i| − α_i Σ_k |α_k| )
    """
    for i in range(C):
        for j in range(M):
            dc[i, j] = math.exp(c[i, j])*dZ[j] + alpha[i, j]*dalpha[i, j]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of penalty_l1, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "c", 2)
    _check.rank(arrays, "lam", 1)
    C = arrays["c"].shape[0]
    M = arrays["c"].shape[1]
    _z = {"C": C, "M": M}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "c", (_z["C"], _z["M"]), _dt)
    _check.array(arrays, "lam", (1,), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of penalty_l1 for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "c": (_z["C"], _z["M"]),
        "lam": (1,),
        "Z": (_z["M"],),
        "alpha": (_z["C"], _z["M"]),
        "P": (1,),
        "dalpha": (_z["C"], _z["M"]),
        "dZ": (_z["M"],),
        "dc": (_z["C"], _z["M"]),
        "dP": (1,),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of penalty_l1 [B14e]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Z"] = _a["Z"] = _check.buffer(out, "Z", (_z["M"],), _dt, _a)
    forward_Z(_a["c"], _a["Z"], _z["C"], _z["M"])
    _r["alpha"] = _a["alpha"] = _check.buffer(out, "alpha", (_z["C"], _z["M"]), _dt, _a)
    forward_alpha(_a["Z"], _a["c"], _a["alpha"], _z["C"], _z["M"])
    _r["P"] = _a["P"] = _check.buffer(out, "P", (1,), _dt, _a)
    forward_P(_a["alpha"], _a["lam"], _a["P"], _z["C"], _z["M"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dalpha": (),
    "dZ": ("dalpha",),
    "dc": ("dZ", "dalpha"),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of penalty_l1 [B14e]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Z"] = _check.array(arrays, "Z", (_z["M"],), _dt)
    _a["alpha"] = _check.array(arrays, "alpha", (_z["C"], _z["M"]), _dt)
    _a["P"] = _check.array(arrays, "P", (1,), _dt)
    _a["dP"] = _check.array(arrays, "dP", (1,), _dt)
    _g = {}
    if "dalpha" in _need:
        _g["dalpha"] = _a["dalpha"] = _check.buffer(out, "dalpha", (_z["C"], _z["M"]), _dt, _a)
        backward_dalpha(_a["dP"], _a["lam"], _a["alpha"], _a["dalpha"], _z["C"], _z["M"])
    if "dZ" in _need:
        _g["dZ"] = _a["dZ"] = _check.buffer(out, "dZ", (_z["M"],), _dt, _a)
        backward_dZ(_a["Z"], _a["alpha"], _a["dalpha"], _a["dZ"], _z["C"], _z["M"])
    if "dc" in _need:
        _g["dc"] = _a["dc"] = _check.buffer(out, "dc", (_z["C"], _z["M"]), _dt, _a)
        backward_dc(_a["alpha"], _a["c"], _a["dZ"], _a["dalpha"], _a["dc"], _z["C"], _z["M"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of penalty_l1 for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of penalty_l1: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """penalty_l1 keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
