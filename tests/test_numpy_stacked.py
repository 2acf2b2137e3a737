"""Stacked kernel gradients, long products in blocks and the max-pooling record equal plain references.

:func:`symcnn.support.numpy_ops._stacked_sums` stacks a few images at a time into
zero-bordered rows shared with their neighbours and takes each tap's windows in place;
:func:`symcnn.support.numpy_ops._blocked` splits a long product's columns into blocks.
Both are checked against the plain reference: the window view (``_ops.view``, zero
where the read leaves the array) unfolded and multiplied by ``@`` — on odd sizes, taps
read forwards and backwards, 'same', 'valid' and 'full' offsets, chunks that do not
divide the batch, float32 and float64. :func:`symcnn.support.numpy_ops.block_argmax`
is checked against NumPy's ``argmax`` of each block.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from symcnn.support import numpy_ops as ops


def gradient_read(n: int, c: int, kh: int, kw: int, offsets: tuple[int, int], signs: tuple[int, int],
                  positions: tuple[int, int], images_first: bool = False) -> tuple[tuple, tuple]:
    """``A[n, i, oh + y + sh·a, ow + x + sw·b]`` over (i, a, b) and (n, y, x), in that order or (n, y, x)
    first: its axes and ranges, ``positions`` the extents of (y, x)."""
    (oh, ow), (sh, sw), (ho, wo) = offsets, signs, positions
    i, a, b, u, y, x = (3, 4, 5, 0, 1, 2) if images_first else (0, 1, 2, 3, 4, 5)
    axes = ((0, ((u, 1),), 1), (0, ((i, 1),), 1), (oh, ((y, 1), (a, sh)), 1), (ow, ((x, 1), (b, sw)), 1))
    taps, images = ((0, c), (0, kh), (0, kw)), ((0, n), (0, ho), (0, wo))
    return axes, images + taps if images_first else taps + images


#: (N, C, M, H, W, KH, KW, offsets, signs, positions): 'same' forwards, 'valid', taps read backwards
#: ('same', and 'full': reaching past the array on every side), padded on one side only (two rows
#: above and two columns right; flipped, two rows below and two columns left), one channel, one tap.
CASES = [
    (5, 3, 4, 7, 9, 3, 3, (-1, -1), (1, 1), (7, 9)),
    (4, 2, 3, 9, 8, 5, 3, (0, 0), (1, 1), (5, 6)),
    (3, 2, 5, 6, 7, 3, 3, (1, 1), (-1, -1), (6, 7)),
    (3, 1, 2, 5, 6, 3, 5, (0, 0), (-1, -1), (7, 10)),
    (3, 2, 3, 6, 5, 3, 3, (-2, 0), (1, 1), (6, 5)),
    (4, 2, 3, 5, 7, 3, 3, (2, 0), (-1, -1), (5, 7)),
    (7, 1, 1, 5, 5, 1, 1, (0, 0), (1, 1), (5, 5)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=[str(c[:9]) for c in CASES])
@pytest.mark.parametrize("images", [1, 2, 3])
def test_stacked_sums_equal_the_unfolded_product(case, images, dtype, monkeypatch):
    n, c, m, h, w, kh, kw, offsets, signs, (ho, wo) = case
    axes, ranges = gradient_read(n, c, kh, kw, offsets, signs, (ho, wo))
    plan = ops._flat_plan((n, c, h, w), axes, ranges, 3)
    assert plan is not None and plan[0] is False  # the images on the columns: summed
    period, width = plan[-1][:2]
    # `images` images a chunk, the last one short where that does not divide the batch
    monkeypatch.setattr(ops, "SMALL_PRODUCT", images * c * m * period * width)
    monkeypatch.setattr(ops, "FLAT_ROWS", True)
    monkeypatch.setattr(ops, "BLAS_THREADS", 1)
    rng = np.random.default_rng(n * h + w)
    a = rng.standard_normal((n, c, h, w)).astype(dtype)
    sens = rng.standard_normal((n * ho * wo, m)).astype(dtype)
    unfolded = np.ascontiguousarray(ops.view(a, axes, ranges, "t.sv")).reshape(c * kh * kw, -1)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    got = ops.window_product(a, axes, ranges, 3, sens, True, "t.s")
    assert got.dtype == dtype and got.shape == (c * kh * kw, m)
    np.testing.assert_allclose(got, unfolded @ sens, **tol)
    # the window on the right: sensᵀ @ W, the view's rows now (n, y, x)
    axes, ranges = gradient_read(n, c, kh, kw, offsets, signs, (ho, wo), images_first=True)
    got = ops.window_product(a, axes, ranges, 3, sens.T, False, "t.sr")
    np.testing.assert_allclose(got, sens.T @ unfolded.T, **tol)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_chunk_holds_as_many_images_as_its_product_and_cache_allow(threads, monkeypatch):
    """The chunk: at most SMALL_PRODUCT for each tap's product, FLAT_SUM_CHUNK bytes of stack and rows;
    on a BLAS pool of two threads the whole batch, so that the pool shares each tap's product."""
    monkeypatch.setattr(ops, "BLAS_THREADS", threads)
    n, c, m, h, w = 50, 16, 16, 28, 28
    axes, ranges = gradient_read(n, c, 3, 3, (-1, -1), (1, 1), (h, w))
    plan = ops._flat_plan((n, c, h, w), axes, ranges, 3)
    period, width = plan[-1][:2]
    assert (period, width) == (h + 1, w + 1)  # one zero row and column between images and rows
    seen, real = [], ops.scratch
    monkeypatch.setattr(ops, "scratch", lambda k, shape, t: seen.append((k, shape)) or real(k, shape, t))
    a = np.zeros((n, c, h, w), np.float32)
    ops._stacked_sums(a, plan, np.zeros((m, n * h * w), np.float32), "t.chunk")
    (rows,) = [shape for key, shape in seen if key == "t.chunk.rows"]
    g = rows[1] // (period * width)
    if threads == 1:
        assert g == min(ops.SMALL_PRODUCT // (c * m * period * width),
                        ops.FLAT_SUM_CHUNK // ((c + m) * period * width * 4)) == 4
    else:
        assert g == n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 144, 1000), (3, 5, 97), (7, 11, 1), (1, 9, 40)])
