"""DeepLearnToolbox compatibility: its ``cnn`` struct in, its ``cnnbp`` results out.

DeepLearnToolbox (R. B. Palm) keeps the batch on the *last* axis: images are
``x(28, 28, N)``, one-hot labels ``y(10, N)``. Its trained net is a struct:

=============================  =====================================================
DeepLearnToolbox               symcnn (matlab convention; layers numbered from 1)
=============================  =====================================================
``layers{l}.k{i}{j}`` (5×5)     ``conv<c>.K[i, j]`` as is (true convolution, MATLAB
                                orientation); in the xcorr convention ``rot180`` of it
``layers{l}.b{j}``              ``conv<c>.B[j]``
``layers{l}.scale``             hyper ``s`` of ``pool<p>`` (``pool_mean_plain``)
``ffW`` (10, 192)               ``fc.W`` (O, I) as is in the matlab convention (whose
                                flatten is DLT's column-major ``fv``); in xcorr its
                                columns are permuted to C order
``ffb`` (10,)                   ``fc.b``
=============================  =====================================================

where ``<c>`` and ``<p>`` count the convolution and sub-sampling layers
separately (``layers{2}`` → ``conv1``, ``layers{3}`` → ``pool1``, …).
DeepLearnToolbox's sensitivities ``d{l}`` are those of the *summed* loss
(``e = o − y`` is not divided by N; only ``dk``, ``db``, ``dffW``, ``dffb`` are);
symcnn's are those of the batch mean, so :func:`dlt_gradients` multiplies
them by N to report them in DeepLearnToolbox's scale.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from symcnn.errors import DataError, ShapeError
from symcnn.runtime.layers import DTYPES, Flatten, Layer
from symcnn.runtime.loader import load_layer_module
from symcnn.runtime.network import Network

__all__ = ["DLT_EXAMPLE_LAYERS", "dlt_gradients", "from_dlt", "load_dlt_mat"]

#: The layers of DeepLearnToolbox's ``test_example_CNN`` (the ``dlt`` preset).
DLT_EXAMPLE_LAYERS = [
    {"type": "i"},
    {"type": "c", "outputmaps": 6, "kernelsize": 5},
    {"type": "s", "scale": 2},
    {"type": "c", "outputmaps": 12, "kernelsize": 5},
    {"type": "s", "scale": 2},
]


def _scalar(value: Any, what: str) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ShapeError(f"DeepLearnToolbox {what} has shape {arr.shape}, expected a scalar")
    return float(arr.reshape(-1)[0])


def _kernel(value: Any, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ShapeError(f"DeepLearnToolbox {what} has shape {arr.shape}, expected a square 2-D kernel")
    return arr


def _ff_permutation(maps: int, h: int, w: int) -> np.ndarray:
    """``perm[g]`` = DLT's feature index of our C-order feature ``g`` (map, row, col)."""
    dlt_index = np.arange(maps * h * w).reshape(maps, w, h)  # [map, col, row] -> j*H*W + col*H + row
    return dlt_index.transpose(0, 2, 1).reshape(-1)


