# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer batchnorm, spec hash db063267909df13c.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""batchnorm: batch normalisation per map; running mean and variance for evaluation (Numba backend).

Forward and backward kernels derived by symcnn; `forward` and `backward` run
them on batched arrays. A user layer (no label in
docs/paper.md): its gradients are derived from its forward equations alone.
"""

import math
import sys
import types

from numba import njit, prange

from symcnn.support import contract as _contract

# Numba's on-disk cache records the name of the module a kernel was compiled in and imports
# it by that name when the cache is read: one fixed name lets every importer share the cache.
_module = sys.modules.get(__name__)
__name__ = "symcnn_generated_batchnorm_numba_db063267909df13c"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "batchnorm"
LABEL = ""
BACKEND = "numba"
SPEC_HASH = "db063267909df13c"
INPUTS = ("X",)
PARAMS = ("G", "Bt")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("Mean", "Var")
GRADIENTS = ("dVar", "dMean", "dX", "dG", "dBt")
SIZES = ("N", "C", "H", "W")
BUFFERS = ("RM", "RV")
EVALUATION = ("Y",)
PARAM_INIT = {"G": 1.0}
_check = _contract.Contract(LAYER, "X")


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_Mean(X, Mean, N, C, H, W):
    """Forward equation for Mean of a user layer (no label in docs/paper.md).

    Mean[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} X[n, c, y, x])/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for c in prange(C):
        _acc = Mean.dtype.type(0)
        _h = Mean.dtype.type(1/(H*N*W))
        for n in range(N):
            for _f in range(H*W):
                _acc += _h*_X_r[n, c, _f]
        Mean[c] = _acc