@pytest.mark.parametrize("width", [1, 7, 40])
def test_blocked_product_equals_one_product(shape, width, dtype, monkeypatch):
    """Columns in blocks of ``width`` (the last one short, or none), into a strided target."""
    rows, inner, cols = shape
    monkeypatch.setattr(ops, "BLAS_THREADS", 1)
    monkeypatch.setattr(ops, "SMALL_COLUMNS", 1)
    monkeypatch.setattr(ops, "SMALL_PRODUCT", width * rows * inner)
    rng = np.random.default_rng(math.prod(shape) + width)
    left = rng.standard_normal((inner, rows)).astype(dtype).T  # a transposed view, as the kernels pass it
    right = rng.standard_normal((inner, cols + 3)).astype(dtype)[:, 2 : 2 + cols]
    out = np.full((rows, cols + 5), np.nan, dtype)
    ops._blocked(left, right)(out[:, 1 : 1 + cols])
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out[:, 1 : 1 + cols], left @ right, **tol)
    assert np.isnan(out[:, 0]).all() and np.isnan(out[:, 1 + cols :]).all()  # nothing written outside


def test_blocks_only_where_wide_enough(monkeypatch):
    """No block of SMALL_COLUMNS fits, or a BLAS pool of several threads: one product (no stacked
    ``np.matmul``)."""
    monkeypatch.setattr(ops, "BLAS_THREADS", 1)
    calls = []
    real = np.matmul
    monkeypatch.setattr(ops.np, "matmul", lambda x, y, out: calls.append(y.ndim) or real(x, y, out=out))
    left, right = np.ones((64, 576), np.float32), np.ones((576, 300), np.float32)
    out = np.empty((64, 300), np.float32)
    ops._blocked(left, right)(out)  # 10⁶ / (64·576) = 27 columns a block: too narrow
    assert calls == [2]
    calls.clear()
    ops._blocked(left[:16, :144], right[:144])(out[:16])  # 384 columns a block: wider than 300
    assert calls == [2]
    calls.clear()
    ops._blocked(left[:16, :144], np.ones((144, 1000), np.float32))(np.empty((16, 1000), np.float32))
    assert calls == [3, 2]  # two whole blocks of 384 (at most 434, in 64s) in one product, then 232
    calls.clear()
    monkeypatch.setattr(ops, "BLAS_THREADS", 2)
    ops._blocked(left[:16, :144], np.ones((144, 1000), np.float32))(np.empty((16, 1000), np.float32))
    assert calls == [2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("first", [True, False])
def test_a_forward_pass_in_blocks_equals_the_unfolded_product(first, dtype, monkeypatch):
    """The taps summed (a forward pass), each chunk's product in blocks of 5 columns: what the unfolded
    windows give."""
    n, c, m, h, w = 3, 2, 3, 5, 7
    monkeypatch.setattr(ops, "FLAT_ROWS", True)
    monkeypatch.setattr(ops, "BLAS_THREADS", 1)
    monkeypatch.setattr(ops, "SMALL_COLUMNS", 1)
    monkeypatch.setattr(ops, "SMALL_PRODUCT", 5 * m * c * 9)
    axes, ranges = gradient_read(n, c, 3, 3, (-1, -1), (1, 1), (h, w), images_first=first)
    rng = np.random.default_rng(11)
    a = rng.standard_normal((n, c, h, w)).astype(dtype)
    k = rng.standard_normal((c * 9, m)).astype(dtype)
    rows = math.prod(extent for _, extent in ranges[:3])
    unfolded = np.ascontiguousarray(ops.view(a, axes, ranges, "t.bv")).reshape(rows, -1)
    got = ops.window_product(a, axes, ranges, 3, k if first else k.T, first, "t.b")
    expected = unfolded @ k if first else k.T @ unfolded
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(got).reshape(expected.shape), expected, **tol)


