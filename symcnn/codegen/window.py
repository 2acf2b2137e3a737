"""A window read once per input map and reused by every output map: the Numba schedule of [B7], [B8].

A convolution's forward equation and its kernel gradient both read the input
through a window, ``X[n, i, a + y, b + x]``, and both also run over an index
the window does not hold: the output map ``j``. Scheduled like every other
kernel (``j`` outermost, the map row ``x`` innermost), each ``(n, j)`` reads
the same windows again, and the innermost loop is one map row: 8 long on the
second convolution of dlt and LeNet-5, run scalar by LLVM, which vectorises
by 16. When the shape below is found, the lowering instead packs the windows
of one input map once,

    _pk[a, b, y·Wo + x] = X[n, i, a + y, b + x]

and runs ``j`` inside, over that flat buffer and the flat rows of the other
arrays, which walk ``(y, x)`` as their last two axes whole::

    U_f[n, j, _f] += h · _pk[a, b, _f]              (forward [B7])
    dK[i, j, a, b] += h · Σ_f _pk[a, b, _f] · dU_f[n, j, _f]   (kernel gradient [B8])

The shape: one term with sums (and at most one term without, the bias);
one read ``W`` whose last two indices are ``y + α(a)`` and ``x + β(b)``, ``a``
and ``b`` single loop indices; ``y`` and ``x`` the last two indices of the
target or of another read, every read of them being whole rows; all loops
rectangular; and exactly one more index, a free one (``j``), that ``W`` does
not hold — what makes the packed window worth packing. The ``prange`` runs
over ``W``'s other free indices and blocks, enough blocks to give every
thread two, so a convolution with one input map still runs in parallel.
The forward equation's blocks split the output maps ``j``. The kernel
gradient's split the images ``n`` instead (its one other sum), each block
adding into its own slice of the target (``_part``), summed into it after
the ``prange``: blocks of maps would each pack the same windows, and the
target is small. dlt's first convolution (one input map, 6 output maps),
float32, two threads, AMD Zen 3: 0.29 → 0.15 ms; LeNet-5's (20 maps) 0.52 →
0.37 ms; with 20 input maps a block holds every image, and the time is
unchanged. Only while the packed windows fit in cache (:data:`LIMIT`); the
kernel keeps its own schedule for larger maps.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..derive.terms import Bound, Term
from . import loops as L
from .dot import Found, dotted
from .freeze import FLAT, freeze, frozen_sum, hoisted
from .freeze import loop_of as loop
from .ir import Fill, Reduction, Split, Window
from .jam import jammed_across
from .pack import BUFFER
from .pack import loop as tree_loop
from .printer import factor_code, scalar_code

#: The most elements the packed windows of one input map may have for the kernel gradient's schedule to
#: run: 64 KiB of float32, twice an L1 data cache. Larger they are read from L2 once per block of output
#: maps, slower than the kernel's own schedule. Up to this size the packed schedule runs for any number
#: of output maps, although with few the loops would be a little faster (dlt's first convolution, 6
#: maps of 24×24: 0.45 against 0.37 ms): every schedule a net reaches is one more function to compile
#: (the loops: 2.5 s), which 0.08 ms a step pays back only after some 30,000 steps. LeNet-5's first
#: convolution (20 maps): 0.71 against 1.25 ms.
LIMIT = 16384
#: The same for the forward equation, whose jam keeps four output rows in L1 and streams four packed
#: rows for 16 multiply-adds: faster than its own schedule while the windows fit in a 1 MiB L2 cache
#: (float32, batch 50-8: 1.3× on 24×24 maps with one output map block, 2.7-3.6× on 28×28 to 60×60,
#: 1.7× on 96×96).
ROWS_LIMIT = 262144
#: Where the kernel gradient's blocks add (one slice a block), and the prange's index (a block's slice).
PART, BLOCK = "_part", sp.Symbol("_o", integer=True)


def _extent(b: Bound) -> sp.Expr | None:
    """:func:`extent_of` a loop that runs its whole declared range."""
    extent = extent_of(b)
    return extent if extent is not None and b.declared == (sp.S.Zero, b.upper[0]) else None


def _split(e: sp.Expr, flat: sp.Symbol, loops: set) -> sp.Symbol | None:
    """``a`` if ``e`` is ``flat + α(a)`` with ``α`` affine in the one loop index ``a``, else ``None``."""
    rest = sp.expand(e - flat)
    if rest.free_symbols & {flat} or sp.expand(e).coeff(flat) != 1:
        return None
    return partner(rest, loops)


def windowed(
    target: sp.IndexedBase,
    free: tuple[sp.Symbol, ...],
    shape: tuple[sp.Expr, ...],
    terms: tuple[Term, ...],
    reductions: list[Reduction],
    short: set[sp.Symbol],
    width: int,
    blocks: tuple[int, int],
) -> Window | None:
    """The packed-window schedule of a kernel (see the module doc), or ``None`` where it does not apply.

    ``short``: the sizes of parameters and hyper-parameters (kernel taps, map counts); ``width``: the
    register block (:attr:`.target.Target.block`), steps of each jammed loop; ``blocks``: the
    inner-product blocks of a long contraction (:attr:`.target.Target.dot`, :mod:`.dot`).
    """
    summed = [k for k, t in enumerate(terms) if t.sums]
    plain = [k for k, t in enumerate(terms) if not t.sums]
    if len(summed) != 1 or len(plain) > 1 or any(t.guards for t in terms):
        return None
    t = terms[summed[0]]
    clipped = {b.index for b in t.sums if _extent(b) is None}
    bounds = {b.index: _rectangle(b) for b in t.sums}
    bounds.update({f: Bound(f, (sp.S.Zero,), (e - 1,), (sp.S.Zero, e - 1)) for f, e in zip(free, shape)})
    extent = {s: _extent(b) for s, b in bounds.items()}
    if None in extent.values() or any(e.free_symbols & set(bounds) for e in extent.values()):
        return None
    reads = sorted(t.body.atoms(sp.Indexed), key=sp.default_sort_key)
    lhs = target[free]
    found = _find(reads, lhs, set(bounds), extent, short)
    if found is None:
        return None
    w, (y, x), (a, b) = found
    if clipped and not _padded_window(clipped, w, (y, x), (a, b), reads + [lhs], bounds, extent):
        return None
    holds = {s for e in w.indices for s in e.free_symbols if s in bounds}
    rest = [s for s in bounds if s not in holds]
    if len(rest) != 1 or rest[0] not in free:
        return None
    (j,) = rest
    flat_reads = {r for r in reads + [lhs] if r is not w and r.free_symbols & {y, x}}
    if any(r.indices[-2:] != (y, x) or r.free_symbols & {a, b} for r in flat_reads):
        return None
    if any(sp.expand(r.base.shape[-2] - extent[y]) or sp.expand(r.base.shape[-1] - extent[x])
           for r in flat_reads):
        return None
    into_rows = lhs in flat_reads  # the forward equation: the target walks the rows
    par = [f for f in free if f in holds and f not in (a, b, y, x)]
    seq = [s for s in bounds if s in holds and s not in free and s not in (a, b, y, x)]
    run = sp.expand(extent[y] * extent[x])
    flat = {r: sp.IndexedBase(f"_{r.base.label}_f")[(*r.indices[:-2], FLAT)] for r in flat_reads}
    packed = sp.IndexedBase(BUFFER)[a, b, FLAT]
    # The kernel gradient splits the images among the blocks (each adds into its own slice of the target,
    # summed after the prange), the forward equation its output maps: blocks of maps would pack the same
    # windows once each.
    split = not into_rows and len(seq) == 1 and not plain and lhs.indices[: len(par)] == tuple(par)
    b0, b1 = sp.Symbol("_j0"), sp.Symbol("_j1")
    lead = seq[0] if split else j
    block = Bound(lead, (b0,), (b1 - 1,), bounds[lead].declared)
    body = t.body.xreplace({**flat, w: packed})
    nest = [block, bounds[j]] if split else [bounds[s] for s in seq] + [block]
    nest += [bounds[a], bounds[b], Bound(FLAT, (sp.S.Zero,), (run - 1,), (sp.S.Zero, run - 1))]
    kept = [e for e in lhs.indices if e not in par]
    target = sp.IndexedBase(PART)[(BLOCK, *kept)] if split else flat.get(lhs, lhs)
    main = replace(reductions[summed[0]], nest=tuple(loop(bd) for bd in nest), guards=(),
                   lhs=scalar_code(target), partial=not into_rows, pack=None)
    main = hoisted(main, Term((), body))
    fill_loops = [bounds[a], bounds[b], *_inside(w, (y, x), extent)] if clipped else \
        [bounds[s] for s in (a, b, y, x)]
    fill = Fill(depth=len(seq), loops=tuple(loop(bd) for bd in fill_loops),
                store=f"{BUFFER}[{a}, {b}, {scalar_code(y * extent[x] + x)}] = {scalar_code(w)}")
    # Output maps share each packed-window load, several at a time; the maps left over run one by one.
    # Added into the target's rows (the forward equation): `width` maps × `width` taps along a kernel row.
    # Summed against rows (the kernel gradient): JB maps × FB taps of partial sums (Target.dot). LeNet-5's
    # and dlt's convolutions, float32, AMD Zen 3: 1.00-1.45× as fast as four maps × one tap.
    at = (1, L.Int(0), freeze(extent[j]), "_jr") if split else (len(seq), L.Var("_j0"), L.Var("_j1"), "_jr")
    inside = [tree_loop(frozen_sum(x)) for x in (bounds[a], bounds[b], nest[-1])]
    frozen_args = (freeze(body), freeze(target), str(j), frozen_sum(bounds[b]), freeze(extent[b]), inside)
    if into_rows:
        jam = jammed_across(*frozen_args, False, at, width)
    else:  # JB maps × FB taps of partial sums (Target.dot): 6 loads for 8 multiply-adds, not 5 for 4
        jam = jammed_across(*frozen_args, True, at, *blocks)
    k = 1 if split else len(seq)  # the position of j's loop in the nest
    rest = Bound(j, (sp.Symbol("_jr"),), (bounds[j] if split else block).upper, bounds[j].declared)
    main = replace(main, nest=main.nest[:k] + (loop(rest),) + main.nest[k + 1 :])
    dot = None
    if into_rows and flat_reads == {lhs}:
        found = Found(freeze(t.body), freeze(w), (str(y), str(x)), (str(a), str(b)), str(j),
                      tuple(map(str, seq)), freeze(flat[lhs]),
                      {str(i): frozen_sum(bd) for i, bd in bounds.items()},
                      {str(i): freeze(e) for i, e in extent.items()},
                      tuple(frozen_sum(bd) for bd in (*fill_loops, *(bounds[s] for s in seq))))
        dot = dotted(found, blocks, bool(clipped))
    init_body = terms[plain[0]].body if plain else sp.S.Zero
    if split:
        init_loops = [bounds[e] for e in kept]
    else:
        init_loops = [block] + [bounds[f] for f in free if f not in par and f != j]
    init = replace(reductions[plain[0]] if plain else main, nest=tuple(loop(bd) for bd in init_loops),
                   guards=(), lhs=scalar_code(target if split else lhs), partial=False, pack=None, fill=None)
    init = hoisted(init, Term((), init_body))
    parts = None
    if split:
        parts = Split(shape=tuple(scalar_code(extent[e]) for e in kept),
                      size=scalar_code(sp.Mul(*[extent[e] for e in kept])), target=str(lhs.base.label))
    return Window(
        flats=tuple((f"_{r.base.label}_f", flattened(str(r.base.label), len(r.indices), scalar_code(run)))
                    for r in sorted(flat_reads, key=sp.default_sort_key)),
        outer=tuple((str(f), factor_code(extent[f])) for f in par),
        blocked=str(lead),
        blocked_size=scalar_code(extent[lead]),
        buffer=(scalar_code(extent[a]), scalar_code(extent[b]), scalar_code(run)),
        size=scalar_code(extent[a] * extent[b] * run),
        init=init,
        term=replace(main, fill=fill, jam=jam),
        limit=ROWS_LIMIT if into_rows else LIMIT,
        zeroed=bool(clipped),
        dot=dot,
        split=parts,
    )


def _rectangle(b: Bound) -> Bound:
    """The loop over its whole declared range ``0..hi`` (itself where it already runs it)."""
    lo, hi = b.declared
    return Bound(b.index, (sp.S.Zero,), (hi,), b.declared) if lo == 0 else b


def _padded_window(clipped: set, w: sp.Indexed, rows: tuple, taps: tuple, reads: list, bounds: dict,
                   extent: dict) -> bool:
    """Whether a term whose ``clipped`` loops were clipped only to keep ``w`` inside its array can run
    them over their whole ranges, reading ``w`` from a zero-filled packed window: a 'same' window.

    Only the window's own loops (taps and rows) may be clipped; over the rectangle every other read
    must stay in range (each index a loop whose declared range is the axis); and the window's rows
    have the extents of the loops (zero padding, not a 'full' correlation, whose windows
    :mod:`.pack` schedules).
    """
    if not clipped <= {*rows, *taps}:
        return False
    for r in reads:
        axes = r.indices[:-2] if r is w else r.indices
        for e, size in zip(axes, r.base.shape):
            if e not in bounds or bounds[e].declared != (sp.S.Zero, sp.expand(size - 1)):
                return False
    return all(sp.expand(size - extent[f]) == 0 for f, size in zip(rows, w.base.shape[-2:]))


def _inside(w: sp.Indexed, rows: tuple, extent: dict) -> list[Bound]:
    """The row loops of a window's fill, clipped to where ``w[…, f + α(a), …]`` lies inside ``w``."""
    out = []
    for f, e, size in zip(rows, w.indices[-2:], w.base.shape[-2:]):
        shift = sp.expand(e - f)
        out.append(Bound(f, (sp.S.Zero, sp.expand(-shift)), (extent[f] - 1, sp.expand(size - 1 - shift)),
                         (sp.S.Zero, extent[f] - 1)))
    return out


