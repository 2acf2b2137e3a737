"""The array operations generated NumPy kernels are written in: views, window sums, products.

Every generated ``<layer>_numpy.py`` imports this module as ``_ops`` and its
kernels call ``_ops.view``, ``_ops.matrix``, ``_ops.product``, ``_ops.block_argmax`` (the
max-pooling record),
``_ops.window_product``, ``_ops.window_sum``, ``_ops.rows_summed``, ``_ops.grid``,
``_ops.scratch`` and ``_ops.windows_first`` (which of a term's two plans runs, by the sizes,
counting a window product's elements with ``_ops.window_moved``);
the plan of which to call, with what, comes from the derivation
(:mod:`symcnn.codegen.vectorize`). NumPy only: no SymPy at run time.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .contract import aligned

__all__ = [
    "BLAS_THREADS", "FLAT_CHUNK", "FLAT_COPY", "FLAT_ROWS", "FLAT_SUM_CHUNK", "FLAT_WASTE", "PLAN",
    "SHORT_ROWS", "SMALL_COLUMNS", "SMALL_PRODUCT", "TAP_WORK", "WINDOWS_KEPT", "block_argmax",
    "forget_windows", "grid", "matrix", "product", "rows_summed", "scratch", "view", "window_matrix",
    "window_moved", "window_product", "window_sum", "windows_first",
]


def view(a: np.ndarray, axes: tuple, ranges: tuple, key: str) -> np.ndarray:
    """The read-only view ``v[u_0, u_1, …] = a[e_0, e_1, …]``, zero where the read leaves ``a``.

    ``axes[k] = (offset, ((j, coeff), …), divisor)`` makes
    ``e_k = (offset + Σ coeff · u_j) // divisor``; ``ranges[j] = (start, extent)``
    is the range of ``u_j``; ``key`` names the scratch buffer of a padded copy.
    """
    spans = []
    factors = {k: divisor for k, (_, _, divisor) in enumerate(axes) if divisor != 1}
    if factors:  # floor(u / n): each entry repeated n times along its axis, in one copy
        a = _repeated(a, factors)
    for k, (offset, coeffs, divisor) in enumerate(axes):
        if divisor != 1:
            ((j, coeff),) = coeffs
            start, extent = ranges[j]
            if coeff != 1 or offset != 0:
                raise ValueError("only floor(u / n) reads are vectorised")
            over = start + extent - a.shape[k]
            if over > 0:
                a = np.pad(a, [(0, over) if i == k else (0, 0) for i in range(a.ndim)])
            offset = 0
        lo = hi = offset + sum(c * ranges[j][0] for j, c in coeffs)
        for j, c in coeffs:
            step = c * (ranges[j][1] - 1)
            lo, hi = (lo + step, hi) if step < 0 else (lo, hi + step)
        spans.append((offset, coeffs, lo, hi))
    pad = [(max(0, -lo), max(0, hi - n + 1)) for (_, _, lo, hi), n in zip(spans, a.shape)]
    if any(p != (0, 0) for p in pad):
        a = _padded(a, pad, key)
    first = []
    strides = [0] * len(ranges)
    for k, (offset, coeffs, _, _) in enumerate(spans):
        first.append(pad[k][0] + offset + sum(c * ranges[j][0] for j, c in coeffs))
        for j, c in coeffs:
            strides[j] += c * a.strides[k]
    base = a[tuple(slice(f, None) for f in first)]
    return as_strided(base, tuple(e for _, e in ranges), tuple(strides), writeable=False)


def _repeated(a: np.ndarray, factors: dict) -> np.ndarray:
    """``a`` with each entry repeated ``factors[k]`` times along axis ``k``.

    ``np.repeat`` copies runs along one axis at a time: 3.6× faster than one broadcast copy, whose
    innermost loop is the repeat factor (2 for a 2×2 pooling's up-sampled sensitivity [B11]).
    """
    for k, n in sorted(factors.items(), reverse=True):
        a = np.repeat(a, n, axis=k)
    return a


_SCRATCH = threading.local()
#: Buffers kept per thread before the store starts over (every layer of a net shares it).
_SCRATCH_KEPT = 1024


def scratch(key: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A buffer for temporary ``key`` of this shape, kept between calls (one set per thread).

    A fresh multi-megabyte array costs page faults on every call; a kept one does not.
    Its contents are only ever read within the kernel call that wrote them, so kernels
    of different layers may share a key.
    """
    store = _SCRATCH.__dict__
    buf = store.get((key, shape, dtype))
    if buf is None:
        if len(store) > _SCRATCH_KEPT:
            store.clear()
        buf = store[(key, shape, dtype)] = aligned(shape, dtype)
    return buf


def _padded(a: np.ndarray, pad: list, key: str) -> np.ndarray:
    """``a`` with ``pad[k] = (before, after)`` zeros along each axis ``k``."""
    out = scratch(key, tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pad)), a.dtype)
    inner = []
    for n, (lo, _) in zip(a.shape, pad):
        out[(*inner, slice(None, lo))] = 0
        out[(*inner, slice(lo + n, None))] = 0
        inner.append(slice(lo, lo + n))
    out[tuple(inner)] = a
    return out


