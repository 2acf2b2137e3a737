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
    """The rule as a scan of each block in row-major order: a later element takes the 1 only when it is
    strictly greater than the best so far (so a NaN never takes it, and a NaN first element keeps it)."""
    S = np.zeros_like(X)
    for n, c in np.ndindex(X.shape[:2]):
        for y, x in np.ndindex(X.shape[2] // s, X.shape[3] // s):
            best, at = X[n, c, s * y, s * x], (0, 0)
            for r, q in np.ndindex(s, s):
                if X[n, c, s * y + r, s * x + q] > best:
                    best, at = X[n, c, s * y + r, s * x + q], (r, q)
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
def test_the_numba_record_passes_over_nans(dtype, s):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 3, 4 * s, 3 * s)).astype(dtype)
    X[rng.random(X.shape) < 0.3] = np.nan
    X[0, 0, 0, 0] = np.nan  # a NaN first element keeps the 1
    X[0, 0, 0, 1:s] = 5.0
    S = record("pool_max_plain", "numba", X, s)
    assert S[0, 0, 0, 0] == 1 and S[0, 0, :s, :s].sum() == 1
    assert S.tobytes() == scan_mask(X, s).tobytes()