def from_dlt(
    cnn: dict[str, Any],
    *,
    convention: str = "matlab",
    backend: str = "numba",
    dtype: str = "float64",
    generated: str | Path | None = None,
    trust: bool = False,
) -> Network:
    """A symcnn network computing what DeepLearnToolbox's ``cnnff`` computes with ``cnn``.

    ``cnn["layers"]`` lists dicts with ``"type"`` ``"i"``, ``"c"`` (``"k"``:
    ``k[i][j]`` 2-D kernels in MATLAB orientation, ``"b"``: scalars) or ``"s"``
    (``"scale"``); ``cnn["ffW"]`` is (classes, features), ``cnn["ffb"]``
    (classes,). The input size is worked out from ``ffW``'s width (square maps).
    """
    if convention not in ("matlab", "xcorr"):
        raise ShapeError(f"unknown convention {convention!r}; choose matlab or xcorr")
    if np.dtype(dtype).name not in DTYPES:
        raise ShapeError(f"unknown dtype {dtype!r}; choose float32 or float64")
    dlt_layers = list(cnn.get("layers", []))
    if not dlt_layers or str(dlt_layers[0].get("type")) != "i":
        raise ShapeError("DeepLearnToolbox net: layers must start with an input layer of type 'i'")
    ffw = np.asarray(cnn["ffW"], dtype=np.float64)
    ffb = np.asarray(cnn["ffb"], dtype=np.float64).reshape(-1)
    if ffw.ndim != 2 or ffb.shape != (ffw.shape[0],):
        raise ShapeError(f"DeepLearnToolbox ffW {ffw.shape} and ffb {ffb.shape} do not match")

    def module(kind: str):
        return load_layer_module(kind, backend, generated, trust)

    layers: list[Layer | Flatten] = []
    maps, counts, plan, layout = 1, {"c": 0, "s": 0}, [], [{"type": "i"}]
    for pos, spec in enumerate(dlt_layers[1:], 2):
        kind = str(spec.get("type"))
        if kind not in ("c", "s"):
            raise ShapeError(f"DeepLearnToolbox layers{{{pos}}} has type {kind!r}, expected 'c' or 's'")
        counts[kind] += 1
        if kind == "s":
            scale = int(_scalar(spec["scale"], f"layers{{{pos}}}.scale"))
            pool = Layer(module("pool_mean_plain"), f"pool{counts['s']}", {}, None, {"s": scale}, dtype)
            layers.append(pool)
            plan.append(("s", scale))
            layout.append({"type": "s", "scale": scale})
            continue
        k, b = list(spec["k"]), [_scalar(v, f"layers{{{pos}}}.b") for v in spec["b"]]
        if len(k) != maps or any(len(row) != len(b) for row in k):
            raise ShapeError(
                f"DeepLearnToolbox layers{{{pos}}}.k is {len(k)}x{len(k[0]) if k else 0}, "
                f"expected {maps} inputs x {len(b)} outputs"
            )
        kern = np.stack([np.stack([_kernel(kij, f"layers{{{pos}}}.k") for kij in row]) for row in k])
        if convention == "xcorr":
            kern = kern[:, :, ::-1, ::-1]
        params = {"K": kern, "B": np.asarray(b)}
        name = f"conv{counts['c']}"
        layers.append(Layer(module(f"conv_{convention}_sigmoid"), name, params,
                            {"T": np.ones((maps, len(b)))}, None, dtype))
        plan.append(("c", kern.shape[2]))
        layout.append({"type": "c", "outputmaps": len(b), "kernelsize": int(kern.shape[2])})
        maps = len(b)
    side = int(round(np.sqrt(ffw.shape[1] / maps)))
    if maps * side * side != ffw.shape[1]:
        raise ShapeError(f"DeepLearnToolbox ffW has {ffw.shape[1]} columns, not {maps} square maps")
    size = side
    for kind, n in reversed(plan):
        size = size * n if kind == "s" else size + n - 1
    if convention == "xcorr":
        ffw = ffw[:, _ff_permutation(maps, side, side)]
    layers.append(Flatten("flatten", "F" if convention == "matlab" else "C"))
    layers.append(Layer(module("fc_sigmoid"), "fc", {"W": ffw, "b": ffb}, None, None, dtype))
    loss = Layer(module("loss_squared"), "loss", {}, None, None, dtype)
    standard = size == 28 and ffw.shape[0] == 10 and layout == DLT_EXAMPLE_LAYERS
    meta = {"net": "dlt" if standard else "dlt-custom", "convention": convention, "backend": backend,
            "dtype": np.dtype(dtype).name, "dlt_layers": layout, "input_size": size}
    return Network(layers, loss, input_shape=(1, size, size), meta=meta)


def _maps(arr: np.ndarray, scale: float = 1.0) -> list[np.ndarray]:
    """(N, M, H, W) → DLT's list of M maps of shape (H, W, N)."""
    return [np.ascontiguousarray(arr[:, j].transpose(1, 2, 0)) * scale for j in range(arr.shape[1])]


