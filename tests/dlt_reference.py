"""An independent NumPy re-implementation of DeepLearnToolbox's CNN (for tests only).

This follows ``CNN/cnnsetup.m``, ``CNN/cnnff.m`` and ``CNN/cnnbp.m`` of
DeepLearnToolbox (R. B. Palm) line by line, for the net of
``tests/test_example_CNN.m``::

    i  (28x28 input)
    c  6 maps, 5x5 kernels, sigmoid
    s  scale 2 (mean pooling, no bias, no activation)
    c  12 maps, 5x5 kernels, sigmoid
    s  scale 2
    fully connected 192 -> 10, sigmoid;   L = 1/2 * sum(e(:).^2) / N

MATLAB's layout is kept: the batch is the *last* axis (``x`` is ``(28, 28, N)``,
``y`` is ``(10, N)``), kernels are ``k[l][i][j]`` (input map i to output map j),
biases ``b[l][j]`` are scalars, ``ffW`` is ``(10, 192)`` and ``ffb`` ``(10,)``.
Layer indices are 0-based here: ``layers[0]`` is DLT's ``net.layers{1}``.

``convn`` is MATLAB's N-d *true* convolution, reproduced with
``scipy.signal.convolve(..., method="direct")`` (no FFT round-off). The feature
vector concatenates ``reshape(a, sa(1)*sa(2), sa(3))`` per map, i.e.
column-major (Fortran-order) flattening of each map.

scipy is a test-only dependency; tests importing this module should skip when
it is absent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.signal import convolve

__all__ = ["dlt_bp", "dlt_ff", "dlt_loss", "dlt_setup", "example_layers"]

Net = dict[str, Any]


def example_layers() -> list[dict[str, Any]]:
    """Return the layer list of DeepLearnToolbox's ``test_example_CNN``."""
    return [
        {"type": "i"},
        {"type": "c", "outputmaps": 6, "kernelsize": 5},
        {"type": "s", "scale": 2},
        {"type": "c", "outputmaps": 12, "kernelsize": 5},
        {"type": "s", "scale": 2},
    ]


def sigm(z: np.ndarray) -> np.ndarray:
    """DLT's ``sigm``: ``1 ./ (1 + exp(-z))``."""
    return 1.0 / (1.0 + np.exp(-z))


def convn(a: np.ndarray, k: np.ndarray, shape: str) -> np.ndarray:
    """MATLAB ``convn(a, k, shape)``: N-d true convolution; a 2-D ``k`` acts per slice."""
    if k.ndim < a.ndim:
        k = k.reshape(k.shape + (1,) * (a.ndim - k.ndim))
    return convolve(a, k, mode=shape, method="direct")


def rot180(k: np.ndarray) -> np.ndarray:
    """DLT's ``rot180``: flip the first two axes."""
    return k[::-1, ::-1]


def flipall(a: np.ndarray) -> np.ndarray:
    """DLT's ``flipall``: flip every axis."""
    return a[(slice(None, None, -1),) * a.ndim]


def expand(a: np.ndarray, s: int) -> np.ndarray:
    """DLT's ``expand(a, [s s 1])``: repeat each pixel into an s x s block."""
    return np.repeat(np.repeat(a, s, axis=0), s, axis=1)


def dlt_setup(
    rng: np.random.Generator, layers: list[dict[str, Any]] | None = None,
    mapsize: tuple[int, int] = (28, 28), onum: int = 10,
) -> Net:
    """``cnnsetup``: DLT's initialisation (uniform, Glorot-style), drawn from ``rng``."""
    layers = [dict(layer) for layer in (layers or example_layers())]
    inputmaps = 1
    size = np.array(mapsize)
    for layer in layers:
        if layer["type"] == "s":
            size = size // layer["scale"]
            layer["b"] = [0.0] * inputmaps
        elif layer["type"] == "c":
            ks, om = layer["kernelsize"], layer["outputmaps"]
            size = size - ks + 1
            fan_out = om * ks**2
            fan_in = inputmaps * ks**2
            scale = 2 * np.sqrt(6 / (fan_in + fan_out))
            layer["k"] = [
                [(rng.random((ks, ks)) - 0.5) * scale for _ in range(om)]
                for _ in range(inputmaps)
            ]
            layer["b"] = [0.0] * om
            inputmaps = om
    fvnum = int(np.prod(size)) * inputmaps
    return {
        "layers": layers,
        "ffb": np.zeros(onum),
        "ffW": (rng.random((onum, fvnum)) - 0.5) * 2 * np.sqrt(6 / (onum + fvnum)),
    }


