# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer combo_sigmoid, spec hash 3eb3ac5b59ca8c41.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""combo_sigmoid [B14a]: learned combination of feature maps, α = softmax(c) (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B14a].
"""

import math
import sys
import types

import numpy as np
from numba import njit, prange

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_combo_sigmoid_numba_3eb3ac5b59ca8c41"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "combo_sigmoid"
LABEL = "B14a"
BACKEND = "numba"
SPEC_HASH = "3eb3ac5b59ca8c41"
INPUTS = ("X",)
PARAMS = ("K", "c", "B")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("Z", "alpha", "V", "U")
GRADIENTS = ("dU", "dV", "dalpha", "dZ", "dX", "dK", "dc", "dB")
SIZES = ("N", "C", "M", "Ho", "Wo", "KH", "KW")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_Z(c, Z, C, M):
    """[B14a] forward equation for Z.

    Z[j] = Σ_{k=0}^{C - 1} exp(c[k, j])
    """
    for j in range(M):
        Z[j] = Z.dtype.type(0)
    for k in range(C):
        for j in range(M):
            Z[j] += math.exp(c[k, j])


@njit(cache=True)
def forward_alpha(Z, c, alpha, C, M):
    """[B14a] forward equation for alpha.

    alpha[i, j] = exp(c[i, j])/Z[j]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14a] α_ij = exp(c_ij) / Σ_k exp(c_kj)
    """
    for i in range(C):
        for j in range(M):
            alpha[i, j] = math.exp(c[i, j])/Z[j]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_V(K, X, V, N, C, Ho, Wo, KH, KW):
    """[B14a] forward equation for V.

    V[n, i, y, x] = Σ_{a=0}^{KH - 1} Σ_{b=0}^{KW - 1} K[i, a, b]*X[n, i, a + y, b + x]
    """
    _V_r = V.reshape(V.shape[0], V.shape[1], V.shape[2]*V.shape[3])
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for _f in range(Ho*Wo):
            _V_r[n, i, _f] = V.dtype.type(0)
        for a in range(KH):
            for b in range(KW):
                _h2 = V.dtype.type(K[i, a, b])
                for y in range(Ho):
                    for x in range(Wo):
                        V[n, i, y, x] += _h2*X[n, i, a + y, b + x]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_U(B, alpha, V, U, N, C, M, Ho, Wo):
    """[B14a] forward equation for U.

    U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} V[n, i, y, x]*alpha[i, j]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14a] u_j^ℓ = Σ_i α_ij (x_i^{ℓ-1} ∗ k_i^ℓ) + b_j^ℓ
    """
    _dt = U.dtype.type
    for _o in prange(N*M):
        n = _o // M
        j = _o % M
        for y in range(Ho):
            _h0 = _dt(B[j])
            for x in range(Wo):
                U[n, j, y, x] = _h0
            for i in range(C):
                _h1 = _dt(alpha[i, j])
                for x in range(Wo):
                    U[n, j, y, x] += _h1*V[n, i, y, x]


def forward_Y(U, Y, N, M, Ho, Wo):
    """[B14a] forward equation for Y.

    Y[n, j, y, x] = sigmoid(U[n, j, y, x])
    """
    np.negative(U, out=Y)
    np.exp(Y, out=Y)
    np.add(Y, 1.0, out=Y)
    np.divide(1.0, Y, out=Y)


@njit(cache=True, parallel=True)
def backward_dU(Y, dY, dU, N, M, Ho, Wo):
    """[B14a] gradient dU.

    dU[n, j, y, x] = (1 - Y[n, j, y, x])*Y[n, j, y, x]*dY[n, j, y, x]
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*M):
        n = _o // M
        j = _o % M
        for _f in range(Ho*Wo):
            _dU_r[n, j, _f] = (1 - _Y_r[n, j, _f])*_Y_r[n, j, _f]*_dY_r[n, j, _f]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dV(alpha, dU, dV, N, C, M, Ho, Wo):
    """[B14a] gradient dV.

    dV[n, i, y, x] = Σ_{j=0}^{M - 1} alpha[i, j]*dU[n, j, y, x]
    """
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for y in range(Ho):
            for x in range(Wo):
                dV[n, i, y, x] = dV.dtype.type(0)
            for j in range(M):
                _h1 = dV.dtype.type(alpha[i, j])
                for x in range(Wo):
                    dV[n, i, y, x] += _h1*dU[n, j, y, x]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dalpha(V, dU, dalpha, N, C, M, Ho, Wo):
    """[B14a] gradient dalpha.

    dalpha[i, j] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} V[n, i, y, x]*dU[n, j, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14c] ∂E/∂α_i = Σ_{u,v} ( δ^ℓ ∘ (x_i^{ℓ-1} ∗ k_i^ℓ) )_{uv}
    """
    _V_r = V.reshape(V.shape[0], V.shape[1], V.shape[2]*V.shape[3])
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for _o in prange(C*M):
        i = _o // M
        j = _o % M
        _acc = dalpha.dtype.type(0)
        for n in range(N):
            for _f in range(Ho*Wo):
                _acc += _V_r[n, i, _f]*_dU_r[n, j, _f]
        dalpha[i, j] = _acc


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dZ(Z, alpha, dalpha, dZ, C, M):
    """[B14a] gradient dZ.

    dZ[j] = Σ_{i=0}^{C - 1} -alpha[i, j]*dalpha[i, j]/Z[j]
    """
    for j in range(M):
        dZ[j] = dZ.dtype.type(0)
    _h = dZ.dtype.type(-1)
    for i in range(C):
        for j in range(M):
            dZ[j] += _h*alpha[i, j]*dalpha[i, j]/Z[j]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX(K, dV, dX, N, C, Ho, Wo, KH, KW):
    """[B14a] gradient dX.

    dX[n, i, p, q] = Σ_{a=max(0, -Ho + p + 1)}^{min(KH - 1, p)} Σ_{b=max(0, -Wo + q + 1)}^{min(KW -
        1, q)} K[i, a, b]*dV[n, i, -a + p, -b + q]
    """
    _dX_r = dX.reshape(dX.shape[0], dX.shape[1], dX.shape[2]*dX.shape[3])
    _dt = dX.dtype.type
    _dV_f = dV.reshape(dV.shape[0], dV.shape[1], Ho*Wo)
    for _o in prange(N*C):
        n = _o // C
        i = _o % C
        for _f1 in range((Ho + KH - 1)*(KW + Wo - 1)):
            _dX_r[n, i, _f1] = _dt(0)
        _pk = np.zeros((KH, KW, Ho*Wo), _dt)
        for a in range(KH):
            for b in range(KW):
                _h2 = _dt(K[i, a, b])
                for _f in range(Ho*Wo):
                    _pk[a, b, _f] += _h2*_dV_f[n, i, _f]
        for a in range(KH):
            for b in range(KW):
                for _p in range(Ho):
                    for _q in range(Wo):
                        dX[n, i, _p + a, _q + b] += _pk[a, b, Wo*_p + _q]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dK(X, dV, dK, N, C, Ho, Wo, KH, KW):
    """[B14a] gradient dK.

    dK[i, a, b] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} X[n, i, a + y, b + x]*dV[n, i,
        y, x]
    """
    _dK_r = dK.reshape(dK.shape[0], dK.shape[1]*dK.shape[2])
    _dt = dK.dtype.type
    for i in prange(C):
        for _f in range(KH*KW):
            _dK_r[i, _f] = _dt(0)
        for n in range(N):
            for y in range(Ho):
                for a in range(KH):
                    for b in range(KW):
                        _s = _dt(0)
                        for x in range(Wo):
                            _s += X[n, i, a + y, b + x]*dV[n, i, y, x]
                        dK[i, a, b] += _s


