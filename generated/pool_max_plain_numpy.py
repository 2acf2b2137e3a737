# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer pool_max_plain, spec hash 9da79d249f6b59a5.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""pool_max_plain [B11]: sub-sampling, down = max, β and b frozen (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. See PAPER.md [B11].
"""

import functools
import itertools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from symcnn.errors import ShapeError

LAYER = "pool_max_plain"
LABEL = "B11"
BACKEND = "numpy"
SPEC_HASH = "9da79d249f6b59a5"
INPUTS = ("X",)
PARAMS = ()
CONSTANTS = ()
OUTPUTS = ("D",)
HYPER = ("s",)
RECORDS = ("S",)
INTERMEDIATES = ()
GRADIENTS = ("dX",)
SIZES = ("N", "C", "Ho", "Wo", "s")


def _view(a: np.ndarray, axes: tuple, ranges: tuple, key: str) -> np.ndarray:
    """The read-only view ``v[u_0, u_1, …] = a[e_0, e_1, …]``, zero where the read leaves ``a``.

    ``axes[k] = (offset, ((j, coeff), …), divisor)`` makes
    ``e_k = (offset + Σ coeff · u_j) // divisor``; ``ranges[j] = (start, extent)``
    is the range of ``u_j``; ``key`` names the scratch buffer of a padded copy.
    """
    spans = []
    factors = {k: divisor for k, (_, _, divisor) in enumerate(axes) if divisor != 1}
    if factors:  # floor(u / n): each entry repeated n times along its axis, in one copy
        a = _repeated(a, factors, key + ".repeat")
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


def _repeated(a: np.ndarray, factors: dict, key: str) -> np.ndarray:
    """``a`` with each entry repeated ``factors[k]`` times along axis ``k``, into scratch ``key``."""
    split, wide = [], []
    for k, n in enumerate(a.shape):
        split += [n, 1] if k in factors else [n]
        wide += [n, factors[k]] if k in factors else [n]
    out = _scratch(key, tuple(n * factors.get(k, 1) for k, n in enumerate(a.shape)), a.dtype)
    np.copyto(out.reshape(wide), np.broadcast_to(a.reshape(split), wide))
    return out


_SCRATCH = threading.local()


def _scratch(key: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A buffer for temporary ``key`` of this shape, kept between calls (one set per thread).

    A fresh multi-megabyte array costs page faults on every call; a kept one does not.
    Its contents are only ever read within the kernel call that wrote them.
    """
    store = _SCRATCH.__dict__
    buf = store.get((key, shape, dtype))
    if buf is None:
        if len(store) > 256:
            store.clear()
        buf = store[(key, shape, dtype)] = np.empty(shape, dtype)
    return buf


def _padded(a: np.ndarray, pad: list, key: str) -> np.ndarray:
    """``a`` with ``pad[k] = (before, after)`` zeros along each axis ``k``."""
    out = _scratch(key, tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pad)), a.dtype)
    inner = []
    for n, (lo, hi) in zip(a.shape, pad):
        out[(*inner, slice(None, lo))] = 0
        out[(*inner, slice(lo + n, None))] = 0
        inner.append(slice(lo, lo + n))
    out[tuple(inner)] = a
    return out


def _matrix(v: np.ndarray, batch: int, rows: int, key: str) -> np.ndarray:
    """``v`` over (batch…, rows…, cols…) axes as a (batch ×) rows × cols matrix, copied only if it must be.

    A copy (the im2col of a window view) goes to scratch ``key``, laid out rows-major or
    columns-major (then transposed back, which BLAS takes for free), whichever reads
    ``v`` along its smallest stride innermost.
    """
    shape = v.shape
    b = math.prod(shape[:batch])
    r, c = math.prod(shape[batch : batch + rows]), math.prod(shape[batch + rows :])
    last_row = (abs(v.strides[batch + rows - 1]), -shape[batch + rows - 1]) if rows else (math.inf, 0)
    last_col = (abs(v.strides[-1]), -shape[-1]) if rows < v.ndim - batch else (math.inf, 0)
    flip = last_row < last_col
    if flip:
        v = v.transpose(list(range(batch)) + list(range(batch + rows, v.ndim)) + list(range(batch, batch + rows)))
    if v.flags.c_contiguous:
        m = v.reshape(b, c, r) if flip else v.reshape(b, r, c)
    else:
        m = _scratch(key, (b, c, r) if flip else (b, r, c), v.dtype)
        np.copyto(m.reshape(v.shape), v)
    m = m.swapaxes(-1, -2) if flip else m
    return m if batch else m[0]