def dlt_gradients(net: Network, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """``cnnff`` then ``cnnbp`` of DeepLearnToolbox, computed by ``net``'s generated kernels.

    ``x`` is (H, W, N) images, ``y`` (classes, N) one-hot targets. Returns, in
    DeepLearnToolbox's layout and scale (0-based layer index ``l``, ``None``
    where a layer has no such entry): ``L``, ``a[l][j]``, ``d[l][j]``, ``fv``,
    ``o``, ``e``, ``od``, ``fvd``, ``dk[l][i][j]``, ``db[l][j]``, ``dffW``, ``dffb``.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 3 or (1, *x.shape[:2]) != net.input_shape:
        raise ShapeError(f"x has shape {x.shape}, expected {net.input_shape[1:]} + (N,) (MATLAB layout)")
    n = x.shape[2]
    fc = net.layers[-1]
    if y.shape != (fc.params["W"].shape[0], n):
        raise ShapeError(f"y has shape {y.shape}, expected ({fc.params['W'].shape[0]}, {n})")
    images = np.ascontiguousarray(x.transpose(2, 0, 1)[:, None], dtype=net.dtype)
    loss = net.loss(images, np.ascontiguousarray(y.T, dtype=net.dtype))
    net.backward()
    xcorr = net.meta.get("convention") == "xcorr"
    convs = [layer for layer in net.layers if isinstance(layer, Layer) and layer.name != "fc"]
    a: list[list[np.ndarray]] = [[x]]
    d: list[list[np.ndarray] | None] = [None]
    dk: list[list[list[np.ndarray]] | None] = [None]
    db: list[list[float] | None] = [None]
    for layer in convs:
        a.append(_maps(layer.arrays[layer.output]))
        if layer.kind.startswith("conv"):
            d.append(_maps(layer.gradients["dU"], n))
            grad_k = layer.grads["K"][:, :, ::-1, ::-1] if xcorr else layer.grads["K"]
            dk.append([[grad_k[i, j].copy() for j in range(grad_k.shape[1])] for i in range(grad_k.shape[0])])
            db.append([float(v) for v in layer.grads["B"]])
        else:
            d.append(_maps(layer.seed, n))
            dk.append(None)
            db.append(None)
    last = convs[-1]
    m, h, w = last.arrays[last.output].shape[1:]
    fv = last.arrays[last.output].transpose(0, 1, 3, 2).reshape(n, -1).T.copy()
    fvd = last.seed.transpose(0, 1, 3, 2).reshape(n, -1).T * n
    dffw = fc.grads["W"]
    if xcorr:
        dffw = np.empty_like(dffw)
        dffw[:, _ff_permutation(m, h, w)] = fc.grads["W"]
    o = fc.arrays[fc.output].T.copy()
    return {
        "L": loss, "a": a, "d": d, "fv": fv, "o": o, "e": o - y, "od": fc.gradients["dU"].T * n,
        "fvd": fvd, "dk": dk, "db": db, "dffW": dffw.copy(), "dffb": fc.grads["b"].copy(),
    }


def _from_mat(value: Any) -> Any:
    """scipy.io.loadmat's structs, cells and strings as dicts, lists and str."""
    from scipy.io.matlab import mat_struct

    if isinstance(value, mat_struct):
        return {field: _from_mat(getattr(value, field)) for field in value._fieldnames}
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "U":
            return "".join(value.ravel(order="F").tolist())
        if value.dtype == object:
            items = [_from_mat(v) for v in value.ravel(order="F")]
            if items and all(isinstance(v, mat_struct) for v in value.ravel()) and len(items) == 1:
                return items[0]
            return items
        return value
    return value


def load_dlt_mat(path: str | os.PathLike[str], variable: str | None = None) -> dict[str, Any]:
    """Read a DeepLearnToolbox ``cnn`` struct saved by MATLAB/Octave ``save`` (MAT v5/v7).

    Returns the dict :func:`from_dlt` takes. ``variable`` names the struct in
    the file (default: ``cnn``, ``net``, or the file's only variable). Needs
    scipy (``pip install 'symcnn[mat]'``). MAT v7.3 (HDF5) and Octave's text
    format are not read: re-save with ``save -v7 file.mat cnn``.
    """
    try:
        import scipy.io
    except ImportError as exc:
        raise DataError("reading .mat files needs scipy: pip install 'symcnn[mat]'") from exc
    name = str(path)
    if not Path(name).is_file():
        raise DataError(f"{name}: no such file")
    try:
        mat = scipy.io.loadmat(name, struct_as_record=False, squeeze_me=False)
    except NotImplementedError as exc:
        raise DataError(f"{name}: a MAT v7.3 (HDF5) file; re-save it with `save -v7 {name} cnn`") from exc
    except Exception as exc:  # scipy raises ValueError, TypeError, OSError... on foreign files
        raise DataError(
            f"{name}: not a MAT v5/v7 file ({exc}); from Octave save with `save -v7 {name} cnn`"
        ) from exc
    names = [k for k in mat if not k.startswith("__")]
    if variable is None:
        variable = next((k for k in ("cnn", "net") if k in names), names[0] if len(names) == 1 else None)
    if variable is None or variable not in mat:
        raise DataError(f"{name}: variables {names}; name the DeepLearnToolbox struct to read")
    cnn = _from_mat(mat[variable])
    if not isinstance(cnn, dict) or not {"layers", "ffW", "ffb"} <= set(cnn):
        raise DataError(f"{name}: {variable!r} is not a DeepLearnToolbox cnn struct (layers, ffW, ffb)")
    layers = cnn["layers"]
    cnn["layers"] = [layers] if isinstance(layers, dict) else list(layers)
    for layer in cnn["layers"]:
        if not isinstance(layer, dict) or "type" not in layer:
            raise DataError(f"{name}: {variable}.layers holds an entry without a type")
        for key in ("scale", "kernelsize", "outputmaps"):
            if key in layer:
                layer[key] = int(_scalar(layer[key], f"layers.{key}"))
        if layer.get("type") == "c":
            layer["k"] = [list(row) if isinstance(row, list) else [row] for row in layer["k"]]
            layer["b"] = [_scalar(v, "layers.b") for v in layer["b"]]
    cnn["ffW"] = np.asarray(cnn["ffW"], dtype=np.float64)
    cnn["ffb"] = np.asarray(cnn["ffb"], dtype=np.float64).reshape(-1)
    return cnn
