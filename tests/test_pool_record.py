"""The max-pooling record S: a 1 at each s×s block's first maximum in row-major order, 0 elsewhere [B11]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symcnn.runtime.loader import load_layer_module

GENERATED = Path(__file__).resolve().parents[1] / "generated"
LAYERS = ["pool_max_plain", "pool_max_relu", "pool_max_sigmoid"]


def argmax_mask(X: np.ndarray, s: int) -> np.ndarray:
    """NumPy's ``argmax`` (the first maximum) over each block's elements in row-major order, as a 0/1 mask;
    the rows and columns past the last whole block are 0."""
    n, c, h, w = X.shape
    ho, wo = h // s, w // s
    blocks = X[:, :, : ho * s, : wo * s].reshape(n, c, ho, s, wo, s).transpose(0, 1, 2, 4, 3, 5)
    first = blocks.reshape(n, c, ho, wo, s * s).argmax(axis=-1)
    hit = np.eye(s * s, dtype=X.dtype)[first].reshape(n, c, ho, wo, s, s).transpose(0, 1, 2, 4, 3, 5)
    S = np.zeros_like(X)
    S[:, :, : ho * s, : wo * s] = hit.reshape(n, c, ho * s, wo * s)
    return S


def scan_mask(X: np.ndarray, s: int) -> np.ndarray:
    """The rule as a scan of each block in row-major order: a later element takes the 1 when it is
    greater than the best so far, or is a NaN while the best is not (so the first NaN keeps it)."""
    S = np.zeros_like(X)
    for n, c in np.ndindex(X.shape[:2]):
        for y, x in np.ndindex(X.shape[2] // s, X.shape[3] // s):
            best, at = X[n, c, s * y, s * x], (0, 0)
            for r, q in np.ndindex(s, s):
                v = X[n, c, s * y + r, s * x + q]
                if v > best or (np.isnan(v) and not np.isnan(best)):
                    best, at = v, (r, q)
            S[n, c, s * y + at[0], s * x + at[1]] = 1
    return S


def record(layer: str, backend: str, X: np.ndarray, s: int) -> np.ndarray:
    S = np.full_like(X, 7.0)  # every element must be written
    load_layer_module(layer, backend, GENERATED).record_S(X, S, s)
    return S


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("s, shape", [(2, (3, 4, 8, 10)), (2, (2, 3, 7, 9)), (3, (3, 4, 9, 12)),
                                      (3, (2, 3, 10, 8))], ids=["2", "2, leftovers", "3", "3, leftovers"])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_record_is_the_first_maximum_of_each_block(layer, dtype, s, shape, backend):
    rng = np.random.default_rng(s)
    for X in (rng.integers(-2, 2, shape).astype(dtype),  # ties in most blocks
              rng.standard_normal(shape).astype(dtype),
              np.zeros(shape, dtype),  # all tied: the first element
              np.where(rng.random(shape) < 0.5, -0.0, 0.0).astype(dtype)):  # 0 and -0 tie
        expected = argmax_mask(X, s)
        S = record(layer, backend, X, s)
        assert S.tobytes() == expected.tobytes()
        assert S.tobytes() == scan_mask(X, s).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("s", [2, 3])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_nan_is_its_blocks_maximum_on_both_backends(dtype, s, backend):
    """NaN propagates, as in NumPy's argmax and PyTorch's max_pool2d: the first NaN of a block takes the 1."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 3, 4 * s, 3 * s)).astype(dtype)
    X[rng.random(X.shape) < 0.2] = np.nan
    X[0, 0, 0, 0] = np.nan  # a NaN first element keeps the 1
    X[0, 0, 0, 1:s] = 5.0
    X[0, 1, :s, :s] = 1.0
    X[0, 1, s - 1, s - 1] = np.nan  # a NaN last element takes it from a larger number
    S = record("pool_max_plain", backend, X, s)
    assert S[0, 0, 0, 0] == 1 and S[0, 0, :s, :s].sum() == 1
    assert S[0, 1, s - 1, s - 1] == 1 and S[0, 1, :s, :s].sum() == 1
    assert S.tobytes() == argmax_mask(X, s).tobytes() == scan_mask(X, s).tobytes()


@pytest.mark.parametrize("layer", LAYERS)
def test_pooling_a_window_with_a_nan_agrees_across_backends(layer):
    """The forward output is NaN where a window holds one, and dX the same on both backends."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((2, 3, 8, 6))
    X[0, 0, 1, 1] = X[1, 2, 4, 5] = np.nan
    results = []
    for backend in ("numba", "numpy"):
        mod = load_layer_module(layer, backend, GENERATED)
        arrays = {"X": X, **{p: np.ones(3) for p in mod.PARAMS}}
        fwd = mod.forward(arrays, {"s": 2})
        seeds = {"d" + o: np.ones_like(fwd[o]) for o in mod.OUTPUTS}
        results.append((fwd, mod.backward({**arrays, **fwd, **seeds}, {"s": 2})))
    (f1, b1), (f2, b2) = results
    assert np.isnan(f1["D"][0, 0, 0, 0]) and np.isnan(f1["D"][1, 2, 2, 2])
    for name in f1:
        np.testing.assert_allclose(f1[name], f2[name], rtol=1e-12, equal_nan=True)
    for name in b1:
        np.testing.assert_allclose(b1[name], b2[name], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("s", [0, -1, 2.9, 2.0, True, "2"])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_pooling_factor_that_is_not_a_whole_size_is_refused(backend, s):
    from symcnn.errors import ShapeError

    mod = load_layer_module("pool_max_plain", backend, GENERATED)
    with pytest.raises(ShapeError, match="hyper-parameter 's' must be an integer >= 1") as info:
        mod.forward({"X": np.ones((1, 1, 4, 4))}, {"s": s})
    assert "\n" not in str(info.value)