def matrix(v: np.ndarray, batch: int, rows: int, key: str, buffer=None) -> np.ndarray:
    """``v`` over (batch…, rows…, cols…) axes as a (batch ×) rows × cols matrix, copied only if it must be.

    A copy (the im2col of a window view) goes to scratch ``key`` (or ``buffer(shape,
    dtype)``), laid out rows-major or columns-major (then transposed back, which BLAS
    takes for free), whichever reads ``v`` along its smallest stride innermost.
    """
    shape = v.shape
    b = math.prod(shape[:batch])
    r, c = math.prod(shape[batch : batch + rows]), math.prod(shape[batch + rows :])
    last_row = (abs(v.strides[batch + rows - 1]), -shape[batch + rows - 1]) if rows else (math.inf, 0)
    last_col = (abs(v.strides[-1]), -shape[-1]) if rows < v.ndim - batch else (math.inf, 0)
    flip = last_row < last_col
    if flip:
        cols_first = list(range(batch)) + list(range(batch + rows, v.ndim)) + list(range(batch, batch + rows))
        v = v.transpose(cols_first)
    if v.flags.c_contiguous:
        m = v.reshape(b, c, r) if flip else v.reshape(b, r, c)
    else:
        layout = (b, c, r) if flip else (b, r, c)
        m = scratch(key, layout, v.dtype) if buffer is None else buffer(layout, v.dtype)
        np.copyto(m.reshape(v.shape), v)
    m = m.swapaxes(-1, -2) if flip else m
    return m if batch else m[0]


def window_matrix(a: np.ndarray, axes: tuple, ranges: tuple, batch: int, rows: int, key: str) -> np.ndarray:
    """``matrix(view(a, axes, ranges, …), batch, rows, key)``, kept for a later call asking for its transpose.

    A convolution's forward pass unfolds the windows of its input ``X`` as rows
    ``(n, y, x)`` × columns ``(i, a, b)``; its kernel gradient [B8] needs the same
    windows as ``(i, a, b)`` × ``(n, y, x)``. The first copy is kept, with a copy of
    ``a`` it came from, and the second call returns its transpose (free for BLAS)
    when ``a`` still holds exactly what it held then; anything else unfolds anew.
    """
    if batch:
        return matrix(view(a, axes, ranges, key + ".view"), batch, rows, key)
    signature = tuple(_axis_signature(axes, j, extent) for j, extent in enumerate(ranges))
    head = (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str,
            tuple((offset, divisor) for offset, _, divisor in axes))
    store = _WINDOWS.__dict__
    mine, flipped = (head, signature[:rows], signature[rows:]), (head, signature[rows:], signature[:rows])
    for slot, transposed in ((mine, False), (flipped, True)):  # before the view: its padded copy costs
        kept = store.get(slot)
        if kept is not None and kept[1] is not None and _same(kept[0], a):
            return kept[1].T if transposed else kept[1]
    v = view(a, axes, ranges, key + ".view")
    if v.flags.c_contiguous:
        return matrix(v, 0, rows, key)
    kept = store.pop(mine, None)
    if kept is None or kept[0].shape != a.shape:
        kept = [np.empty_like(a), None, {}]
    while len(store) >= WINDOWS_KEPT:
        store.pop(next(iter(store)))
    store[mine] = kept
    kept[1] = None  # not valid until both copies are done
    np.copyto(kept[0], a)

    def owned(shape: tuple, dtype: np.dtype) -> np.ndarray:
        buf = kept[2].get((shape, dtype))
        if buf is None:
            buf = kept[2][(shape, dtype)] = np.empty(shape, dtype)
        return buf

    kept[1] = matrix(v, 0, rows, key, buffer=owned)
    return kept[1]


def _same(kept: np.ndarray, a: np.ndarray) -> bool:
    """Does ``a`` hold what ``kept`` does? Its first row is compared first: an array at the same
    address holding a later batch's values differs there, and is told apart without a whole pass."""
    row = (0,) * (a.ndim - 1)
    return np.array_equal(kept[row], a[row]) and np.array_equal(kept, a)


_WINDOWS = threading.local()
#: Unfolded windows kept per thread (each with its own buffers): a few per layer of a net.
WINDOWS_KEPT = 16


def forget_windows() -> None:
    """Drop the unfolded windows kept for a backward pass (this thread's): inference calls this
    after each batch, so batches at new addresses do not fill the store with windows never reused."""
    _WINDOWS.__dict__.clear()