@njit(cache=True, fastmath={"contract", "reassoc"})
def forward_Var(Mean, X, Var, N, C, H, W):
    """Forward equation for Var of a user layer (no label in docs/paper.md).

    Var[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-Mean[c] + X[n, c, y, x])**2)/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for c in range(C):
        Var[c] = Var.dtype.type(0)
    _h = Var.dtype.type(1/(H*N*W))
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                Var[c] += _h*(-Mean[c] + _X_r[n, c, _f])**2


@njit(cache=True, parallel=True)
def forward_Y(Bt, G, Mean, Var, X, Y, N, C, H, W):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = (-Mean[c] + X[n, c, y, x])*G[c]/sqrt(Var[c] + 1.0e-5) + Bt[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = (-Mean[c] + _X_r[n, c, _f])*G[c]/math.sqrt(Var[c] + 1e-05) + Bt[c]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dVar(Var, Mean, X, G, dY, dVar, N, C, H, W):
    """Gradient dVar of a user layer (no label in docs/paper.md).

    dVar[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-Mean[c] + X[n, c, y, x])*G[c]*dY[n,
        c, y, x]/(2*(Var[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for c in range(C):
        dVar[c] = dVar.dtype.type(0)
    _h = dVar.dtype.type(-1/2)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dVar[c] += _h*(-Mean[c] + _X_r[n, c, _f])*G[c]*_dY_r[n, c, _f]/(Var[c] + 1e-05)**(3/2)


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dMean(G, Mean, Var, X, dVar, dY, dMean, N, C, H, W):
    """Gradient dMean of a user layer (no label in docs/paper.md).

    dMean[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G[c]*dY[n, c, y, x]/sqrt(Var[c] +
        1.0e-5) + 2*(Mean[c] - X[n, c, y, x])*dVar[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for c in range(C):
        dMean[c] = dMean.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dMean[c] += (
                    -G[c]*_dY_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)
                    + 2*(Mean[c] - _X_r[n, c, _f])*dVar[c]/(H*N*W)
                )


@njit(cache=True, parallel=True)
def backward_dX(G, Mean, Var, X, dMean, dVar, dY, dX, N, C, H, W):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, c, y, x] = G[c]*dY[n, c, y, x]/sqrt(Var[c] + 1.0e-5) + 2*(-Mean[c] + X[n, c, y,
        x])*dVar[c]/(H*N*W) + dMean[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dX_r = dX.reshape(dX.shape[0], dX.shape[1], dX.shape[2]*dX.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _t = 1/H
            _t1 = 1/N
            _t2 = 1/W
            _dX_r[n, c, _f] = (
                G[c]*_dY_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)
                + 2*_t*_t1*_t2*(-Mean[c] + _X_r[n, c, _f])*dVar[c]
                + _t*_t1*_t2*dMean[c]
            )


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dG(Var, Mean, X, dY, dG, N, C, H, W):
    """Gradient dG of a user layer (no label in docs/paper.md).

    dG[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-Mean[c] + X[n, c, y, x])*dY[n, c, y,
        x]/sqrt(Var[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for c in range(C):
        dG[c] = dG.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dG[c] += (-Mean[c] + _X_r[n, c, _f])*_dY_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dBt(dY, dBt, N, C, H, W):
    """Gradient dBt of a user layer (no label in docs/paper.md).

    dBt[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dY[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for c in prange(C):
        _acc = dBt.dtype.type(0)
        for n in range(N):
            for _f in range(H*W):
                _acc += _dY_r[n, c, _f]
        dBt[c] = _acc


@njit(cache=True, parallel=True)
def evaluate_Y(Bt, G, RM, RV, X, Y, N, C, H, W):
    """Evaluation equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = (-RM[c] + X[n, c, y, x])*G[c]/sqrt(RV[c] + 1.0e-5) + Bt[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = (-RM[c] + _X_r[n, c, _f])*G[c]/math.sqrt(RV[c] + 1e-05) + Bt[c]


@njit(cache=True)
def update_RM(Mean, RM, _next_RM, C):
    """Training update of buffer RM of a user layer (no label in docs/paper.md).

    RM[c] = 0.1*Mean[c] + 0.9*RM[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RM[c] = 0.1*Mean[c] + 0.9*RM[c]


@njit(cache=True)
def update_RV(RV, Var, _next_RV, N, C, H, W):
    """Training update of buffer RV of a user layer (no label in docs/paper.md).

    RV[c] = 0.1*H*N*W*Var[c]/(H*N*W - 1) + 0.9*RV[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    for c in range(C):
        _next_RV[c] = 0.1*H*N*W*Var[c]/(H*N*W - 1) + 0.9*RV[c]


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of batchnorm, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "G", 1)
    _check.rank(arrays, "Bt", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    _z = {"N": N, "C": C, "H": H, "W": W}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _check.array(arrays, "G", (_z["C"],), _dt)
    _check.array(arrays, "Bt", (_z["C"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of batchnorm for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "G": (_z["C"],),
        "Bt": (_z["C"],),
        "Mean": (_z["C"],),
        "Var": (_z["C"],),
        "Y": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "RM": (_z["C"],),
        "RV": (_z["C"],),
        "dVar": (_z["C"],),
        "dMean": (_z["C"],),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dG": (_z["C"],),
        "dBt": (_z["C"],),
        "dY": (_z["N"], _z["C"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of batchnorm: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Mean"] = _a["Mean"] = _check.buffer(out, "Mean", (_z["C"],), _dt, _a)
    forward_Mean(_a["X"], _a["Mean"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Var"] = _a["Var"] = _check.buffer(out, "Var", (_z["C"],), _dt, _a)
    forward_Var(_a["Mean"], _a["X"], _a["Var"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["Bt"], _a["G"], _a["Mean"], _a["Var"], _a["X"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dVar": (),
    "dMean": ("dVar",),
    "dX": ("dMean", "dVar"),
    "dG": (),
    "dBt": (),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of batchnorm: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mean"] = _check.array(arrays, "Mean", (_z["C"],), _dt)
    _a["Var"] = _check.array(arrays, "Var", (_z["C"],), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dVar" in _need:
        _g["dVar"] = _a["dVar"] = _check.buffer(out, "dVar", (_z["C"],), _dt, _a)
        backward_dVar(_a["Var"], _a["Mean"], _a["X"], _a["G"], _a["dY"], _a["dVar"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dMean" in _need:
        _g["dMean"] = _a["dMean"] = _check.buffer(out, "dMean", (_z["C"],), _dt, _a)
        backward_dMean(
            _a["G"],
            _a["Mean"],
            _a["Var"],
            _a["X"],
            _a["dVar"],
            _a["dY"],
            _a["dMean"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(
            _a["G"],
            _a["Mean"],
            _a["Var"],
            _a["X"],
            _a["dMean"],
            _a["dVar"],
            _a["dY"],
            _a["dX"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dG" in _need:
        _g["dG"] = _a["dG"] = _check.buffer(out, "dG", (_z["C"],), _dt, _a)
        backward_dG(_a["Var"], _a["Mean"], _a["X"], _a["dY"], _a["dG"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dBt" in _need:
        _g["dBt"] = _a["dBt"] = _check.buffer(out, "dBt", (_z["C"],), _dt, _a)
        backward_dBt(_a["dY"], _a["dBt"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of batchnorm for these sizes, each at its initial value."""
    _z = sizes
    _b = {}
    _b["RM"] = _contract.aligned((_z["C"],), dtype)
    _b["RM"][...] = 0.0
    _b["RV"] = _contract.aligned((_z["C"],), dtype)
    _b["RV"][...] = 1.0
    return _b


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of batchnorm: its evaluation equations, reading the buffers."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["RM"] = _check.array(arrays, "RM", (_z["C"],), _dt)
    _a["RV"] = _check.array(arrays, "RV", (_z["C"],), _dt)
    _r = {}
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_Y(_a["Bt"], _a["G"], _a["RM"], _a["RV"], _a["X"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """A training step's update of the buffers of batchnorm, in place in ``arrays``.

    ``arrays``: what the training forward pass was given and made, and the buffers. Each buffer's new
    value is computed from the old values before any is replaced.
    """
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mean"] = _check.array(arrays, "Mean", (_z["C"],), _dt)
    _a["Var"] = _check.array(arrays, "Var", (_z["C"],), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["RM"] = _check.array(arrays, "RM", (_z["C"],), _dt)
    _a["RV"] = _check.array(arrays, "RV", (_z["C"],), _dt)
    _a["_next_RM"] = _contract.aligned((_z["C"],), _dt)
    update_RM(_a["Mean"], _a["RM"], _a["_next_RM"], _z["C"])
    _a["_next_RV"] = _contract.aligned((_z["C"],), _dt)
    update_RV(_a["RV"], _a["Var"], _a["_next_RV"], _z["N"], _z["C"], _z["H"], _z["W"])
    _a["RM"][...] = _a["_next_RM"]
    _a["RV"][...] = _a["_next_RV"]


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
