"""``_ops.window_product`` on flat rows equals its unfolded product and a direct ``np.einsum`` correlation.

A correlation's windows, read a few images at a time as runs of a zero-padded
image's flattened rows (:func:`symcnn.support.numpy_ops._flat_product`), must give
what the whole batch's unfolded windows times the other operand give
(:func:`symcnn.support.numpy_ops.window_matrix`, then ``product``) — forward pass,
input sensitivity (taps read backwards, a 'full' correlation of a 'valid' one), kernel
gradient; the window left or right — on odd sizes, float32 and float64; and reads
that are no such correlation fall back.
"""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.support import numpy_ops as ops

#: (N, C, M, H, W, KH, KW, same): H ≠ W, odd W, one channel, maps that divide nothing, a wide kernel.
SHAPES = [
    (3, 2, 5, 7, 9, 3, 3, True),
    (5, 1, 7, 6, 5, 3, 5, True),
    (4, 3, 2, 9, 8, 5, 3, False),
    (2, 1, 1, 5, 5, 1, 1, True),
    (2, 2, 3, 4, 2, 3, 5, True),  # a kernel wider than the image: its windows run past the next row
]


def reads(n: int, c: int, m: int, h: int, w: int, kh: int, kw: int, same: bool) -> dict:
    """The three window reads of a convolution's kernels, as the generated modules pass them.

    ``forward``: ``X[n, i, y + a - RH, x + b - RW]`` over rows (n, y, x), columns (i, a, b);
    ``gradient``: the same read over rows (i, a, b), columns (n, y, x); ``sensitivity``:
    ``dU[n, j, p - a + RH, q - b + RW]`` over rows (n, p, q), columns (j, a, b).
    """
    rh, rw = ((kh - 1) // 2, (kw - 1) // 2) if same else (0, 0)
    ho, wo = (h, w) if same else (h - kh + 1, w - kw + 1)
    return {
        "forward": (((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-rh, ((4, 1), (1, 1)), 1),
                     (-rw, ((5, 1), (2, 1)), 1)),
                    ((0, n), (0, ho), (0, wo), (0, c), (0, kh), (0, kw))),
        "gradient": (((0, ((3, 1),), 1), (0, ((0, 1),), 1), (-rh, ((1, 1), (4, 1)), 1),
                      (-rw, ((2, 1), (5, 1)), 1)),
                     ((0, c), (0, kh), (0, kw), (0, n), (0, ho), (0, wo))),
        "sensitivity": (((0, ((0, 1),), 1), (0, ((3, 1),), 1), (rh, ((4, -1), (1, 1)), 1),
                         (rw, ((5, -1), (2, 1)), 1)),
                        ((0, n), (0, h), (0, w), (0, m), (0, kh), (0, kw))),
    }


def correlation(x: np.ndarray, k: np.ndarray, same: bool) -> np.ndarray:
    """``U[n, j, y, x] = Σ_{i,a,b} X[n, i, y + a - RH, x + b - RW] K[i, j, a, b]`` by ``np.einsum``."""
    kh, kw = k.shape[2:]
    if same:
        x = np.pad(x, ((0, 0), (0, 0), ((kh - 1) // 2,) * 2, ((kw - 1) // 2,) * 2))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return np.einsum("niyxab,ijab->njyx", windows, k)


def both_paths(call, monkeypatch) -> tuple[np.ndarray, np.ndarray]:
    """``call()`` unfolded (today's path) and on flat rows, forced, each copied out of its scratch."""
    out = []
    for flat in (False, True):
        monkeypatch.setattr(ops, "FLAT_ROWS", flat)
        ops.forget_windows()
        out.append(np.array(call()))
    return out[0], out[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_flat_rows_equal_the_unfolded_product_and_einsum(shape, dtype, monkeypatch):
    n, c, m, h, w, kh, kw, same = shape
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    k = rng.standard_normal((c, m, kh, kw)).astype(dtype)
    u = correlation(x, k, same)
    du = rng.standard_normal(u.shape).astype(dtype)
    spec = reads(*shape)
    km = k.transpose(0, 2, 3, 1).reshape(-1, m)
    dm = du.transpose(0, 2, 3, 1).reshape(-1, m)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    ho, wo = u.shape[2:]
    cases = {  # each window left and right of the other operand, summed over the taps and over the images
        "forward": (lambda: ops.window_product(x, *spec["forward"], 3, km, True, "t.f").reshape(n, ho, wo, m),
                    u.transpose(0, 2, 3, 1)),
        "forward, window right": (
            lambda: ops.window_product(x, *spec["gradient"], 3, km.T, False, "t.fr").reshape(m, n, ho, wo),
            u.transpose(1, 0, 2, 3)),
        "gradient": (
            lambda: ops.window_product(x, *spec["gradient"], 3, dm, True, "t.g").reshape(c, kh, kw, m),
            np.einsum("niyxab,njyx->iabj", windows_of(x, kh, kw, same), du)),
        "gradient, window right": (
            lambda: ops.window_product(x, *spec["forward"], 3, dm.T, False, "t.gr").reshape(m, c, kh, kw),
            np.einsum("niyxab,njyx->jiab", windows_of(x, kh, kw, same), du)),
    }
    if same:  # the input sensitivity of a 'same' correlation is one of the flipped kernel
        flipped = k[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        cases["sensitivity"] = (
            lambda: ops.window_product(du, *spec["sensitivity"], 3, k.reshape(c, -1).T, True, "t.s").reshape(
                n, h, w, c),
            correlation(du, flipped, True).transpose(0, 2, 3, 1))
    else:  # ... of a 'valid' one, the 'full' correlation: windows reaching past dU on every side
        full = (((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, -1), (1, 1)), 1), (0, ((5, -1), (2, 1)), 1)),
                ((0, n), (0, h), (0, w), (0, m), (0, kh), (0, kw)))
        padded = np.pad(du, ((0, 0), (0, 0), (kh - 1,) * 2, (kw - 1,) * 2))
        cases["sensitivity"] = (
            lambda: ops.window_product(du, *full, 3, k.reshape(c, -1).T, True, "t.s").reshape(n, h, w, c),
            correlation(padded, k[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), False).transpose(0, 2, 3, 1))
    for name, (call, expected) in cases.items():
        old, new = both_paths(call, monkeypatch)
        assert new.dtype == dtype, name
        np.testing.assert_allclose(new, old, **tol, err_msg=name)
        np.testing.assert_allclose(new, expected, **tol, err_msg=name)


def windows_of(x: np.ndarray, kh: int, kw: int, same: bool) -> np.ndarray:
    """``W[n, i, y, x, a, b] = X[n, i, y + a - RH, x + b - RW]``, zero outside ``X``."""
    if same:
        x = np.pad(x, ((0, 0), (0, 0), ((kh - 1) // 2,) * 2, ((kw - 1) // 2,) * 2))
    return np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))


def test_chunks_that_do_not_divide_the_batch(monkeypatch):
    """Images a few at a time, the last chunk short: every image is still counted once."""
    n, c, m, h, w = 7, 3, 4, 6, 5
    rng = np.random.default_rng(7)
    x, k = rng.standard_normal((n, c, h, w)), rng.standard_normal((c, m, 3, 3))
    du = rng.standard_normal((n, m, h, w))
    spec = reads(n, c, m, h, w, 3, 3, True)
    monkeypatch.setattr(ops, "BLAS_THREADS", 1)  # chunks for one thread (else the batch is one)
    monkeypatch.setattr(ops, "FLAT_CHUNK", 3 * c * 9 * h * (w + 2) * 8)  # 3 images a chunk
    monkeypatch.setattr(ops, "SMALL_PRODUCT", 2 * c * m * (h + 1) * (w + 1))  # 2 images a chunk
    forward = lambda: ops.window_product(x, *spec["forward"], 3, k.transpose(0, 2, 3, 1).reshape(-1, m),  # noqa: E731
                                         True, "t.cf").reshape(n, h, w, m)
    gradient = lambda: ops.window_product(x, *spec["gradient"], 3, du.transpose(0, 2, 3, 1).reshape(-1, m),  # noqa: E731
                                          True, "t.cg").reshape(c, 3, 3, m)
    for call in (forward, gradient):
        old, new = both_paths(call, monkeypatch)
        np.testing.assert_allclose(new, old, rtol=1e-12, atol=1e-12)


FORWARD = reads(2, 3, 4, 6, 6, 3, 3, True)["forward"]


def changed(axis: int, read: tuple) -> tuple:
    """The forward read with axis ``axis`` of ``X`` read as ``read``."""
    axes = list(FORWARD[0])
    axes[axis] = read
    return tuple(axes), FORWARD[1]


#: The forward read over rows (y, x, n): the image after the positions.
IMAGE_LAST = (((0, ((2, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (0, 1)), 1), (-1, ((5, 1), (1, 1)), 1)),
              ((0, 6), (0, 6), (0, 2), (0, 3), (0, 3), (0, 3)))


@pytest.mark.parametrize("spec", [
    changed(2, (-1, ((4, 1), (1, 2)), 1)),  # strided: row 2·y + a - 1
    changed(3, (-1, ((5, 2), (2, 1)), 1)),  # dilated: column x + 2·b - 1
    changed(2, (0, ((1, 1),), 2)),  # an up-sampling's floor(y / 2)
    changed(1, (1, ((3, 1),), 1)),  # channel i + 1: not the whole axis
    IMAGE_LAST,
], ids=["strided", "dilated", "divided", "shifted channel", "image after the positions"])
def test_reads_that_are_no_flat_correlation_fall_back(spec, monkeypatch):
    axes, ranges = spec
    assert ops._flat_plan((2, 3, 6, 6), axes, ranges, 3) is None
    called = []
    monkeypatch.setattr(ops, "_flat_product", lambda *args: called.append(args))
    monkeypatch.setattr(ops, "FLAT_ROWS", True)
    x = np.random.default_rng(3).standard_normal((2, 3, 6, 6)).astype(np.float32)
    other = np.ones((27, 4), np.float32)
    got = ops.window_product(x, axes, ranges, 3, other, True, "t.fb")
    assert not called
    unfolded = np.ascontiguousarray(ops.view(x, axes, ranges, "t.fbv")).reshape(-1, 27)
    np.testing.assert_allclose(got, unfolded @ other, rtol=1e-5)


@pytest.mark.parametrize(("shape", "read", "width"), [
    ((2, 3, 4, 14, 9, 3, 3, True), "forward", 10),  # margins 1 and 1: W + 1, not W + 2
    ((2, 3, 4, 14, 9, 3, 5, True), "forward", 11),  # margins 2 and 2
    ((2, 3, 4, 12, 8, 5, 5, False), "full", 8),  # the input sensitivity of a 'valid' 5×5: W, none dropped
])
def test_a_rows_margins_are_shared_with_the_next_row(shape, read, width):
    """A flat row is as long as its data and the wider margin: the zeros after one row's data are
    the zeros before the next's."""
    n, c, m, h, w, kh, kw, same = shape
    if read == "forward":
        source, (axes, ranges) = (n, c, h, w), reads(*shape)["forward"]
    else:
        source, (axes, ranges) = (n, m, h - kh + 1, w - kw + 1), full(n, m, h, w, kh, kw)
    plan = ops._flat_plan(source, axes, ranges, 3)
    assert plan is not None and plan[1][5] == width


def full(n: int, m: int, h: int, w: int, kh: int, kw: int) -> tuple:
    """``dU[n, j, p - a, q - b]`` over rows (n, p, q) of ``h × w``, columns (j, a, b): a 'valid'
    correlation's input sensitivity, its windows reaching past ``dU`` by ``K - 1`` on every side."""
    return ((((0, ((0, 1),), 1), (0, ((3, 1),), 1), (0, ((4, -1), (1, 1)), 1), (0, ((5, -1), (2, 1)), 1)),
             ((0, n), (0, h), (0, w), (0, m), (0, kh), (0, kw))))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("w", "left"), [(7, 1), (6, 2), (1, 1), (3, 0)])
def test_unequal_margins_equal_the_zero_padded_windows(w, left, dtype, monkeypatch):
    """A 4-wide window ``X[…, x + b - left]``, margins ``left`` and ``3 - left``: on flat rows (the
    narrower margin's zeros are the wider one's) as through the zero-padded view, unfolded."""
    n, c, m, h = 3, 2, 5, 4
    axes = ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-left, ((5, 1), (2, 1)), 1))
    ranges = ((0, n), (0, h), (0, w), (0, c), (0, 3), (0, 4))
    assert ops._flat_plan((n, c, h, w), axes, ranges, 3)[1][5] == w + max(left, 3 - left)
    rng = np.random.default_rng(w + left)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    k = rng.standard_normal((c * 12, m)).astype(dtype)
    expected = np.ascontiguousarray(ops.view(x, axes, ranges, "t.mv")).reshape(-1, c * 12) @ k
    old, new = both_paths(lambda: ops.window_product(x, axes, ranges, 3, k, True, "t.m").reshape(-1, m),
                          monkeypatch)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new, expected, **tol)
    np.testing.assert_allclose(old, expected, **tol)


def test_float32_takes_flat_rows_float64_and_wasteful_rows_do_not(monkeypatch):
    """By default: a float32 3×3 'same' correlation on flat rows; float64, or a 5×5 'valid' one on 12²
    (4 of every 12 columns dropped, :data:`FLAT_WASTE`), unfolded."""
    called = []
    flat = ops._flat_product
    monkeypatch.setattr(ops, "_flat_product", lambda *args: called.append(args[1]) or flat(*args))
    rng = np.random.default_rng(5)
    for dtype, shape, expected in (
        (np.float32, (2, 3, 4, 14, 14, 3, 3, True), 1),
        (np.float64, (2, 3, 4, 14, 14, 3, 3, True), 0),
        (np.float32, (2, 3, 4, 12, 12, 5, 5, False), 0),
    ):
        called.clear()
        n, c, m, h, w, kh, kw, same = shape
        x = rng.standard_normal((n, c, h, w)).astype(dtype)
        k = rng.standard_normal((c * kh * kw, m)).astype(dtype)
        ops.window_product(x, *reads(*shape)["forward"], 3, k, True, "t.d")
        assert len(called) == expected, (dtype, shape)


def test_the_governed_blas_pool_sizes_the_chunks(monkeypatch):
    """The threads the runtime gives the BLAS pool reach the NumPy kernels, which take images a few at a
    time only on one thread."""
    from symcnn.runtime.blas import blas_threads, set_blas_threads

    monkeypatch.setattr(ops, "BLAS_THREADS", None)
    before = blas_threads() or 1
    try:
        set_blas_threads(1)
        assert ops.BLAS_THREADS == 1
        set_blas_threads(2)
        assert ops.BLAS_THREADS == 2
    finally:
        set_blas_threads(before)