def _axis_signature(axes: tuple, j: int, extent: tuple) -> tuple:
    """What view axis ``j`` is, independent of where it sits among the others: its range and the
    coefficient it has in each index of the source array."""
    return extent, tuple((k, c) for k, (_, coeffs, _) in enumerate(axes) for u, c in coeffs if u == j)


def product(left: np.ndarray, right: np.ndarray, key: str, pad: tuple[int, int] | None = None) -> np.ndarray:
    """``left @ right`` into scratch ``key``.

    ``pad = (w, W)``: ``right``'s columns run over an axis of extent ``w``
    innermost; for rows shorter than :data:`SHORT_ROWS`, each run of ``w`` is
    padded with zeros to ``W`` first, so the product's rows come out padded too
    (for :func:`window_sum`'s runs). Its last axis is then ``W`` long, else ``w``.
    """
    if pad is not None and pad[0] < SHORT_ROWS and pad[1] >= pad[0]:  # (a target narrower than w: no runs)
        w, W = pad
        runs = right.shape[-1] // w
        padded = scratch(key + ".pad", right.shape[:-1] + (runs * W,), right.dtype)
        blocks = padded.reshape(right.shape[:-1] + (runs, W))
        blocks[..., w:] = 0
        blocks[..., :w] = right.reshape(right.shape[:-1] + (runs, w))
        right = padded
    dtype = np.result_type(left, right)
    if pad is None and left.ndim == right.ndim == 2 and _transposed(left) and left.shape[0] > right.shape[1]:
        # an im2col laid out columns-major (``matrix``): the product transposed, ``rightᵀ @ leftᵀ``,
        # reads it as stored and writes long rows (1.2-1.3x for a 3x3 convolution of 16 channels)
        out = scratch(key, right.shape[-1:] + left.shape[:1], dtype)
        return np.matmul(right.T, left.T, out=out).T
    out = scratch(key, left.shape[:-1] + right.shape[-1:], dtype)
    return np.matmul(left, right, out=out)


def _transposed(m: np.ndarray) -> bool:
    """Is matrix ``m`` the transpose of a row-major one (and not row-major itself)?"""
    return m.T.flags.c_contiguous and not m.flags.c_contiguous


def window_product(
    a: np.ndarray, axes: tuple, ranges: tuple, rows: int, other: np.ndarray, first: bool, key: str
) -> np.ndarray:
    """``W @ other`` (``first``) or ``other @ W``, ``W = window_matrix(a, axes, ranges, 0, rows, …)``.

    Where the windows are a 2-D correlation's — ``a[n, i, h₀ + y + s·a', w₀ + x + t·b']``
    (``s, t = ±1``) with the image ``n`` and the positions ``(y, x)``, in that order, on
    one side of ``W`` and the channel and taps on the other (:func:`_flat_plan`) — the
    product runs a few images at a time on flat rows (:func:`_flat_product`) and never
    unfolds the whole batch; the result then comes split into the window's axes (a
    view), so the caller's ``.reshape`` to the term's axes costs nothing. Otherwise,
    for dtypes other than float32 (:data:`FLAT_ROWS`) and where too many columns would be
    dropped (:data:`FLAT_WASTE`), it is :func:`product` of :func:`window_matrix`.
    """
    plan = _flat_for(a, axes, ranges, rows) if a.dtype == other.dtype else None
    if plan is None:
        w = window_matrix(a, axes, ranges, 0, rows, key + ".w")
        return product(w, other, key) if first else product(other, w, key)
    return _flat_product(a, plan, other, first, key)


def _flat_for(a: np.ndarray, axes: tuple, ranges: tuple, rows: int) -> tuple | None:
    """The flat-row plan :func:`window_product` takes for these windows of ``a`` (times an operand of
    ``a``'s dtype), ``None`` where it unfolds them."""
    flat = FLAT_ROWS if FLAT_ROWS is not None else a.dtype == np.float32
    plan = _flat_plan(a.shape, axes, ranges, rows) if flat else None
    if plan is not None and FLAT_ROWS is None:
        wo, wp = plan[1][3], plan[1][5]
        plan = plan if FLAT_WASTE * (wp - wo) < wo else None
    return plan


def window_moved(a: np.ndarray, axes: tuple, ranges: tuple, rows: int) -> float:
    """The elements :func:`window_product` moves to read these windows of ``a``, for :func:`windows_first`:
    unfolded, the windows; on flat rows, ``a`` once (into its padded chunks) and the windows at
    :data:`FLAT_COPY` an element, copied chunk by chunk within a core's cache."""
    windows = math.prod(extent for _, extent in ranges)
    return windows if _flat_for(a, axes, ranges, rows) is None else a.size + FLAT_COPY * windows


