# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer batchnorm_relu, spec hash 175ea49f24baedee.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""batchnorm_relu: batch normalisation per map, then relu; running mean and variance for evaluation (Numba backend).

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
__name__ = "symcnn_generated_batchnorm_relu_numba_175ea49f24baedee"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "batchnorm_relu"
LABEL = ""
BACKEND = "numba"
SPEC_HASH = "175ea49f24baedee"
INPUTS = ("X",)
PARAMS = ("G", "Bt")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("Mean", "Var", "Z")
GRADIENTS = ("dZ", "dVar", "dMean", "dX", "dG", "dBt")
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
def forward_Z(Bt, G, Mean, Var, X, Z, N, C, H, W):
    """Forward equation for Z of a user layer (no label in docs/paper.md).

    Z[n, c, y, x] = (-Mean[c] + X[n, c, y, x])*G[c]/sqrt(Var[c] + 1.0e-5) + Bt[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Z_r = Z.reshape(Z.shape[0], Z.shape[1], Z.shape[2]*Z.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Z_r[n, c, _f] = (-Mean[c] + _X_r[n, c, _f])*G[c]/math.sqrt(Var[c] + 1e-05) + Bt[c]


@njit(cache=True, parallel=True)
def forward_Y(Z, Y, N, C, H, W):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu(Z[n, c, y, x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _Z_r = Z.reshape(Z.shape[0], Z.shape[1], Z.shape[2]*Z.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = max(_Z_r[n, c, _f], 0.0)


@njit(cache=True, parallel=True)
def backward_dZ(dY, Z, dZ, N, C, H, W):
    """Gradient dZ of a user layer (no label in docs/paper.md).

    dZ[n, c, y, x] = step(Z[n, c, y, x])*dY[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    _Z_r = Z.reshape(Z.shape[0], Z.shape[1], Z.shape[2]*Z.shape[3])
    _dY_r = dY.reshape(dY.shape[0], dY.shape[1], dY.shape[2]*dY.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _dZ_r[n, c, _f] = (1.0 if _Z_r[n, c, _f] > 0 else 0.0)*_dY_r[n, c, _f]


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dVar(Var, Mean, X, G, dZ, dVar, N, C, H, W):
    """Gradient dVar of a user layer (no label in docs/paper.md).

    dVar[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-Mean[c] + X[n, c, y, x])*G[c]*dZ[n,
        c, y, x]/(2*(Var[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    for c in range(C):
        dVar[c] = dVar.dtype.type(0)
    _h = dVar.dtype.type(-1/2)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dVar[c] += _h*(-Mean[c] + _X_r[n, c, _f])*G[c]*_dZ_r[n, c, _f]/(Var[c] + 1e-05)**(3/2)


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dMean(G, Mean, Var, X, dVar, dZ, dMean, N, C, H, W):
    """Gradient dMean of a user layer (no label in docs/paper.md).

    dMean[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G[c]*dZ[n, c, y, x]/sqrt(Var[c] +
        1.0e-5) + 2*(Mean[c] - X[n, c, y, x])*dVar[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for c in range(C):
        dMean[c] = dMean.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dMean[c] += (
                    -G[c]*_dZ_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)
                    + 2*(Mean[c] - _X_r[n, c, _f])*dVar[c]/(H*N*W)
                )


@njit(cache=True, parallel=True)
def backward_dX(G, Mean, Var, X, dMean, dVar, dZ, dX, N, C, H, W):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, c, y, x] = G[c]*dZ[n, c, y, x]/sqrt(Var[c] + 1.0e-5) + 2*(-Mean[c] + X[n, c, y,
        x])*dVar[c]/(H*N*W) + dMean[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dX_r = dX.reshape(dX.shape[0], dX.shape[1], dX.shape[2]*dX.shape[3])
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _t = 1/H
            _t1 = 1/N
            _t2 = 1/W
            _dX_r[n, c, _f] = (
                G[c]*_dZ_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)
                + 2*_t*_t1*_t2*(-Mean[c] + _X_r[n, c, _f])*dVar[c]
                + _t*_t1*_t2*dMean[c]
            )


@njit(cache=True, fastmath={"contract", "reassoc"})
def backward_dG(Var, Mean, X, dZ, dG, N, C, H, W):
    """Gradient dG of a user layer (no label in docs/paper.md).

    dG[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-Mean[c] + X[n, c, y, x])*dZ[n, c, y,
        x]/sqrt(Var[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    for c in range(C):
        dG[c] = dG.dtype.type(0)
    for n in range(N):
        for _f in range(H*W):
            for c in range(C):
                dG[c] += (-Mean[c] + _X_r[n, c, _f])*_dZ_r[n, c, _f]/math.sqrt(Var[c] + 1e-05)


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def backward_dBt(dZ, dBt, N, C, H, W):
    """Gradient dBt of a user layer (no label in docs/paper.md).

    dBt[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dZ[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dZ_r = dZ.reshape(dZ.shape[0], dZ.shape[1], dZ.shape[2]*dZ.shape[3])
    for c in prange(C):
        _acc = dBt.dtype.type(0)
        for n in range(N):
            for _f in range(H*W):
                _acc += _dZ_r[n, c, _f]
        dBt[c] = _acc


@njit(cache=True, parallel=True)
def evaluate_Y(Bt, G, RM, RV, X, Y, N, C, H, W):
    """Evaluation equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu((-RM[c] + X[n, c, y, x])*G[c]/sqrt(RV[c] + 1.0e-5) + Bt[c])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _Y_r = Y.reshape(Y.shape[0], Y.shape[1], Y.shape[2]*Y.shape[3])
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _Y_r[n, c, _f] = max((-RM[c] + _X_r[n, c, _f])*G[c]/math.sqrt(RV[c] + 1e-05) + Bt[c], 0.0)


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
    """Every size of batchnorm_relu, read off the shapes of its inputs, parameters and constants."""
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
    """The shape of every array of batchnorm_relu for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "G": (_z["C"],),
        "Bt": (_z["C"],),
        "Mean": (_z["C"],),
        "Var": (_z["C"],),
        "Z": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "RM": (_z["C"],),
        "RV": (_z["C"],),
        "dZ": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dVar": (_z["C"],),
        "dMean": (_z["C"],),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dG": (_z["C"],),
        "dBt": (_z["C"],),
        "dY": (_z["N"], _z["C"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of batchnorm_relu: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Mean"] = _a["Mean"] = _check.buffer(out, "Mean", (_z["C"],), _dt, _a)
    forward_Mean(_a["X"], _a["Mean"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Var"] = _a["Var"] = _check.buffer(out, "Var", (_z["C"],), _dt, _a)
    forward_Var(_a["Mean"], _a["X"], _a["Var"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Z"] = _a["Z"] = _check.buffer(out, "Z", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Z(_a["Bt"], _a["G"], _a["Mean"], _a["Var"], _a["X"], _a["Z"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["Z"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dZ": (),
    "dVar": ("dZ",),
    "dMean": ("dVar", "dZ"),
    "dX": ("dMean", "dVar", "dZ"),
    "dG": ("dZ",),
    "dBt": ("dZ",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of batchnorm_relu: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mean"] = _check.array(arrays, "Mean", (_z["C"],), _dt)
    _a["Var"] = _check.array(arrays, "Var", (_z["C"],), _dt)
    _a["Z"] = _check.array(arrays, "Z", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dZ" in _need:
        _g["dZ"] = _a["dZ"] = _check.buffer(out, "dZ", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dZ(_a["dY"], _a["Z"], _a["dZ"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dVar" in _need:
        _g["dVar"] = _a["dVar"] = _check.buffer(out, "dVar", (_z["C"],), _dt, _a)
        backward_dVar(_a["Var"], _a["Mean"], _a["X"], _a["G"], _a["dZ"], _a["dVar"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dMean" in _need:
        _g["dMean"] = _a["dMean"] = _check.buffer(out, "dMean", (_z["C"],), _dt, _a)
        backward_dMean(
            _a["G"],
            _a["Mean"],
            _a["Var"],
            _a["X"],
            _a["dVar"],
            _a["dZ"],
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
            _a["dZ"],
            _a["dX"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dG" in _need:
        _g["dG"] = _a["dG"] = _check.buffer(out, "dG", (_z["C"],), _dt, _a)
        backward_dG(_a["Var"], _a["Mean"], _a["X"], _a["dZ"], _a["dG"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dBt" in _need:
        _g["dBt"] = _a["dBt"] = _check.buffer(out, "dBt", (_z["C"],), _dt, _a)
        backward_dBt(_a["dZ"], _a["dBt"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of batchnorm_relu for these sizes, each at its initial value."""
    _z = sizes
    _b = {}
    _b["RM"] = _contract.aligned((_z["C"],), dtype)
    _b["RM"][...] = 0.0
    _b["RV"] = _contract.aligned((_z["C"],), dtype)
    _b["RV"][...] = 1.0
    return _b


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of batchnorm_relu: its evaluation equations, reading the buffers."""
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
    """A training step's update of the buffers of batchnorm_relu, in place in ``arrays``.

    ``arrays``: what the training forward pass was given and made, and the buffers. Each buffer's new
    value is computed from the old values before any is replaced.
    """
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Mean"] = _check.array(arrays, "Mean", (_z["C"],), _dt)
    _a["Var"] = _check.array(arrays, "Var", (_z["C"],), _dt)
    _a["Z"] = _check.array(arrays, "Z", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
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