@njit(cache=True)
def backward_dc(alpha, c, dZ, dalpha, dc, C, M):
    """[B14a] gradient dc.

    dc[i, j] = exp(c[i, j])*dZ[j] + alpha[i, j]*dalpha[i, j]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B14b] ∂α_k/∂c_i = δ_ki α_i − α_i α_k
    [B14d] ∂E/∂c_i = α_i ( ∂E/∂α_i − Σ_k ∂E/∂α_k α_k )
    """
    for i in range(C):
        for j in range(M):
            dc[i, j] = math.exp(c[i, j])*dZ[j] + alpha[i, j]*dalpha[i, j]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dB(dU, dB, N, M, Ho, Wo):
    """[B14a] gradient dB.

    dB[j] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} dU[n, j, y, x]
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for j in prange(M):
        _acc = dB.dtype.type(0)
        for n in range(N):
            for _f in range(Ho*Wo):
                _acc += _dU_r[n, j, _f]
        dB[j] = _acc


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of combo_sigmoid, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K", 3)
    _check.rank(arrays, "c", 2)
    _check.rank(arrays, "B", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    KH = arrays["K"].shape[1]
    KW = arrays["K"].shape[2]
    M = arrays["c"].shape[1]
    Ho = -KH + arrays["X"].shape[2] + 1
    Wo = -KW + arrays["X"].shape[3] + 1
    _z = {"N": N, "C": C, "M": M, "Ho": Ho, "Wo": Wo, "KH": KH, "KW": KW}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1), _dt)
    _check.array(arrays, "K", (_z["C"], _z["KH"], _z["KW"]), _dt)
    _check.array(arrays, "c", (_z["C"], _z["M"]), _dt)
    _check.array(arrays, "B", (_z["M"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of combo_sigmoid for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
        "K": (_z["C"], _z["KH"], _z["KW"]),
        "c": (_z["C"], _z["M"]),
        "B": (_z["M"],),
        "Z": (_z["M"],),
        "alpha": (_z["C"], _z["M"]),
        "V": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "U": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "Y": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "dU": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
        "dV": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dalpha": (_z["C"], _z["M"]),
        "dZ": (_z["M"],),
        "dX": (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
        "dK": (_z["C"], _z["KH"], _z["KW"]),
        "dc": (_z["C"], _z["M"]),
        "dB": (_z["M"],),
        "dY": (_z["N"], _z["M"], _z["Ho"], _z["Wo"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of combo_sigmoid [B14a]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Z"] = _a["Z"] = _check.buffer(out, "Z", (_z["M"],), _dt, _a)
    forward_Z(_a["c"], _a["Z"], _z["C"], _z["M"])
    _r["alpha"] = _a["alpha"] = _check.buffer(out, "alpha", (_z["C"], _z["M"]), _dt, _a)
    forward_alpha(_a["Z"], _a["c"], _a["alpha"], _z["C"], _z["M"])
    _r["V"] = _a["V"] = _check.buffer(out, "V", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_V(_a["K"], _a["X"], _a["V"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["KH"], _z["KW"])
    _r["U"] = _a["U"] = _check.buffer(out, "U", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_U(_a["B"], _a["alpha"], _a["V"], _a["U"], _z["N"], _z["C"], _z["M"], _z["Ho"], _z["Wo"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
    forward_Y(_a["U"], _a["Y"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dU": (),
    "dV": ("dU",),
    "dalpha": ("dU",),
    "dZ": ("dalpha",),
    "dX": ("dV",),
    "dK": ("dV",),
    "dc": ("dZ", "dalpha"),
    "dB": ("dU",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of combo_sigmoid [B14a]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Z"] = _check.array(arrays, "Z", (_z["M"],), _dt)
    _a["alpha"] = _check.array(arrays, "alpha", (_z["C"], _z["M"]), _dt)
    _a["V"] = _check.array(arrays, "V", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["U"] = _check.array(arrays, "U", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dU" in _need:
        _g["dU"] = _a["dU"] = _check.buffer(out, "dU", (_z["N"], _z["M"], _z["Ho"], _z["Wo"]), _dt, _a)
        backward_dU(_a["Y"], _a["dY"], _a["dU"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    if "dV" in _need:
        _g["dV"] = _a["dV"] = _check.buffer(out, "dV", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt, _a)
        backward_dV(_a["alpha"], _a["dU"], _a["dV"], _z["N"], _z["C"], _z["M"], _z["Ho"], _z["Wo"])
    if "dalpha" in _need:
        _g["dalpha"] = _a["dalpha"] = _check.buffer(out, "dalpha", (_z["C"], _z["M"]), _dt, _a)
        backward_dalpha(_a["V"], _a["dU"], _a["dalpha"], _z["N"], _z["C"], _z["M"], _z["Ho"], _z["Wo"])
    if "dZ" in _need:
        _g["dZ"] = _a["dZ"] = _check.buffer(out, "dZ", (_z["M"],), _dt, _a)
        backward_dZ(_a["Z"], _a["alpha"], _a["dalpha"], _a["dZ"], _z["C"], _z["M"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(
            out,
            "dX",
            (_z["N"], _z["C"], _z["Ho"] + _z["KH"] - 1, _z["KW"] + _z["Wo"] - 1),
            _dt,
            _a
        )
        backward_dX(_a["K"], _a["dV"], _a["dX"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["KH"], _z["KW"])
    if "dK" in _need:
        _g["dK"] = _a["dK"] = _check.buffer(out, "dK", (_z["C"], _z["KH"], _z["KW"]), _dt, _a)
        backward_dK(_a["X"], _a["dV"], _a["dK"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["KH"], _z["KW"])
    if "dc" in _need:
        _g["dc"] = _a["dc"] = _check.buffer(out, "dc", (_z["C"], _z["M"]), _dt, _a)
        backward_dc(_a["alpha"], _a["c"], _a["dZ"], _a["dalpha"], _a["dc"], _z["C"], _z["M"])
    if "dB" in _need:
        _g["dB"] = _a["dB"] = _check.buffer(out, "dB", (_z["M"],), _dt, _a)
        backward_dB(_a["dU"], _a["dB"], _z["N"], _z["M"], _z["Ho"], _z["Wo"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of combo_sigmoid for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of combo_sigmoid: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """combo_sigmoid keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