def _product(left: np.ndarray, right: np.ndarray, key: str) -> np.ndarray:
    """``left @ right`` into scratch ``key``."""
    out = _scratch(key, left.shape[:-1] + right.shape[-1:], np.result_type(left, right))
    return np.matmul(left, right, out=out)


def _rows_summed(m: np.ndarray, key: str) -> np.ndarray:
    """The sum of the rows of matrix ``m``, into scratch ``key``."""
    return np.add.reduce(m, axis=0, out=_scratch(key, m.shape[1:], m.dtype))


def _window_sum(a: np.ndarray, axes: tuple, ranges: tuple, taps: int, key: str) -> np.ndarray:
    """The sum over its first ``taps`` axes of ``_view(a, axes, ranges, key)``, into scratch ``key``.

    When every read is a slice of ``a`` (one unit-divisor index per axis) and each
    tap has enough work, the sum is one slice of ``a`` added per tap value, with no
    padded copy or window copy at all; otherwise the view is copied and its rows added.
    """
    shape = tuple(extent for _, extent in ranges[taps:])
    plan = _tap_plan(a.shape, axes, ranges, taps) if math.prod(shape) >= _TAP_WORK else None
    if plan is None:
        view = _view(a, axes, ranges, key + ".view")
        return _rows_summed(_matrix(view, 0, taps, key + ".rows"), key).reshape(shape)
    out = _scratch(key, shape, a.dtype)
    out[...] = 0
    order, slices = plan
    for src, dst in slices:
        out[dst] += a[src].transpose(order)
    return out


#: Below this many elements summed per tap, a Python loop over taps costs more than a window copy.
_TAP_WORK = 2048


@functools.lru_cache(maxsize=256)
def _tap_plan(shape: tuple, axes: tuple, ranges: tuple, taps: int) -> tuple | None:
    """For ``_window_sum``: the transpose from ``a``'s kept axes to the result's, and per tap the
    (slice of ``a``, slice of the result) pair; ``None`` if some read is not a slice."""
    moves, seen = [], []
    for offset, coeffs, divisor in axes:
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


def _grid(start: int, extent: int, axis: int, rank: int) -> np.ndarray:
    """The values ``start … start + extent - 1`` of an index, laid along ``axis`` of ``rank`` axes."""
    shape = [1] * rank
    shape[axis] = extent
    return np.arange(start, start + extent).reshape(shape)


def record_S(X, S, s):
    """[B11] forward record S.

    S = block_argmax(X, s)
    """
    _s = s
    _h, _w = X.shape[-2] // _s, X.shape[-1] // _s
    _x = X[..., : _h * _s, : _w * _s]
    _best = _x[..., 0::_s, 0::_s].copy()
    for _r, _q in np.ndindex(_s, _s):  # the block maxima, one strided slice per block position
        np.maximum(_best, _x[..., _r::_s, _q::_s], out=_best)
    _free = np.ones(_best.shape, dtype=bool)
    S[...] = 0.0
    for _r, _q in np.ndindex(_s, _s):  # the first position (row-major) holding its block's maximum
        _hit = np.equal(_x[..., _r::_s, _q::_s], _best) & _free
        S[..., _r : _h * _s : _s, _q : _w * _s : _s] = _hit
        _free &= ~_hit


def forward_D(S, X, D, N, C, Ho, Wo, s):
    """[B11] forward equation for D.

    D[n, c, y, x] = Sum(S[n, c, r + s*y, q + s*x]*X[n, c, r + s*y, q + s*x], (r, 0, s - 1), (q, 0, s
        - 1))
    """
    _f0 = np.multiply(S, X, out=_scratch("forward_D._f0", S.shape, S.dtype))
    _t1 = _window_sum(_f0, ((0, ((2, 1),), 1), (0, ((3, 1),), 1), (0, ((0, 1), (4, s)), 1), (0, ((1, 1), (5, s)), 1)), ((0, s), (0, s), (0, N), (0, C), (0, Ho), (0, Wo)), 2, "forward_D._t1")
    D[...] = _t1


