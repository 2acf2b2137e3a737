# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer lrn, spec hash a24352f0a6796682.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""lrn: local response normalisation across 2R + 1 maps (AlexNet) (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. A user layer (no label in
docs/paper.md): its gradients are derived from its forward equations alone.
"""

import sys
import types

from numba import njit, prange

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_lrn_numba_a24352f0a6796682"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "lrn"
LABEL = ""
BACKEND = "numba"
SPEC_HASH = "a24352f0a6796682"
INPUTS = ("X",)
PARAMS = ()
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ("R",)
RECORDS = ()
INTERMEDIATES = ("S",)
GRADIENTS = ("dS", "dX")
SIZES = ("N", "C", "H", "W", "R")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_S(X, S, N, C, H, W, R):
    """Forward equation for S of a user layer (no label in docs/paper.md).

    S[n, c, y, x] = Σ_{e=Max(-R, -c)}^{Min(R, C - c - 1)} X[n, c + e, y, x]**2

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dt = S.dtype.type
    for _o in prange(N*H):
        n = _o // H
        y = _o % H
        for c in range(C):
            for x in range(W):
                S[n, c, y, x] = _dt(0)
        for e in range(max(-R, 1 - C), min(R + 1, C)):
            for c in range(max(0, -e), min(C, C - e)):
                for x in range(W):
                    S[n, c, y, x] += X[n, c + e, y, x]**2


@njit(cache=True, parallel=True)
def forward_Y(S, X, Y, N, C, H, W, R):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = X[n, c, y, x]/(2 + S[n, c, y, x]/(10000*(2*R + 1)))**(3/4)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _S_r = S.reshape(S.shape[0], S.shape[1], S.shape[2]*S.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = _X_r[n, c, _f]/(2 + _S_r[n, c, _f]/(10000*(2*R + 1)))**(3/4)


@njit(cache=True, parallel=True)
def backward_dS(S, X, dY, dS, N, C, H, W, R):
    """Gradient dS of a user layer (no label in docs/paper.md).

    dS[n, c, y, x] = -3*X[n, c, y, x]*dY[n, c, y, x]/(40000*(2 + S[n, c, y, x]/(10000*(2*R +
        1)))**(7/4)*(2*R + 1))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dS_r = dS.reshape(dS.shape[0], dS.shape[1], dS.shape[2]*dS.shape[3])
    _S_r = S.reshape(S.shape[0], S.shape[1], S.shape[2]*S.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _t = 1/(2*R + 1)
            _dS_r[n, c, _f] = -3*_t*_X_r[n, c, _f]*_dY_r[n, c, _f]/(40000*(2 + _t*_S_r[n, c, _f]/10000)**(7/4))


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dX(S, dY, X, dS, dX, N, C, H, W, R):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, c, y, x] = dY[n, c, y, x]/(2 + S[n, c, y, x]/(10000*(2*R + 1)))**(3/4) + Σ_{e=max(-R, -C +
        c + 1)}^{min(R, c)} 2*X[n, c, y, x]*dS[n, c - e, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dt = dX.dtype.type
    for _o in prange(N*H):
        n = _o // H
        y = _o % H
        for c in range(C):
            for x in range(W):
                dX[n, c, y, x] = dY[n, c, y, x]/(2 + (1/10000)*S[n, c, y, x]/(2*R + 1))**(3/4)
        _h0 = _dt(2)
        for e in range(max(-R, 1 - C), min(R + 1, C)):
            for c in range(max(0, e), min(C, C + e)):
                for x in range(W):
                    dX[n, c, y, x] += _h0*X[n, c, y, x]*dS[n, c - e, y, x]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of lrn, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.hyper(hyper, "R")
    R = int(hyper["R"])
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    _z = {"N": N, "C": C, "H": H, "W": W, "R": R}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of lrn for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "S": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dS": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dY": (_z["N"], _z["C"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of lrn: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["S"] = _a["S"] = _check.buffer(out, "S", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_S(_a["X"], _a["S"], _z["N"], _z["C"], _z["H"], _z["W"], _z["R"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["S"], _a["X"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"], _z["R"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dS": (),
    "dX": ("dS",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of lrn: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["S"] = _check.array(arrays, "S", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dS" in _need:
        _g["dS"] = _a["dS"] = _check.buffer(out, "dS", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dS(_a["S"], _a["X"], _a["dY"], _a["dS"], _z["N"], _z["C"], _z["H"], _z["W"], _z["R"])
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(_a["S"], _a["dY"], _a["X"], _a["dS"], _a["dX"], _z["N"], _z["C"], _z["H"], _z["W"], _z["R"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of lrn for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of lrn: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """lrn keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