def _find(reads, lhs, loops: set, extent: dict, short: set):
    """The window read and its flat and partner indices ``((y, x), (a, b))``, if exactly one read is one.

    ``a + y`` reads as ``y`` shifted by ``a`` or ``a`` by ``y``: the flat pair is the one whose
    extents are not parameter or hyper-parameter sizes only (map rows, not kernel taps).
    """
    rows = {(r.indices[-2], r.indices[-1]) for r in reads + [lhs]
            if len(r.indices) >= 2 and all(isinstance(e, sp.Symbol) for e in r.indices[-2:])}
    found = []
    for w in reads:
        for y, x in sorted(rows, key=str) if len(w.indices) >= 2 else ():
            a, b = _split(w.indices[-2], y, loops), _split(w.indices[-1], x, loops)
            long = (extent[y].free_symbols | extent[x].free_symbols) - short
            if a is not None and b is not None and len({a, b, y, x}) == 4 and long:
                found.append((w, (y, x), (a, b)))
    return found[0] if len(found) == 1 else None


def extent_of(b: Bound) -> sp.Expr | None:
    """The extent of a loop ``range(E)`` with ``E`` free of loop indices, else ``None``."""
    if b.lower != (sp.S.Zero,) or len(b.upper) != 1:
        return None
    return sp.expand(b.upper[0] + 1)


def partner(shift: sp.Expr, loops) -> sp.Symbol | None:
    """The one loop index a window's shift moves with (``a`` in ``_p + a``, ``KH - a - 1``)."""
    moving = [s for s in shift.free_symbols if s in loops]
    if len(moving) != 1 or sp.degree(shift, moving[0]) != 1:
        return None
    return moving[0]


def flattened(name: str, rank: int, run: str) -> str:
    """``name`` reshaped with its last two axes as one (C order: a view, no copy)."""
    dims = [f"{name}.shape[{k}]" for k in range(rank - 2)] + [run]
    return f"{name}.reshape({', '.join(dims)})"


__all__ = ["BUFFER", "windowed"]