def test_window_moved_counts_flat_windows_at_their_weight():
    """Unfolded (float64, or a 5×5 'valid' read on 12², too wasteful), the windows; on flat rows (float32,
    3×3 'same'), the array once and the windows at FLAT_COPY."""
    same = gradient_read(2, 3, 3, 3, (-1, -1), (1, 1), (14, 14))
    valid = gradient_read(2, 3, 5, 5, (0, 0), (1, 1), (8, 8))
    for (axes, ranges), shape, dtype, flat in ((same, (2, 3, 14, 14), np.float32, True),
                                                (same, (2, 3, 14, 14), np.float64, False),
                                                (valid, (2, 3, 12, 12), np.float32, False)):
        a = np.zeros(shape, dtype)
        windows = math.prod(extent for _, extent in ranges)
        expected = a.size + ops.FLAT_COPY * windows if flat else windows
        assert ops.window_moved(a, axes, ranges, 3) == expected, (shape, dtype)


@pytest.mark.parametrize("c, m, h, expected", [(16, 32, 14, True), (1, 16, 28, False)])
def test_an_input_sensitivity_on_flat_rows_unfolds_where_that_moves_fewer(c, m, h, expected, monkeypatch):
    """float32, batch 50, the vgg preset's conv3 (32 maps back into 16 on 14²): its windows on flat rows
    (1.8 ms against 3.0 products first, one thread); conv1's (16 maps into 1 on 28²): products first
    (0.67 against 1.9 ms)."""
    from generated import conv_xcorr_relu_same_numpy as conv

    picked, real = [], ops.windows_first
    monkeypatch.setattr(ops, "windows_first", lambda p, w: picked.append(real(p, w)) or picked[-1])
    monkeypatch.setattr(ops, "PLAN", None)
    n = 50
    k, du = np.zeros((c, m, 3, 3), np.float32), np.zeros((n, m, h, h), np.float32)
    conv.backward_dX(k, du, np.empty((n, c, h, h), np.float32), n, c, m, h, h, 1, 1)
    assert picked == [expected]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, s", [((2, 3, 7, 9), 2), ((3, 2, 9, 7), 3), ((2, 1, 4, 4), 2),
                                      ((1, 2, 5, 5), 1)])
def test_block_argmax_marks_the_first_maximum_of_each_block(shape, s, dtype):
    """One 1 a block at its first maximum (row-major), a NaN counting as the maximum, ties (a ReLU's
    zeros) to the first; 0 elsewhere, over rows and columns no block covers too; whatever ``out`` held."""
    rng = np.random.default_rng(sum(shape) + s)
    x = np.maximum(rng.integers(-2, 3, shape), 0).astype(dtype)  # many ties
    x.reshape(-1)[::11] = np.nan
    out = np.full(shape, 7.0, dtype)
    ops.block_argmax(x, out, s)
    n, c, h, w = shape
    ho, wo = h // s, w // s
    blocks = x[:, :, : ho * s, : wo * s].reshape(n, c, ho, s, wo, s).transpose(0, 1, 2, 4, 3, 5)
    first = blocks.reshape(n, c, ho, wo, s * s).argmax(axis=-1)  # NumPy's argmax: the first NaN, else maximum
    hit = np.eye(s * s, dtype=dtype)[first].reshape(n, c, ho, wo, s, s).transpose(0, 1, 2, 4, 3, 5)
    expected = np.zeros(shape, dtype)
    expected[:, :, : ho * s, : wo * s] = hit.reshape(n, c, ho * s, wo * s)
    assert out.dtype == dtype and np.array_equal(out, expected)
