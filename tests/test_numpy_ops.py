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


# -- a 'full' correlation's window sum [B12], one run per tap ------------------------------------

TAPS, MAPS = 3, 4
WO = 5
Q = WO + TAPS - 1
FULL_XCORR = (  # dX[n, i, p, q] = Σ_ab R[a, b, i, n, p - a, q - b]
    ((0, ((0, 1),), 1), (0, ((1, 1),), 1), (0, ((3, 1),), 1), (0, ((2, 1),), 1),
     (0, ((0, -1), (4, 1)), 1), (0, ((1, -1), (5, 1)), 1)),
    ((0, TAPS), (0, TAPS), (0, N), (0, MAPS), (0, Q), (0, Q)),
)
FULL_MATLAB = (  # the kernel flipped: R[a, b, i, n, p + a + 1 - K, q + b + 1 - K]
    FULL_XCORR[0][:4] + ((1 - TAPS, ((0, 1), (4, 1)), 1), (1 - TAPS, ((1, 1), (5, 1)), 1)),
    FULL_XCORR[1],
)


def padded_rows(r: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros(r.shape[:-1] + (width,))
    out[..., : r.shape[-1]] = r
    return out


def test_padded_rows_sum_as_runs(monkeypatch):
    monkeypatch.setattr(ops, "TAP_WORK", 0)
    r = np.random.default_rng(5).standard_normal((TAPS, TAPS, MAPS, N, WO, WO))
    for axes, ranges in (FULL_XCORR, FULL_MATLAB):
        want = ops.window_sum(r, axes, ranges, 2, "t.plain").copy()
        wide = padded_rows(r, Q)
        order, slices = ops._tap_plan(wide.shape, axes, ranges, 2)
        assert ops._runs(wide, np.empty((N, MAPS, Q, Q)), order, slices, WO) is not None
        got = ops.window_sum(wide, axes, ranges, 2, "t.runs", zeros_from=WO)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_product_pads_rows_with_zeros():
    left, right = np.ones((2, 3)), np.arange(3 * 4 * WO, dtype=float).reshape(3, 4 * WO)
    got = ops.product(left, right, "t.pad", pad=(WO, Q)).reshape(2, 4, Q)
    np.testing.assert_array_equal(got[..., :WO], (left @ right).reshape(2, 4, WO))
    assert not got[..., WO:].any()


# -- buffers start on a cache line ---------------------------------------------------------------


def test_new_buffers_are_aligned_to_a_cache_line():
    from symcnn.support.contract import ALIGN, Contract, aligned

    cases = (((64, 50, 8, 8), np.float32), ((3, 7), np.float64), ((0, 5), np.float32), ((), np.float64))
    for shape, dtype in cases:
        a = aligned(shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
        assert a.size == 0 or a.ctypes.data % ALIGN == 0  # an empty array has no data to align
    made = [Contract("layer", "X").buffer(None, "U", (5, 3, 17), np.float32) for _ in range(16)]
    assert {m.ctypes.data % ALIGN for m in made} == {0}
    assert {ops.scratch(f"t.align{k}", (5, 3, 17), np.float32).ctypes.data % ALIGN for k in range(16)} == {0}
