"""A large contraction as register-blocked inner products: the Numba schedule of [B7]'s big convolutions.

The packed-window schedule (:mod:`.window`) adds one tap at a time into
rows of the target: each step of its flat loop loads and stores target rows
for a few multiply-adds, so the loads and stores set the pace. Where the
contraction is long (LeNet-5's second convolution sums 20 maps × 5×5 taps,
500 products a point; a VGG block's 3×3 'same' convolutions 144 or 288) the
target's points are better computed as inner products along the whole
contraction, both operands contiguous, as a matrix product's micro-kernel
does. The weights are packed once a call; the windows of one image are
packed a chunk of map rows at a time (:data:`CHUNK`):

    _wk[j, r] = h(i, j, a, b)                 (the factor of the body without the window)
    _pd[y·Wo + x, r] = X[n, i, a + y, b + x]  (the window; zero where a padded read leaves X)

with ``r = (a·KW + b)·C + i``. The buffers are two-dimensional (LLVM
vectorises the contraction over them, not over reshaped views of
four-dimensional ones), and the input maps are innermost, so that the fill's
inner loop writes a contiguous run of them (1.5× faster than a run of map
positions, written a row apart). Then ``JB × FB`` points (output maps × flat
positions) run at once, their ``JB·FB`` partial sums in vector registers
over the contraction ``r``::

    _s<m><l> += _wk[j + m, r] · _pd[_f + l, r]
    U_f[n, j + m, _f + l] += _s<m><l>

The blocks come from the target's register file
(:attr:`.target.Target.dot`): half of it holds the sums, the rest the loads
and the copies LLVM interleaves. The maps and positions the blocks leave run
one point at a time: they are few (LeNet-5's conv2 leaves 2 of its 50 maps,
the presets' positions none), and ``JB × 1`` and ``1 × FB`` blocks for them
cost Numba a quarter of the kernel's compile (forward_U_dot: 6.3-7.4 s with
them, 4.9-5.1 s without; LeNet-5's conv2 forward, 2.34 and 2.40 ms). The
kernel takes this schedule at run time while the contraction has at least
:data:`MIN_DEPTH` products (:data:`MIN_DEPTH_UNPADDED` where the window is
not padded; shorter, the packed windows run faster) and one map row's
windows fit in a 1 MiB L2 cache (:data:`LIMIT`); the packed-window schedule
otherwise.

It applies to a packed-window kernel that adds into the target's rows (a
convolution's forward equation; a 'same' convolution's input sensitivity,
which is one too) whose body is the window times a factor that holds only
the contraction and the blocked index (``j``), and whose target is the only
other read of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..derive.terms import Bound
from . import pack
from .freeze import loop_of as loop
from .ir import Dot, DotBlock, Fill
from .printer import scalar_code

#: The flat index of a packed map (:mod:`.pack`), as the schedules that still read SymPy name it.
FLAT = sp.Symbol(pack.FLAT, integer=True)


def extent_of(b: Bound) -> sp.Expr | None:
    """The extent of a loop ``range(E)`` with ``E`` free of loop indices, else ``None``."""
    if b.lower != (sp.S.Zero,) or len(b.upper) != 1:
        return None
    return sp.expand(b.upper[0] + 1)


#: The fewest products a point's contraction must have where the window is zero-padded (a 'same'
#: convolution): 8 AVX2 vectors of float32. VGG's 3×3 taps over 16 maps (144 products) run 1.7× as fast
#: as inner products than as packed windows, whose clipped fill is slow; over one map (9), 2.5× slower.
MIN_DEPTH = 64
#: The same where it is not: the packed windows keep up longer, their jam running 4 output maps × 4 taps
#: along whole map rows. 5×5 taps on 8×8 outputs, 12 output maps, AMD Zen 3: over 6 input maps (150
#: products, dlt's second convolution) packed windows ran 1.8× as fast, over 8 (200) 1.1×; over 16
#: (400) the inner products 1.1×, over 20 (500, LeNet-5's) 1.2×.
MIN_DEPTH_UNPADDED = 256
#: The most elements one map row of packed windows may have: 1 MiB of float32, an L2 cache.
LIMIT = 262144
#: The elements of packed windows a block fills at a time, whole map rows: 128 KiB of float32, which
#: an L2 cache holds beside the packed weights (a 28×28 map's 3×3 windows over 16 maps are 450 KiB).
CHUNK = 32768
#: The packed weights and windows, and the contraction's flat index.
WEIGHTS, WINDOWS, DEPTH = "_wk", "_pd", sp.Symbol("_r", integer=True)
#: The map rows of the chunk a block packs: ``_y0 ≤ y < _y1``.
Y0, Y1 = sp.Symbol("_y0", integer=True), sp.Symbol("_y1", integer=True)


@dataclass(frozen=True)
class Found:
    """The packed-window analysis :func:`dotted` starts from (:func:`.window.windowed` finds it)."""

    body: sp.Expr  #: the term's body
    window: sp.Indexed  #: the window read
    rows: tuple[sp.Symbol, sp.Symbol]  #: its flat pair ``(y, x)``
    taps: tuple[sp.Symbol, sp.Symbol]  #: its partner pair ``(a, b)``
    blocked: sp.Symbol  #: the index the window does not hold (``j``)
    seq: tuple[sp.Symbol, ...]  #: the other sums (input maps)
    target: sp.Indexed  #: the target's flat read ``U_f[n, j, _f]``
    bounds: dict  #: index → rectangular :class:`~..derive.terms.Bound`
    extent: dict  #: index → extent
    fill: tuple[Bound, ...]  #: the window's fill loops (clipped to the array where it is padded)


def dotted(f: Found, blocks: tuple[int, int], padded: bool) -> Dot | None:
    """The inner-product schedule of a packed-window forward term, or ``None`` where the body is not the
    window times a factor of the contraction and ``j`` alone. ``blocks``: ``(JB, FB)``; ``padded``: the
    window is clipped to its array (its minimum depth is :data:`MIN_DEPTH`, else
    :data:`MIN_DEPTH_UNPADDED`)."""
    w, j = f.window, f.blocked
    factors = sp.Mul.make_args(f.body)
    if factors.count(w) != 1:
        return None
    coef = sp.Mul(*[a for a in factors if a != w])
    depth = (*f.taps, *f.seq)  # the input maps innermost: the fill's inner loop writes a run of them
    allowed = {j, *depth}
    loops = set(f.bounds)
    if (coef.free_symbols & loops) - allowed or coef.has(FLAT) or w in coef.atoms(sp.Indexed):
        return None
    flat = f.rows[0] * f.extent[f.rows[1]] + f.rows[1]
    size = sp.Mul(*[f.extent[s] for s in depth])
    wk, pd = sp.IndexedBase(WEIGHTS), sp.IndexedBase(WINDOWS)
    r = sp.S.Zero
    for s in depth:  # the contraction's flat index, row-major: (a·KW + b)·C + i
        r = r * f.extent[s] + s
    weights = Fill(0, tuple(loop(f.bounds[s]) for s in (j, *depth)),
                   f"{scalar_code(wk[j, r])} = _dt({scalar_code(coef)})")
    y, x = f.rows
    fill = [_chunked(b) if b.index == y else b for b in f.fill]
    store = f"{scalar_code(pd[flat - Y0 * f.extent[x], r])} = {scalar_code(w)}"
    window = Fill(0, tuple(loop(b) for b in fill), store)
    target = f.target.xreplace({FLAT: FLAT + Y0 * f.extent[x]})
    jb, fb = blocks
    return Dot(
        weights=weights,
        weights_shape=(scalar_code(f.extent[j]), scalar_code(size)),
        window=window,
        row=scalar_code(f.extent[y]),
        width=scalar_code(f.extent[x]),
        depth=scalar_code(size),
        size=scalar_code(f.extent[x] * size),
        min_depth=MIN_DEPTH if padded else MIN_DEPTH_UNPADDED,
        limit=LIMIT,
        chunk=CHUNK,
        jb=jb,
        fb=fb,
        blocks=(_block(target, j, jb, fb, f"range(_j0, _jr, {jb})", f"range(0, _fr, {fb})"),
                _block(target, j, 1, 1, "range(_j0, _jr)", "range(_fr, _nf)"),
                _block(target, j, 1, 1, "range(_jr, _j1)", "range(_nf)")),
    )


def _chunked(b: Bound) -> Bound:
    """The fill's loop over map rows, cut to the chunk ``_y0 ≤ y < _y1`` (inside the declared range)."""
    if (b.lower, b.upper) == ((b.declared[0],), (b.declared[1],)):
        return Bound(b.index, (Y0,), (Y1 - 1,), b.declared)
    return Bound(b.index, (*b.lower, Y0), (*b.upper, Y1 - 1), b.declared)


