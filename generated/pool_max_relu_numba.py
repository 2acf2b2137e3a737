# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer pool_max_relu, spec hash d3fdec719339dc32.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""pool_max_relu [B11]: sub-sampling, down = max (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. See docs/paper.md [B11].
"""

import sys
import types

from numba import njit, prange

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_pool_max_relu_numba_d3fdec719339dc32"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "pool_max_relu"
LABEL = "B11"
BACKEND = "numba"
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


@njit(cache=True, parallel=True)
def record_S(X, S, s):
    """[B11] forward record S.

    S = block_argmax(X, s)
    """
    for _i0 in prange(X.shape[0]):
        for _i1 in range(X.shape[1]):
            S[_i0, _i1] = 0.0
            if s == 2:
                for _y in range(X.shape[2] // 2):
                    for _x in range(X.shape[3] // 2):
                        _best = X[_i0, _i1, 2*_y, 2*_x]
                        _r = 0
                        _q = 0
                        _v = X[_i0, _i1, 2*_y, 2*_x + 1]
                        _t = (_v > _best) | ((_v != _v) & (_best == _best))
                        _best = _v if _t else _best
                        _r = 0 if _t else _r
                        _q = 1 if _t else _q
                        _v = X[_i0, _i1, 2*_y + 1, 2*_x]
                        _t = (_v > _best) | ((_v != _v) & (_best == _best))
                        _best = _v if _t else _best
                        _r = 1 if _t else _r
                        _q = 0 if _t else _q
                        _v = X[_i0, _i1, 2*_y + 1, 2*_x + 1]
                        _t = (_v > _best) | ((_v != _v) & (_best == _best))
                        _best = _v if _t else _best
                        _r = 1 if _t else _r
                        _q = 1 if _t else _q
                        S[_i0, _i1, 2*_y + _r, 2*_x + _q] = 1.0
            else:
                for _y in range(X.shape[2] // s):
                    for _x in range(X.shape[3] // s):
                        _best = X[_i0, _i1, s*_y, s*_x]
                        _r = 0
                        _q = 0
                        for _dr in range(s):
                            for _dq in range(s):
                                _v = X[_i0, _i1, s*_y + _dr, s*_x + _dq]
                                if _v > _best or (_v != _v and _best == _best):
                                    _best = _v
                                    _r = _dr
                                    _q = _dq
                        S[_i0, _i1, s*_y + _r, s*_x + _q] = 1.0


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_D(S, X, D, N, C, Ho, Wo, s):
    """[B11] forward equation for D.

    D[n, c, y, x] = Σ_{r=0}^{s - 1} Σ_{q=0}^{s - 1} S[n, c, r + s*y, q + s*x]*X[n, c, r + s*y, q +
        s*x]
    """
    _D_r = D.reshape(D.shape[0], D.shape[1], D.shape[2]*D.shape[3])
    if s == 2:  # a constant factor
        _dt = D.dtype.type
        for _o in prange(N*C):
            n = _o // C
            c = _o % C
            for _f in range(Ho*Wo):
                _D_r[n, c, _f] = _dt(0)
            for r in range(2):
                for y in range(Ho):
                    for x in range(Wo):
                        _s = _dt(0)
                        for q in range(2):
                            _s += S[n, c, r + 2*y, q + 2*x]*X[n, c, r + 2*y, q + 2*x]
                        D[n, c, y, x] += _s
    else:
        _dt = D.dtype.type
        for _o in prange(N*C):
            n = _o // C
            c = _o % C
            for _f1 in range(Ho*Wo):
                _D_r[n, c, _f1] = _dt(0)
            for r in range(s):
                for y in range(Ho):
                    for x in range(Wo):
                        _s = _dt(0)
                        for q in range(s):
                            _s += S[n, c, r + s*y, q + s*x]*X[n, c, r + s*y, q + s*x]
                        D[n, c, y, x] += _s


@njit(cache=True, parallel=True)
def forward_U(D, b, beta, U, N, C, Ho, Wo):
    """[B11] forward equation for U.

    U[n, c, y, x] = D[n, c, y, x]*beta[c] + b[c]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B11] u_j^ℓ = β_j^ℓ down(x_j^{ℓ-1}) + b_j^ℓ  (down sums each n×n block)
    """
    _U_r = U.reshape(U.shape[0], U.shape[1], U.shape[2]*U.shape[3])
    _D_r = D.reshape(D.shape[0], D.shape[1], D.shape[2]*D.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(Ho*Wo):
            _U_r[n, c, _f] = _D_r[n, c, _f]*beta[c] + b[c]


@njit(cache=True, parallel=True)
def forward_Y(U, Y, N, C, Ho, Wo):
    """[B11] forward equation for Y.

    Y[n, c, y, x] = relu(U[n, c, y, x])
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _U_r = U.reshape(U.shape[0], U.shape[1], U.shape[2]*U.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(Ho*Wo):
            _Y_r[n, c, _f] = max(_U_r[n, c, _f], 0.0)


@njit(cache=True, parallel=True)
def backward_dU(dY, U, dU, N, C, Ho, Wo):
    """[B11] gradient dU.

    dU[n, c, y, x] = step(U[n, c, y, x])*dY[n, c, y, x]
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    _U_r = U.reshape(U.shape[0], U.shape[1], U.shape[2]*U.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(Ho*Wo):
            _dU_r[n, c, _f] = (1.0 if _U_r[n, c, _f] > 0 else 0.0)*_dY_r[n, c, _f]


@njit(cache=True, parallel=True)
def backward_dD(beta, dU, dD, N, C, Ho, Wo):
    """[B11] gradient dD.

    dD[n, c, y, x] = beta[c]*dU[n, c, y, x]
    """
    _dD_r = dD.reshape(dD.shape[0], dD.shape[1], dD.shape[2]*dD.shape[3])
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(Ho*Wo):
            _dD_r[n, c, _f] = beta[c]*_dU_r[n, c, _f]


@njit(cache=True, parallel=True)
def backward_dX(S, dD, dX, N, C, Ho, Wo, s):
    """[B11] gradient dX.

    dX[n, c, p, q] = S[n, c, p, q]*dD[n, c, floor(p/s), floor(q/s)]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B8] δ_j^ℓ = β_j^{ℓ+1} ( f'(u_j^ℓ) ∘ up(δ_j^{ℓ+1}) ),  up(x) = x ⊗ 1_{n×n}
    """
    if s == 2:  # a constant factor
        _dt = dX.dtype.type
        for _o in prange(N*C):
            n = _o // C
            c = _o % C
            for _p in range(Ho):
                for _p_r in range(2):
                    for _q in range(Wo):
                        _h3 = _dt(dD[n, c, _p, _q])
                        for _q_r in range(2):
                            dX[n, c, _p*2 + _p_r, _q*2 + _q_r] = _h3*S[n, c, _p*2 + _p_r, _q*2 + _q_r]
    else:
        _dt = dX.dtype.type
        for _o in prange(N*C):
            n = _o // C
            c = _o % C
            for _p in range(Ho):
                for _p_r in range(s):
                    for _q in range(Wo):
                        _h3 = _dt(dD[n, c, _p, _q])
                        for _q_r in range(s):
                            dX[n, c, _p*s + _p_r, _q*s + _q_r] = _h3*S[n, c, _p*s + _p_r, _q*s + _q_r]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dbeta(D, dU, dbeta, N, C, Ho, Wo):
    """[B11] gradient dbeta.

    dbeta[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} D[n, c, y, x]*dU[n, c, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B13] ∂E/∂β_j = Σ_{u,v} (δ_j^ℓ ∘ d_j^ℓ)_{uv},  d_j^ℓ = down(x_j^{ℓ-1})
    """
    _D_r = D.reshape(D.shape[0], D.shape[1], D.shape[2]*D.shape[3])
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for c in prange(C):
        _acc = dbeta.dtype.type(0)
        for n in range(N):
            for _f in range(Ho*Wo):
                _acc += _D_r[n, c, _f]*_dU_r[n, c, _f]
        dbeta[c] = _acc


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_db(dU, db, N, C, Ho, Wo):
    """[B11] gradient db.

    db[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{Ho - 1} Σ_{x=0}^{Wo - 1} dU[n, c, y, x]

    The closed form docs/paper.md states (symcnn verify proves it or corrects it, §6):
    [B13] ∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}
    """
    _dU_r = dU.reshape(dU.shape[0], dU.shape[1], dU.shape[2]*dU.shape[3])
    for c in prange(C):
        _acc = db.dtype.type(0)
        for n in range(N):
            for _f in range(Ho*Wo):
                _acc += _dU_r[n, c, _f]
        db[c] = _acc


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


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
