"""The unfolded windows a NumPy forward kernel copies are reused, transposed, by its kernel gradient [B8]."""

from __future__ import annotations

import numpy as np

from symcnn.support import numpy_ops as ops

N, C, H, K = 3, 2, 7, 3
HO = H - K + 1
# X[n, i, a + y, b + x]: view axes named by the order each call lists them in
FORWARD = (  # rows (n, y, x), columns (i, a, b)
    ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, 1), (1, 1)), 1), (0, ((5, 1), (2, 1)), 1)),
    ((0, N), (0, HO), (0, HO), (0, C), (0, K), (0, K)),
)
GRADIENT = (  # rows (i, a, b), columns (n, y, x)
    ((0, ((3, 1),), 1), (0, ((0, 1),), 1), (0, ((1, 1), (4, 1)), 1), (0, ((2, 1), (5, 1)), 1)),
    ((0, C), (0, K), (0, K), (0, N), (0, HO), (0, HO)),
)


def unfolded(x: np.ndarray, spec: tuple) -> np.ndarray:
    """The windows as a matrix, the plain way (a fresh copy every time)."""
    v = ops.view(x, *spec, "test.view")
    return np.ascontiguousarray(v).reshape(int(np.prod(v.shape[:3])), -1)


def fresh_input(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((N, C, H, H))


def test_each_order_unfolds_the_windows():
    x = fresh_input()
    np.testing.assert_array_equal(ops.window_matrix(x, *FORWARD, 0, 3, "t.f"), unfolded(x, FORWARD))
    np.testing.assert_array_equal(ops.window_matrix(x, *GRADIENT, 0, 3, "t.g"), unfolded(x, GRADIENT))


def test_gradient_reuses_the_forward_copy_transposed():
    x = fresh_input(1)
    forward = ops.window_matrix(x, *FORWARD, 0, 3, "t.f")
    gradient = ops.window_matrix(x, *GRADIENT, 0, 3, "t.g")
    assert np.shares_memory(forward, gradient)
    np.testing.assert_array_equal(gradient, unfolded(x, GRADIENT))


def test_changed_input_is_unfolded_anew():
    x = fresh_input(2)
    ops.window_matrix(x, *FORWARD, 0, 3, "t.f")
    x[1, 0, 2, 3] += 1.0  # the same buffer, new contents (the next batch)
    gradient = ops.window_matrix(x, *GRADIENT, 0, 3, "t.g")
    np.testing.assert_array_equal(gradient, unfolded(x, GRADIENT))


def test_another_array_of_the_same_shape_is_not_confused():
    x, z = fresh_input(3), fresh_input(4)
    ops.window_matrix(x, *FORWARD, 0, 3, "t.f")
    ops.window_matrix(z, *FORWARD, 0, 3, "t.f")
    np.testing.assert_array_equal(ops.window_matrix(x, *GRADIENT, 0, 3, "t.g"), unfolded(x, GRADIENT))
    np.testing.assert_array_equal(ops.window_matrix(z, *GRADIENT, 0, 3, "t.g"), unfolded(z, GRADIENT))