#: What an element of windows copied on flat rows counts against one moved through memory, in the
#: plans' costs (:func:`window_moved`). One thread, float32, batch 50, vgg's input sensitivities: conv3's
#: (32 maps into 16 on 14²) 1.8 ms on flat rows against 3.0 products first, conv1's (16 into 1 on 28²)
#: 1.9 against 0.67; any weight from 0.01 to 0.8 orders both so.
FLAT_COPY = 0.25
#: Forces :func:`window_product`'s flat-row path on (``True``, any dtype) or off (``False``);
#: ``None``: on for float32, where it was measured faster.
FLAT_ROWS: bool | None = None
#: Flat rows only where fewer than one column in ``FLAT_WASTE`` is computed and dropped. Measured
#: (one thread, float32, batch 50): 3×3 'same' on 28² and 14² gain, forward and input sensitivity
#: 1.1-2×; 5×5 'valid' on 28² (4 dropped per 24) and 12² (4 per 8) lose, their kernel gradient no
#: longer reusing the forward's unfolded windows (:func:`window_matrix`). A 'full' correlation (the
#: input sensitivity of a 'valid' one) drops none, its margins shared (:func:`_flat_plan`).
FLAT_WASTE = 6
#: The bytes of windows :func:`_flat_product` unfolds per product where the taps are summed: images
#: are taken a few at a time so that their windows and the product stay in a core's L2 cache.
FLAT_CHUNK = 1 << 19
#: The most ``m·n·k`` of a product that a chunk of a kernel gradient (:func:`_stacked_sums`) or a
#: block of a long product (:func:`_blocked`) runs: OpenBLAS (0.3.31) runs products of at most 100³
#: on its small-matrix kernels, which pack nothing. One thread, float32, AMD EPYC Zen 4: 32×960 by
#: 960×32 87 GFLOP/s, 32×992 by 992×32 49; 16×3890 by 3890×16 98, 16×3922 by 3922×16 35.
SMALL_PRODUCT = 1_000_000
#: The most bytes of a kernel gradient's chunk, its stacked images and rows of the other operand: half
#: a core's L2 cache.
FLAT_SUM_CHUNK = 1 << 19
#: :func:`_blocked`'s blocks of columns are a multiple of this, whole groups of vectors: one thread,
#: 32×144 by 144×896 in blocks of 192 columns 77 µs, of 217 97 µs; 32×288 by 288×448, 64 columns 76 µs,
#: 108 82 µs. Narrower than this, one product packed once runs faster (64×576 by 576×27 blocks: 68
#: against 90 GFLOP/s).
SMALL_COLUMNS = 64
#: The threads of the BLAS pool, as :func:`symcnn.runtime.blas.set_blas_threads` last set them;
#: ``None``: not known (OpenBLAS's default is a thread a core). Chunks are for one thread: a pool of
#: several wakes for every product, and beside one busy process each of vgg conv2's 50 per-image
#: products waited for it (forward 4.5 ms on one thread, 386 ms on two; one product for the batch:
#: 17 ms). With more than one thread, or not known, the batch is one chunk.
BLAS_THREADS: int | None = None