def backward_dX(S, dD, dX, N, C, Ho, Wo, s):
    """[B11] gradient dX.

    dX[n, c, p, q] = S[n, c, p, q]*dD[n, c, floor(p/s), floor(q/s)]
    """
    _v0 = _view(dD, ((0, ((0, 1),), 1), (0, ((1, 1),), 1), (0, ((2, 1),), s), (0, ((3, 1),), s)), ((0, N), (0, C), (0, Ho*s), (0, Wo*s)), "backward_dX._v0")
    dX[...] = (S) * (_v0)


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of pool_max_plain, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _rank(arrays, "X", 4)
    if "s" not in hyper:
        raise ShapeError(f"{LAYER}: hyper-parameter 's' is missing")
    s = int(hyper["s"])
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    Ho = (arrays["X"].shape[2]) // (s)
    Wo = (arrays["X"].shape[3]) // (s)
    _z = {"N": N, "C": C, "Ho": Ho, "Wo": Wo, "s": s}
    for _name, _value in _z.items():
        if _value < 1:
            raise ShapeError(f"{LAYER}: size {_name} = {_value} from these shapes; every size must be >= 1")
    _dt = _dtype(arrays)
    _array(arrays, "X", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of pool_max_plain (given, recorded, computed, seeds, gradients) for these sizes."""
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "S": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "D": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
        "dX": (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]),
        "dD": (_z["N"], _z["C"], _z["Ho"], _z["Wo"]),
    }


def _rank(arrays: dict, name: str, rank: int) -> None:
    if name not in arrays:
        raise ShapeError(f"{LAYER}: array {name!r} is missing")
    if not isinstance(arrays[name], np.ndarray) or arrays[name].ndim != rank:
        raise ShapeError(f"{LAYER}: {name} must be a NumPy array of rank {rank}")


def _dtype(arrays: dict) -> np.dtype:
    name = (INPUTS + PARAMS + CONSTANTS)[0]
    dtype = arrays[name].dtype
    if dtype not in (np.float32, np.float64):
        raise ShapeError(f"{LAYER}: arrays must be float32 or float64, got {dtype} for {name}")
    return dtype


def _array(arrays: dict, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if name not in arrays:
        raise ShapeError(f"{LAYER}: array {name!r} is missing")
    return _checked(arrays[name], name, shape, dtype)


def _checked(a: np.ndarray, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.shape != shape:
        got = getattr(a, "shape", type(a).__name__)
        raise ShapeError(f"{LAYER}: {name} has shape {got}, expected {shape}")
    if a.dtype != dtype:
        raise ShapeError(f"{LAYER}: {name} is {a.dtype}, expected {dtype} like the other arrays")
    if not a.flags.c_contiguous:
        raise ShapeError(f"{LAYER}: {name} must be C-contiguous")
    return a


def _buffer(out: dict | None, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    if out is not None and name in out:
        return _checked(out[name], name, shape, dtype)
    return np.empty(shape, dtype)


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of pool_max_plain [B11]: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["S"] = _a["S"] = _buffer(out, "S", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    record_S(_a["X"], _a["S"], _z["s"])
    _r["D"] = _a["D"] = _buffer(out, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    forward_D(_a["S"], _a["X"], _a["D"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dX": (),
}


def _needed(wanted) -> set:
    """``wanted`` and every gradient computing them reads (a kernel reads only gradients made before it)."""
    if wanted is None:
        return set(GRADIENTS)
    need = set(wanted)
    for _name in reversed(GRADIENTS):
        if _name in need:
            need.update(_READS[_name])
    return need


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of pool_max_plain [B11]: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _needed(wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["S"] = _array(arrays, "S", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
    _a["D"] = _array(arrays, "D", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _a["dD"] = _array(arrays, "dD", (_z["N"], _z["C"], _z["Ho"], _z["Wo"]), _dt)
    _g = {}
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _buffer(out, "dX", (_z["N"], _z["C"], _z["Ho"]*_z["s"], _z["Wo"]*_z["s"]), _dt)
        backward_dX(_a["S"], _a["dD"], _a["dX"], _z["N"], _z["C"], _z["Ho"], _z["Wo"], _z["s"])
    return _g