def _block(target: sp.Indexed, j: sp.Symbol, jw: int, fw: int, j_range: str, f_range: str) -> DotBlock:
    """``jw × fw`` points at once, over ``j_range`` × ``f_range``: the loads, sums and stores of one
    register block."""
    wk, pd = sp.IndexedBase(WEIGHTS), sp.IndexedBase(WINDOWS)
    sums = [[sp.Symbol(f"_s{m}{n}") for n in range(fw)] for m in range(jw)]
    loads = [(f"_p{n}", scalar_code(pd[FLAT + n, DEPTH])) for n in range(fw)]
    steps = []
    for m in range(jw):
        steps.append(("_w", "=", scalar_code(wk[j + m, DEPTH])))
        steps += [(str(sums[m][n]), "+=", f"_w*_p{n}") for n in range(fw)]
    stores = tuple(f"{scalar_code(target.xreplace({j: j + m, FLAT: FLAT + n}))} += {sums[m][n]}"
                   for m in range(jw) for n in range(fw))
    return DotBlock(
        j_range=j_range,
        f_range=f_range,
        sums=tuple(str(s) for row in sums for s in row),
        loads=tuple(loads),
        steps=tuple(steps),
        stores=stores,
    )


__all__ = ["DEPTH", "LIMIT", "MIN_DEPTH", "MIN_DEPTH_UNPADDED", "WEIGHTS", "WINDOWS", "Found", "dotted"]