@functools.lru_cache(maxsize=256)
def _flat_plan(shape: tuple, axes: tuple, ranges: tuple, rows: int) -> tuple | None:
    """How :func:`_flat_product` reads the windows of ``view(a, axes, ranges)`` on flat rows.

    Each image is copied into a zero-padded buffer of rows ``Wp`` long; the window of
    a tap is then one run of ``Ho·Wp`` elements of the flattened image, a whole row per
    output row, the ``Wp - Wo`` columns past the last position included (computed and
    dropped). A row's zeros after its data are also the next row's before it (a read
    past the right edge runs on into them), so ``Wp`` is the data's width and the wider
    margin, not both: a 3×3 'same' correlation's rows are ``W + 1`` long and drop one
    column, a 'full' one's (margins ``K - 1``) ``Wo`` long and drop none. ``None`` unless
    the view is such a correlation: ``a`` 4-D, its axis 0 read at the image index and
    axis 1 at a channel index, each whole; axes 2 and 3 at ``offset + position + c·tap``
    with ``c = ±1``, no divisor; the window's side holding the image holding exactly
    (image, row position, column position), in that order.

    Returns ``(p_rows, (N, C, Ho, Wo, Hb, Wp), (r0, r1, c0, c1, h0, w0), q_shape,
    q_strides, base, stack)``: ``p_rows`` if the image side is ``W``'s rows; the buffer
    ``Hb × Wp`` per channel; source rows ``r0:r1``, columns ``c0:c1`` go to buffer
    rows and columns from ``h0``, ``w0``; the other side's extents in view order
    and their strides (in elements) in an image's buffer, from element ``base``;
    ``stack``, the same windows with the images stacked (:func:`_stacked_plan`).
    """
    if len(shape) != 4 or len(axes) != 4 or len(ranges) != 6:
        return None
    plain = []
    for k in (0, 1):
        offset, coeffs, divisor = axes[k]
        if offset != 0 or divisor != 1 or len(coeffs) != 1 or coeffs[0][1] != 1:
            return None
        j = coeffs[0][0]
        if ranges[j] != (0, shape[k]):
            return None
        plain.append(j)
    n, c = plain
    side = set(range(rows)) if n < rows else set(range(rows, len(ranges)))
    reads = []  # per spatial axis: (position index, tap index, tap coefficient, first tap offset)
    for offset, coeffs, divisor in axes[2:]:
        if divisor != 1 or len(coeffs) != 2:
            return None
        (j0, c0), (j1, c1) = coeffs
        (y, cy), (t, ct) = ((j0, c0), (j1, c1)) if j0 in side else ((j1, c1), (j0, c0))
        if y not in side or t in side or cy != 1 or ct not in (1, -1):
            return None
        reads.append((y, t, ct, offset + ranges[y][0] + ct * ranges[t][0]))
    (y, ta, ca, oa), (x, tb, cb, ob) = reads
    if sorted(side) != [n, y, x] or c in side or len({c, ta, tb}) != 3:
        return None
    ho, wo = ranges[y][1], ranges[x][1]
    ka, kb = ranges[ta][1], ranges[tb][1]
    lo_h, hi_h = min(oa, oa + ca * (ka - 1)), max(oa, oa + ca * (ka - 1)) + ho - 1
    lo_w, hi_w = min(ob, ob + cb * (kb - 1)), max(ob, ob + cb * (kb - 1)) + wo - 1
    r0, r1, c0, c1 = max(lo_h, 0), min(hi_h + 1, shape[2]), max(lo_w, 0), min(hi_w + 1, shape[3])
    if r0 >= r1 or c0 >= c1:
        return None
    h0, w0 = r0 - lo_h, c0 - lo_w
    wp = max(hi_w - lo_w + 1 - w0, w0 + c1 - c0)  # the data and the wider margin (the zeros shared)
    # rows after the last: the last window's dropped columns (and its wrapped reads) stay in the buffer
    hb = hi_h - lo_h + max(2, -(-(hi_w - lo_w + 1 + wp - wo) // wp))
    q = [j for j in range(len(ranges)) if j not in side]
    step = {c: hb * wp, ta: ca * wp, tb: cb}
    base = (oa - lo_h) * wp + (ob - lo_w)
    # stacked: an image's rows every `period` rows of `width` columns, sharing its zero rows and columns
    # with its neighbours' (a window of valid positions reads rows 0..hi_h-lo_h and columns 0..hi_w-lo_w
    # of its image; the next image's data starts at row `period + h0`, a next row's at column `w0`)
    period, width = max(hi_h - lo_h + 1 - h0, h0 + r1 - r0), max(hi_w - lo_w + 1 - w0, w0 + c1 - c0)
    stacked = {c: 0, ta: ca * width, tb: cb}  # a tap's step in a channel's stacked rows
    stack = (period, width, (oa - lo_h) * width + (ob - lo_w), q.index(c), tuple(stacked[j] for j in q))
    return (n < rows, (shape[0], shape[1], ho, wo, hb, wp), (r0, r1, c0, c1, h0, w0),
            tuple(ranges[j][1] for j in q), tuple(step[j] for j in q), base, stack)


def _flat_product(a: np.ndarray, plan: tuple, other: np.ndarray, first: bool, key: str) -> np.ndarray:
    """:func:`window_product` on flat rows, :data:`FLAT_CHUNK` bytes of windows at a time (on one
    BLAS thread, :data:`BLAS_THREADS`; else the whole batch at once).

    Summed over the taps (a forward pass [B7], an input sensitivity [B12]), per chunk of
    ``g`` images: their padded copy, one strided copy of the windows as a matrix over
    (taps) × (images, positions), ``g·Ho·Wp`` columns, one contiguous run per tap and
    image, and one product, which fills its columns of the result, whose dropped columns
    the returned view leaves out. Summed over the images and positions (a kernel gradient
    [B10]): :func:`_stacked_sums`.
    """
    p_rows, (n, c, ho, wo, hb, wp), (r0, r1, c0, c1, h0, w0), q_shape, q_strides, base, _ = plan
    if p_rows != first:
        total = _stacked_sums(a, plan, other.T if first else other, key)
        return total if first else total.T
    taps, length, size = math.prod(q_shape), ho * wp, a.dtype.itemsize
    g = max(1, min(n, FLAT_CHUNK // (taps * length * size))) if BLAS_THREADS == 1 else n
    padded = scratch(key + ".pad", (g, c, hb, wp), a.dtype)
    padded[...] = 0
    flat, image = padded.reshape(-1)[base:], c * hb * wp * size
    tap_strides = tuple(s * size for s in q_strides)
    chunks = [(n0, min(g, n - n0)) for n0 in range(0, n, g)]
    cols = scratch(key + ".cols", (taps, g * length), a.dtype)
    windows = as_strided(flat, q_shape + (g, length), tap_strides + (image, size), writeable=False)
    left = other.T if first else other
    out = scratch(key, (left.shape[0], n, ho, wp), a.dtype)
    flat_out = out.reshape(left.shape[0], n * length)
    views = {}  # per chunk size, the views a chunk writes and reads: made once a call, not once a chunk
    for n0, m in chunks:
        if m not in views:
            views[m] = (padded[:m, :, h0 : h0 + r1 - r0, w0 : w0 + c1 - c0],
                        cols.reshape(q_shape + (g, length))[..., :m, :], windows[..., :m, :],
                        _blocked(left, cols[:, : m * length]))
        inside, unfolded, taps_of, product = views[m]
        inside[...] = a[n0 : n0 + m, :, r0:r1, c0:c1]
        np.copyto(unfolded, taps_of)
        product(flat_out[:, n0 * length : (n0 + m) * length])
    result = out[..., :wo]
    return result.transpose(1, 2, 3, 0) if first else result


def _blocked(left: np.ndarray, right: np.ndarray) -> Callable[[np.ndarray], None]:
    """A call ``product(out)`` storing ``left @ right`` in ``out``, ``right``'s columns in blocks of at
    most ``SMALL_PRODUCT / (rows · inner)``, a multiple of :data:`SMALL_COLUMNS`, one product each (all
    the whole blocks in one ``np.matmul``); where no such block fits, or on a BLAS pool of several
    threads (which a small-matrix kernel leaves idle), one product.

    A thin ``left`` (a convolution's kernels, 16 maps × 144 taps) times a long ``right`` (its windows)
    is what a packed product does worst and OpenBLAS's small-matrix kernels well: one thread, float32,
    AMD EPYC Zen 4, 16×144 by 144×420 at 101 GFLOP/s, by 144×840 at 73. The views of ``right`` are made
    once, for the chunks that each fill it anew.
    """
    rows, inner = left.shape
    cols = right.shape[1]
    width = SMALL_PRODUCT // max(1, rows * inner) // SMALL_COLUMNS * SMALL_COLUMNS
    if not width or width >= cols or BLAS_THREADS != 1:
        return lambda out: np.matmul(left, right, out=out)
    blocks = cols // width
    whole = blocks * width
    stacked, rest = right[:, :whole].reshape(inner, blocks, width).swapaxes(0, 1), right[:, whole:]

    def product(out: np.ndarray) -> None:
        np.matmul(left, stacked, out=out[:, :whole].reshape(rows, blocks, width).swapaxes(0, 1))
        if whole < cols:
            np.matmul(left, rest, out=out[:, whole:])

    return product


def _stacked_sums(a: np.ndarray, plan: tuple, sens: np.ndarray, key: str) -> np.ndarray:
    """:func:`_flat_product` summed over the images and positions (a kernel gradient [B10]): the matrix
    over (taps) × ``sens``'s rows, with ``sens`` over (its rows) × (images, positions).

    A few images at a time (:data:`SMALL_PRODUCT`, :data:`FLAT_SUM_CHUNK`; on one BLAS thread,
    :data:`BLAS_THREADS`, else the whole batch at once), channel by channel, are copied into one
    stack of zero-bordered rows (each image ``period`` rows of ``width`` columns, sharing its zero
    rows and columns with its neighbours: :func:`_flat_plan`), and ``sens`` into rows over the same
    positions, zero at those no window has. For each tap, the windows of every channel are then one
    run of the stack, from the tap's offset: a strided matrix (channels) × (positions) that BLAS
    reads in place. So a chunk is one product a tap (a stack of them in one ``np.matmul``) and no
    window is copied; the positions a window covers past its image (its dropped rows and columns)
    meet the zeros of ``sens``.
    """
    _, (n, c, ho, wo, _, _), (r0, r1, c0, c1, h0, w0), q_shape, _, _, stack = plan
    period, width, base, channel, steps = stack
    free, plane, image, size = sens.shape[0], ho * wo, period * width, a.dtype.itemsize
    g = min(n, SMALL_PRODUCT // (c * free * image), FLAT_SUM_CHUNK // ((c + free) * image * size))
    g = max(1, g) if BLAS_THREADS == 1 else n
    chunks = [(n0, min(g, n - n0)) for n0 in range(0, n, g)]
    taps = [k for k in range(len(q_shape)) if k != channel]
    length = base + sum(max(0, steps[k] * (q_shape[k] - 1)) for k in taps) + g * image
    stacked = scratch(key + ".stack", (c, length), a.dtype)
    stacked[...] = 0
    images = stacked[:, : g * image].reshape(c, g, period, width)
    rows = scratch(key + ".rows", (free, g * image), a.dtype)
    rows[...] = 0
    positions = rows.reshape(free, g, period, width)
    extents = tuple(q_shape[k] for k in taps)
    windows = as_strided(stacked.reshape(-1)[base:], extents + (c, g * image),
                         tuple(steps[k] * size for k in taps) + (length * size, size), writeable=False)
    parts = scratch(key + ".parts", (len(chunks),) + extents + (c, free), a.dtype)
    for i, (n0, m) in enumerate(chunks):
        source = a[n0 : n0 + m, :, r0:r1, c0:c1].swapaxes(0, 1)
        images[:, :m, h0 : h0 + r1 - r0, w0 : w0 + c1 - c0] = source
        positions[:, :m, :ho, :wo] = sens[:, n0 * plane : (n0 + m) * plane].reshape(free, m, ho, wo)
        np.matmul(windows[..., : m * image], rows[:, : m * image].T, out=parts[i])
    total = np.add.reduce(parts, axis=0, out=scratch(key, extents + (c, free), a.dtype))
    return np.moveaxis(total, -2, channel).reshape(math.prod(q_shape), free)


def rows_summed(m: np.ndarray, key: str) -> np.ndarray:
    """The sum of the rows of matrix ``m``, into scratch ``key``."""
    return np.add.reduce(m, axis=0, out=scratch(key, m.shape[1:], m.dtype))


def block_argmax(x: np.ndarray, out: np.ndarray, s: int) -> None:
    """The record ``out = block_argmax(x, s)`` [B11]: over the last two axes, 1 at the first position
    (row-major) of each ``s × s`` block holding its maximum, a NaN counting as the maximum (its first
    NaN), 0 elsewhere, the rows and columns no block covers included.

    The block maxima come from one strided slice per block position; then each position, in order,
    takes the 1 where it holds its block's maximum (or a NaN) and no earlier one did. Its 0s and 1s
    are written from the mask's bytes read as ``uint8``: NumPy casts those to floats four times as
    fast as booleans (into a strided quarter of vgg's first pooling, 0.14 against 0.61 ms).
    """
    h, w = x.shape[-2] // s, x.shape[-1] // s
    blocks = x[..., : h * s, : w * s]
    best = blocks[..., 0::s, 0::s].copy()
    for r, q in list(np.ndindex(s, s))[1:]:
        np.maximum(best, blocks[..., r::s, q::s], out=best)
    nan = bool(np.isnan(best).any())  # np.maximum made a block's maximum NaN where it holds one
    free = np.empty(best.shape, dtype=bool)  # no earlier position took the block
    hit = np.empty(best.shape, dtype=bool)
    out[..., h * s :, :] = 0.0
    out[..., :, w * s :] = 0.0
    for k, (r, q) in enumerate(np.ndindex(s, s)):
        v = blocks[..., r::s, q::s]
        np.equal(v, best, out=hit)
        if nan:
            hit |= np.isnan(v)
        if k:
            hit &= free
        np.copyto(out[..., r : h * s : s, q : w * s : s], hit.view(np.uint8), casting="unsafe")
        if k == 0:
            np.logical_not(hit, out=free)
        elif k < s * s - 1:
            np.greater(free, hit, out=free)  # free and not hit


def window_sum(
    a: np.ndarray, axes: tuple, ranges: tuple, taps: int, key: str, zeros_from: int = 0
) -> np.ndarray:
    """The sum over its first ``taps`` axes of ``view(a, axes, ranges, key)``, into scratch ``key``.

    When every read is a slice of ``a`` (one unit-divisor index per axis) and each
    tap has enough work, the sum is one slice of ``a`` added per tap value, with no
    padded copy or window copy at all; otherwise the view is copied and its rows added.
    ``zeros_from``: ``a``'s last axis holds zeros from there on (a product made by
    :func:`product` with ``pad``), which lets each tap be added as one run (``_runs``).
    """
    shape = tuple(extent for _, extent in ranges[taps:])
    plan = _tap_plan(a.shape, axes, ranges, taps) if math.prod(shape) >= TAP_WORK else None
    if plan is None:
        window = view(a, axes, ranges, key + ".view")
        return rows_summed(matrix(window, 0, taps, key + ".rows"), key).reshape(shape)
    out = scratch(key, shape, a.dtype)
    out[...] = 0
    order, slices = plan
    runs = zeros_from and _runs(a, out, order, slices, zeros_from)
    for n, (src, dst) in enumerate(slices):
        if runs:
            target, source = runs[n]
            target += source
        else:
            out[dst] += a[src].transpose(order)
    return out


def _runs(a: np.ndarray, out: np.ndarray, order: tuple, slices: tuple, zeros_from: int) -> list | None:
    """Each tap of a 2-D window as one run of consecutive elements of ``a`` and of ``out``.

    A tap adds an ``h × w`` block of ``a`` into a shifted block of ``out``; with
    rows of 8, NumPy loops over rows of 8. When ``a``'s rows are as long as
    ``out``'s (``W``) and zero from ``zeros_from`` on, the block is instead one
    run of ``(h - 1)·W + w`` elements in both — the zeros land between the rows
    of the target block — and NumPy runs one long inner loop per row of the
    other axes. ``None`` unless every tap reads whole leading parts of rows.
    """
    kept, W = len(order), out.shape[-1]
    if kept < 2 or order[-2:] != (kept - 2, kept - 1) or a.shape[-1] != W or not a.flags.c_contiguous:
        return None
    flat_a = a.reshape(a.shape[:-2] + (-1,))
    flat_out = out.reshape(out.shape[:-2] + (-1,))
    lead = order[:-2] + (kept - 2,)
    runs = []
    for src, dst in slices:
        (r, c), (y, x) = src[-2:], dst[-2:]
        if not (isinstance(r, slice) and isinstance(c, slice) and r.step == c.step == 1 and c.start == 0):
            return None
        if c.stop < zeros_from:
            return None
        length = (r.stop - r.start - 1) * W + c.stop
        first, start = r.start * W, y.start * W + x.start
        runs.append((flat_out[dst[:-2] + (slice(start, start + length),)],
                     flat_a[src[:-2] + (slice(first, first + length),)].transpose(lead)))
    return runs


#: Below this many elements summed per tap, a Python loop over taps costs more than a window copy.
TAP_WORK = 2048
#: Rows shorter than this are padded to be summed as runs (rows of 8: 1.3x; rows of 24: slower).
SHORT_ROWS = 16


@functools.lru_cache(maxsize=256)
def _tap_plan(shape: tuple, axes: tuple, ranges: tuple, taps: int) -> tuple | None:
    """For ``window_sum``: the transpose from ``a``'s kept axes to the result's, and per tap the
    (slice of ``a``, slice of the result) pair; ``None`` if some read is not a slice."""
    moves, seen = [], []
    for _, coeffs, divisor in axes:
        outer = [(j, c) for j, c in coeffs if j >= taps]
        if divisor != 1 or len(outer) > 1 or any(j == m for j, _ in outer for m in seen):
            return None
        moves.append(outer[0] if outer else None)
        seen += [j for j, _ in outer]
    if sorted(seen) != list(range(taps, len(ranges))):
        return None
    slices = []
    for tap in itertools.product(*(range(start, start + extent) for start, extent in ranges[:taps])):
        src, dst = [], [slice(None)] * (len(ranges) - taps)
        for k, (offset, coeffs, _) in enumerate(axes):
            fixed = offset + sum(c * tap[j] for j, c in coeffs if j < taps)
            if moves[k] is None:  # an axis read at a tap only
                if not 0 <= fixed < shape[k]:
                    break
                src.append(fixed)
                continue
            j, c = moves[k]
            start, extent = ranges[j]
            lo, hi = _solve(fixed, c, shape[k], start, start + extent - 1)
            if lo > hi:
                break
            stop = fixed + c * hi + (1 if c > 0 else -1)
            src.append(slice(fixed + c * lo, stop if stop >= 0 else None, c))
            dst[j - taps] = slice(lo - start, hi - start + 1)
        else:
            slices.append((tuple(src), tuple(dst)))
    return tuple(sorted(range(len(seen)), key=lambda n: seen[n])), tuple(slices)


def _solve(fixed: int, c: int, n: int, lo: int, hi: int) -> tuple[int, int]:
    """The range of ``u`` in ``[lo, hi]`` with ``0 <= fixed + c·u <= n - 1`` (``c`` non-zero)."""
    first, last = (-fixed, n - 1 - fixed) if c > 0 else (n - 1 - fixed, -fixed)
    return max(lo, -(-first // c)), min(hi, last // c)


def grid(start: int, extent: int, axis: int, rank: int) -> np.ndarray:
    """The values ``start … start + extent - 1`` of an index, laid along ``axis`` of ``rank`` axes."""
    shape = [1] * rank
    shape[axis] = extent
    return np.arange(start, start + extent).reshape(shape)


#: Forces :func:`windows_first`'s answer (``"windows"`` or ``"products"``), for tests that prove both
#: plans of a kernel; ``None``: the sizes decide.
PLAN: str | None = None


def windows_first(products: int, windows: int) -> bool:
    """Should a term with two plans unfold its windows (im2col, then one product) rather than
    contract products first and sum the taps' windows after?

    ``products`` and ``windows`` are the elements each plan moves (the lowering counts what its
    products write and its window copies and sums read, :mod:`symcnn.codegen.vectorize`). For a
    batch of 50, a 3×3 'same' convolution of 16 maps into 16 on 28×28 (the vgg preset's conv2)
    moves 11.3 M elements products first (nine products as large as the output, then their
    windows) against 6.3 M unfolded; LeNet-5's conv2 input sensitivity (5×5, 50 maps into 20)
    moves 5.2 M products first against 9.1 M unfolded (its 12×12 padded windows of 50 maps).
    """
    if PLAN is not None:
        return PLAN == "windows"
    return windows < products
