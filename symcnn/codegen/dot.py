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

A pass over the frozen term and loops :mod:`.window` found (:class:`Found`),
no SymPy: the :class:`~.ir.Dot` it records holds loop-tree nodes, its
indices and extents written as SymPy wrote them (:func:`.copies.canonical`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import loops as L
from .copies import at, canonical, plus, times
from .ir import Dot, DotBlock, Sum
from .pack import FLAT, loop

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
WEIGHTS, WINDOWS, DEPTH = "_wk", "_pd", "_r"
#: The map rows of the chunk a block packs: ``_y0 ≤ y < _y1``.
Y0, Y1 = "_y0", "_y1"


@dataclass(frozen=True)
class Found:
    """The packed-window analysis :func:`dotted` starts from (:func:`.window.windowed` finds it), frozen."""

    body: L.Expr  #: the term's body
    window: L.Load  #: the window read
    rows: tuple[str, str]  #: its flat pair ``(y, x)``
    taps: tuple[str, str]  #: its partner pair ``(a, b)``
    blocked: str  #: the index the window does not hold (``j``)
    seq: tuple[str, ...]  #: the other sums (input maps)
    target: L.Load  #: the target's flat read ``U_f[n, j, _f]``
    bounds: dict[str, Sum]  #: index → rectangular sum
    extent: dict[str, L.Expr]  #: index → extent
    fill: tuple[Sum, ...]  #: the window's fill loops (clipped to the array where it is padded)


def dotted(f: Found, blocks: tuple[int, int], padded: bool) -> Dot | None:
    """The inner-product schedule of a packed-window forward term, or ``None`` where the body is not the
    window times a factor of the contraction and ``j`` alone. ``blocks``: ``(JB, FB)``; ``padded``: the
    window is clipped to its array (its minimum depth is :data:`MIN_DEPTH`, else
    :data:`MIN_DEPTH_UNPADDED`)."""
    w, j = f.window, f.blocked
    factors = L.factors(f.body)
    if factors.count(w) != 1:
        return None
    coef = L.product(a for a in factors if a != w)
    depth = (*f.taps, *f.seq)  # the input maps innermost: the fill's inner loop writes a run of them
    allowed = {j, *depth}
    names = L.names(coef)
    if (names & set(f.bounds)) - allowed or FLAT in names or w in L.walk(coef):
        return None
    y, x = f.rows
    size = times(*(f.extent[s] for s in depth))
    r: L.Expr = L.Int(0)
    for s in depth:  # the contraction's flat index, row-major: (a·KW + b)·C + i
        r = plus(times(r, f.extent[s]), L.Var(s))
    weights_loops = [loop(f.bounds[s]) for s in (j, *depth)]
    store = L.Assign(L.Load(WEIGHTS, (L.Var(j), r)), L.Typed(coef, "_dt"))
    weights = L.Loop(j, L.Int(0), f.extent[j], L.inside(weights_loops[1:], (store,)))
    fill = [_chunked(b) if b.index == y else b for b in f.fill]
    row = plus(times(L.Var(y), f.extent[x]), L.Var(x), times(L.Int(-1), L.Var(Y0), f.extent[x]))
    window = L.inside([loop(b) for b in fill], (L.Assign(L.Load(WINDOWS, (row, r)), w),))
    target = at(f.target, {FLAT: plus(L.Var(FLAT), times(L.Var(Y0), f.extent[x]))})
    jb, fb = blocks
    j0, jr, j1, fr, nf = (L.Var(n) for n in ("_j0", "_jr", "_j1", "_fr", "_nf"))
    return Dot(
        weights=weights,
        weights_shape=(f.extent[j], size),
        window=window,
        row=f.extent[y],
        width=f.extent[x],
        depth=size,
        size=times(f.extent[x], size),
        min_depth=MIN_DEPTH if padded else MIN_DEPTH_UNPADDED,
        limit=LIMIT,
        chunk=CHUNK,
        jb=jb,
        fb=fb,
        blocks=(_block(target, j, jb, fb, L.Loop(j, j0, jr, (), L.Int(jb)),
                       L.Loop(FLAT, L.Int(0), fr, (), L.Int(fb))),
                _block(target, j, 1, 1, L.Loop(j, j0, jr, ()), L.Loop(FLAT, fr, nf, ())),
                _block(target, j, 1, 1, L.Loop(j, jr, j1, ()), L.Loop(FLAT, L.Int(0), nf, ()))),
    )


def _chunked(b: Sum) -> Sum:
    """The fill's loop over map rows, cut to the chunk ``_y0 ≤ y < _y1`` (inside the declared range)."""
    start, extent = b.declared
    if b.lower == (start,) and len(b.stop) == 1 and canonical(b.stop[0]) == plus(start, extent):
        return Sum(b.index, (L.Var(Y0),), (L.Var(Y1),), b.declared)
    return Sum(b.index, (*b.lower, L.Var(Y0)), (*b.stop, L.Var(Y1)), b.declared)


def _block(target: L.Load, j: str, jw: int, fw: int, j_loop: L.Loop, f_loop: L.Loop) -> DotBlock:
    """``jw × fw`` points at once, over ``j_loop`` × ``f_loop`` (their bodies empty): the loads, sums and
    stores of one register block."""
    sums = [[f"_s{m}{n}" for n in range(fw)] for m in range(jw)]
    f, r = L.Var(FLAT), L.Var(DEPTH)
    loads = tuple((f"_p{n}", L.Load(WINDOWS, (L.plus(f, L.Int(n)), r))) for n in range(fw))
    steps: list[L.Stmt] = []
    for m in range(jw):
        steps.append(L.Assign(L.Var("_w"), L.Load(WEIGHTS, (L.plus(L.Var(j), L.Int(m)), r))))
        steps += [L.Accumulate(L.Var(sums[m][n]), L.Mul((L.Var("_w"), L.Var(f"_p{n}")))) for n in range(fw)]
    stores = tuple(L.Accumulate(at(target, {j: L.plus(L.Var(j), L.Int(m)), FLAT: L.plus(f, L.Int(n))}),
                                L.Var(sums[m][n]))
                   for m in range(jw) for n in range(fw))
    return DotBlock(j_loop=j_loop, f_loop=f_loop, sums=tuple(s for row in sums for s in row), loads=loads,
                    steps=tuple(steps), stores=stores)


__all__ = ["DEPTH", "LIMIT", "MIN_DEPTH", "MIN_DEPTH_UNPADDED", "WEIGHTS", "WINDOWS", "Found", "dotted"]