def dlt_ff(net: Net, x: np.ndarray) -> dict[str, Any]:
    """``cnnff``: the forward pass; returns ``a`` (per layer, per map), ``fv`` and ``o``."""
    layers = net["layers"]
    a: list[list[np.ndarray]] = [[x]]
    inputmaps = 1
    for layer in layers[1:]:
        prev = a[-1]
        if layer["type"] == "c":
            maps = []
            for j in range(layer["outputmaps"]):
                z = sum(convn(prev[i], layer["k"][i][j], "valid") for i in range(inputmaps))
                maps.append(sigm(z + layer["b"][j]))
            inputmaps = layer["outputmaps"]
        elif layer["type"] == "s":
            s = layer["scale"]
            maps = []
            for j in range(inputmaps):
                z = convn(prev[j], np.ones((s, s)) / s**2, "valid")
                maps.append(z[::s, ::s, :])
        else:
            raise ValueError(f"unknown layer type {layer['type']!r}")
        a.append(maps)
    fv = np.concatenate(
        [m.reshape(m.shape[0] * m.shape[1], m.shape[2], order="F") for m in a[-1]], axis=0
    )
    o = sigm(net["ffW"] @ fv + net["ffb"][:, None])
    return {"a": a, "fv": fv, "o": o}


def dlt_loss(net: Net, x: np.ndarray, y: np.ndarray) -> float:
    """DLT's loss ``L = 1/2 * sum(e(:).^2) / N`` with ``e = o - y``."""
    e = dlt_ff(net, x)["o"] - y
    return float(0.5 * np.sum(e**2) / e.shape[1])


def dlt_bp(net: Net, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """``cnnff`` then ``cnnbp``: activations, sensitivities and gradients of ``L``.

    Returns a dict with ``a``, ``fv``, ``o``, ``e``, ``L``, ``od``, ``fvd``,
    ``d`` (``d[l][j]``, ``None`` for the input layer), ``dk`` (``dk[l][i][j]``,
    ``None`` for non-'c' layers), ``db`` (``db[l][j]``), ``dffW`` and ``dffb``.
    """
    layers = net["layers"]
    out = dlt_ff(net, x)
    a, fv, o = out["a"], out["fv"], out["o"]
    n = len(layers)
    e = o - y
    big_n = e.shape[1]
    loss = 0.5 * np.sum(e**2) / big_n
    od = e * (o * (1 - o))
    fvd = net["ffW"].T @ od
    if layers[-1]["type"] == "c":
        fvd = fvd * (fv * (1 - fv))
    d: list[list[np.ndarray] | None] = [None] * n
    sa = a[-1][0].shape
    fvnum = sa[0] * sa[1]
    d[-1] = [
        fvd[j * fvnum : (j + 1) * fvnum, :].reshape(sa, order="F") for j in range(len(a[-1]))
    ]
    for l in range(n - 2, 0, -1):  # noqa: E741 - DLT's own index name
        nxt = layers[l + 1]
        if layers[l]["type"] == "c":
            s = nxt["scale"]
            d[l] = [
                a[l][j] * (1 - a[l][j]) * (expand(d[l + 1][j], s) / s**2)
                for j in range(len(a[l]))
            ]
        elif layers[l]["type"] == "s":
            maps = []
            for i in range(len(a[l])):
                z = np.zeros(a[l][0].shape)
                for j in range(len(a[l + 1])):
                    z = z + convn(d[l + 1][j], rot180(nxt["k"][i][j]), "full")
                maps.append(z)
            d[l] = maps
    dk: list[list[list[np.ndarray]] | None] = [None] * n
    db: list[list[float] | None] = [None] * n
    for l in range(1, n):  # noqa: E741
        if layers[l]["type"] != "c":
            continue
        dk[l] = [[None] * len(a[l]) for _ in range(len(a[l - 1]))]
        db[l] = []
        for j in range(len(a[l])):
            for i in range(len(a[l - 1])):
                dk[l][i][j] = convn(flipall(a[l - 1][i]), d[l][j], "valid")[:, :, 0] / big_n
            db[l].append(float(np.sum(d[l][j]) / big_n))
    return {
        "a": a, "fv": fv, "o": o, "e": e, "L": float(loss), "od": od, "fvd": fvd,
        "d": d, "dk": dk, "db": db,
        "dffW": od @ fv.T / big_n,
        "dffb": np.mean(od, axis=1),
    }
