# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer global_avg_pool, spec hash c5eaba3151faa150.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""global_avg_pool: global average pooling: the mean of each map (Numba backend).

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
__name__ = "symcnn_generated_global_avg_pool_numba_c5eaba3151faa150"
if _module is not None:
    sys.modules.setdefault(__name__, _module)

LAYER = "global_avg_pool"
LABEL = ""
BACKEND = "numba"
SPEC_HASH = "c5eaba3151faa150"
INPUTS = ("X",)
PARAMS = ()
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ()
GRADIENTS = ("dX",)
SIZES = ("N", "C", "H", "W")
BUFFERS = ()
EVALUATION = ()
PARAM_INIT = {}
_check = _contract.Contract(LAYER, "X")


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def forward_Y(X, Y, N, C, H, W):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c] = (Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} X[n, c, y, x])/(H*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _X_r = X.reshape(X.shape[0], X.shape[1], X.shape[2]*X.shape[3])
    for n in prange(N):
        for c in range(C):
            Y[n, c] = Y.dtype.type(0)
        _h = Y.dtype.type(1/(H*W))
        for _f in range(H*W):
            for c in range(C):
                Y[n, c] += _h*_X_r[n, c, _f]


@njit(cache=True, parallel=True)
def backward_dX(dY, dX, N, C, H, W):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, c, y, x] = dY[n, c]/(H*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _dX_r = dX.reshape(dX.shape[0], dX.shape[1], dX.shape[2]*dX.shape[3])
    for _o in prange(N*C):
        n = _o // C
        c = _o % C
        for _f in range(H*W):
            _dX_r[n, c, _f] = dY[n, c]/(H*W)


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of global_avg_pool, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    _z = {"N": N, "C": C, "H": H, "W": W}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of global_avg_pool for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["C"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dY": (_z["N"], _z["C"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of global_avg_pool: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"]), _dt, _a)
    forward_Y(_a["X"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dX": (),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of global_avg_pool: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"]), _dt)
    _g = {}
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(_a["dY"], _a["dX"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of global_avg_pool for these sizes, each at its initial value (none: it keeps no state)."""
    return {}


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of global_avg_pool: the same equations as in training."""
    return forward(arrays, hyper, out)


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """global_avg_pool keeps no buffers: nothing to update."""


if __name__ not in sys.modules:  # executed without a sys.modules entry (module_from_spec alone):
    # a kernel compiled now would be cached under "<dynamic>", which no later import can find
    sys.modules[__name__] = types.ModuleType(__name__)
    sys.modules[__name__].__dict__.update(globals())
