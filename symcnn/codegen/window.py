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

A pass over the frozen term (:class:`~.ir.Frozen`), no SymPy: the window and its partners are read off
the reads' indices as integer forms (:mod:`.forms`), the sizes compared as forms; the records hold the
frozen sums as their nests and loop-tree nodes as sizes, stores and bodies (:mod:`.hoist`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from . import forms as F
from . import loops as L
from .copies import plus, times
from .dot import Found, dotted
from .emit import source
from .hoist import hoisted, product
from .ir import Fill, Frozen, Reduction, Split, Sum, Window
from .jam import jammed_across
from .pack import BUFFER, FLAT, flattened, partner
from .pack import loop as tree_loop

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
PART, BLOCK = "_part", L.Var("_o")
_ZERO, _FLAT = L.Int(0), L.Var(FLAT)


def _same(a: L.Expr, b: L.Expr) -> bool:
    """Are two integer expressions equal once expanded?"""
    return F.of(a) == F.of(b)


def _extent(s: Sum) -> L.Expr | None:
    """The extent of a loop ``range(E)`` that runs its whole declared range, else ``None``."""
    extent = s.extent
    lo, declared = s.declared
    return extent if extent is not None and lo == _ZERO and _same(declared, extent) else None


def _whole(index: str, extent: L.Expr) -> Sum:
    """The loop ``0 .. extent-1`` over a free index."""
    extent = F.expanded(extent)
    return Sum(index, (_ZERO,), (extent,), (_ZERO, extent))


def _split(e: L.Expr, flat: str, loops: Mapping[str, Sum]) -> str | None:
    """``a`` if ``e`` is ``flat + α(a)`` with ``α`` affine in the one loop index ``a``, else ``None``."""
    try:
        form = F.of(e)
        coeff = form.coeff(flat)
    except ValueError:  # not an integer form, or flat to another power
        return None
    rest = form - F.name(flat)
    if flat in rest.names() or coeff != F.const(1):
        return None
    return partner(rest, loops)


def windowed(
    target: str,
    free: tuple[str, ...],
    shape: tuple[L.Expr, ...],
    terms: tuple[Frozen, ...],
    reductions: list[Reduction],
    shapes: Mapping[str, tuple[L.Expr, ...]],
    short: set[str],
    width: int,
    blocks: tuple[int, int],
) -> Window | None:
    """The packed-window schedule of a kernel ``target[free] = Σ terms`` (see the module doc), or ``None``
    where it does not apply.

    ``shape``: the target's extents; ``shapes``: the extents of the arrays the terms read; ``short``: the
    sizes of parameters and hyper-parameters (kernel taps, map counts); ``width``: the register block
    (:attr:`.target.Target.block`), steps of each jammed loop; ``blocks``: the inner-product blocks of a
    long contraction (:attr:`.target.Target.dot`, :mod:`.dot`).
    """
    summed = [k for k, t in enumerate(terms) if t.sums]
    plain = [k for k, t in enumerate(terms) if not t.sums]
    if len(summed) != 1 or len(plain) > 1 or any(t.guards for t in terms):
        return None
    t = terms[summed[0]]
    clipped = {s.index for s in t.sums if _extent(s) is None}
    bounds = {s.index: _rectangle(s) for s in t.sums}
    bounds.update({f: _whole(f, e) for f, e in zip(free, shape)})
    extent = {i: _extent(s) for i, s in bounds.items()}
    if None in extent.values() or any(L.names(e) & set(bounds) for e in extent.values()):
        return None
    reads = sorted({n for n in L.walk(t.body) if isinstance(n, L.Load)}, key=source)  # as SymPy sorts them
    lhs = L.Load(target, tuple(L.Var(f) for f in free))
    shape_of = {**shapes, target: shape}
    if any(r.array not in shape_of for r in reads):
        return None
    found = _find(reads, lhs, bounds, extent, short)
    if found is None:
        return None
    w, (y, x), (a, b) = found
    if clipped and not _padded_window(clipped, w, (y, x), (a, b), [*reads, lhs], bounds, extent, shape_of):
        return None
    holds = {s for e in w.index for s in L.names(e) if s in bounds}
    rest = [s for s in bounds if s not in holds]
    if len(rest) != 1 or rest[0] not in free:
        return None
    (j,) = rest
    flat_reads = [r for r in dict.fromkeys([*reads, lhs]) if r != w and L.names(r) & {y, x}]
    if any(r.index[-2:] != (L.Var(y), L.Var(x)) or L.names(r) & {a, b} for r in flat_reads):
        return None
    if any(not _same(shape_of[r.array][-2], extent[y]) or not _same(shape_of[r.array][-1], extent[x])
           for r in flat_reads):
        return None
    into_rows = lhs in flat_reads  # the forward equation: the target walks the rows
    par = [f for f in free if f in holds and f not in (a, b, y, x)]
    seq = [s for s in bounds if s in holds and s not in free and s not in (a, b, y, x)]
    run = F.expanded(L.Mul((extent[y], extent[x])))
    flat = {r: L.Load(f"_{r.array}_f", (*r.index[:-2], _FLAT)) for r in flat_reads}
    packed = L.Load(BUFFER, (L.Var(a), L.Var(b), _FLAT))
    # The kernel gradient splits the images among the blocks (each adds into its own slice of the target,
    # summed after the prange), the forward equation its output maps: blocks of maps would pack the same
    # windows once each.
    split = not into_rows and len(seq) == 1 and not plain and lhs.index[: len(par)] == tuple(map(L.Var, par))
    lead = seq[0] if split else j
    block = Sum(lead, (L.Var("_j0"),), (L.Var("_j1"),), bounds[lead].declared)
    swap = {**flat, w: packed}
    body = product(L.factors(L.rewrite(t.body, lambda n: swap.get(n, n) if isinstance(n, L.Load) else n)))
    nest = [block, bounds[j]] if split else [bounds[s] for s in seq] + [block]
    nest += [bounds[a], bounds[b], Sum(FLAT, (_ZERO,), (run,), (_ZERO, run))]
    kept = [e for e in lhs.index if e.name not in par]
    slot = L.Load(PART, (BLOCK, *kept)) if split else flat.get(lhs, lhs)
    main = replace(reductions[summed[0]], nest=tuple(nest), guards=(), lhs=slot, partial=not into_rows,
                   pack=None)
    main = hoisted(main, body)
    fill_loops = [bounds[a], bounds[b], *_inside(w, (y, x), extent, shape_of[w.array])] if clipped else \
        [bounds[s] for s in (a, b, y, x)]
    store = L.Assign(L.Load(BUFFER, (L.Var(a), L.Var(b), plus(times(L.Var(y), extent[x]), L.Var(x)))), w)
    fill = Fill(depth=len(seq), loops=tuple(fill_loops), store=store)
    # Output maps share each packed-window load, several at a time; the maps left over run one by one.
    # Added into the target's rows (the forward equation): `width` maps × `width` taps along a kernel row.
    # Summed against rows (the kernel gradient): JB maps × FB taps of partial sums (Target.dot). LeNet-5's
    # and dlt's convolutions, float32, AMD Zen 3: 1.00-1.45× as fast as four maps × one tap.
    at = (1, _ZERO, extent[j], "_jr") if split else (len(seq), L.Var("_j0"), L.Var("_j1"), "_jr")
    inside = [tree_loop(s) for s in (bounds[a], bounds[b], nest[-1])]
    frozen_args = (body, slot, j, bounds[b], extent[b], inside)
    if into_rows:
        jam = jammed_across(*frozen_args, False, at, width)
    else:  # JB maps × FB taps of partial sums (Target.dot): 6 loads for 8 multiply-adds, not 5 for 4
        jam = jammed_across(*frozen_args, True, at, *blocks)
    k = 1 if split else len(seq)  # the position of j's loop in the nest
    left = Sum(j, (L.Var("_jr"),), (bounds[j] if split else block).stop, bounds[j].declared)
    main = replace(main, nest=main.nest[:k] + (left,) + main.nest[k + 1 :])
    dot = None
    if into_rows and flat_reads == [lhs]:
        found = Found(t.body, w, (y, x), (a, b), j, tuple(seq), flat[lhs], dict(bounds), dict(extent),
                      tuple((*fill_loops, *(bounds[s] for s in seq))))
        dot = dotted(found, blocks, bool(clipped))
    init_body = terms[plain[0]].body if plain else _ZERO
    if split:
        init_loops = [bounds[e.name] for e in kept]
    else:
        init_loops = [block] + [bounds[f] for f in free if f not in par and f != j]
    init = replace(reductions[plain[0]] if plain else main, nest=tuple(init_loops), guards=(),
                   lhs=slot if split else lhs, partial=False, pack=None, fill=None)
    init = hoisted(init, init_body)
    parts = None
    if split:
        parts = Split(shape=tuple(extent[e.name] for e in kept), size=times(*(extent[e.name] for e in kept)),
                      target=target)
    return Window(
        flats=tuple((f"_{r.array}_f", flattened(r.array, len(r.index), run))
                    for r in sorted(flat_reads, key=source)),
        outer=tuple((f, extent[f]) for f in par),
        blocked=lead,
        blocked_size=extent[lead],
        buffer=(extent[a], extent[b], run),
        size=times(extent[a], extent[b], run),
        init=init,
        term=replace(main, fill=fill, jam=jam),
        limit=ROWS_LIMIT if into_rows else LIMIT,
        zeroed=bool(clipped),
        dot=dot,
        split=parts,
    )


def _rectangle(s: Sum) -> Sum:
    """The loop over its whole declared range ``0..extent-1`` (itself where it already runs it)."""
    lo, extent = s.declared
    return Sum(s.index, (_ZERO,), (extent,), s.declared) if lo == _ZERO else s


def _padded_window(clipped: set[str], w: L.Load, rows: tuple[str, str], taps: tuple[str, str],
                   reads: list[L.Load], bounds: Mapping[str, Sum], extent: Mapping[str, L.Expr],
                   shapes: Mapping[str, tuple[L.Expr, ...]]) -> bool:
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
        axes = r.index[:-2] if r == w else r.index
        for e, size in zip(axes, shapes[r.array]):
            if not isinstance(e, L.Var) or e.name not in bounds:
                return False
            lo, declared = bounds[e.name].declared
            if lo != _ZERO or not _same(declared, size):
                return False
    return all(_same(size, extent[f]) for f, size in zip(rows, shapes[w.array][-2:]))


def _inside(w: L.Load, rows: tuple[str, str], extent: Mapping[str, L.Expr],
            shape: tuple[L.Expr, ...]) -> list[Sum]:
    """The row loops of a window's fill, clipped to where ``w[…, f + α(a), …]`` lies inside ``w``."""
    out = []
    for f, e, size in zip(rows, w.index[-2:], shape[-2:]):
        shift = F.of(e) - F.name(f)
        out.append(Sum(f, (_ZERO, (-shift).expr()), (extent[f], (F.of(size) - shift).expr()),
                       (_ZERO, extent[f])))
    return out


def _find(reads: list[L.Load], lhs: L.Load, loops: Mapping[str, Sum], extent: Mapping[str, L.Expr],
          short: set[str]) -> tuple[L.Load, tuple[str, str], tuple[str, str]] | None:
    """The window read and its flat and partner indices ``((y, x), (a, b))``, if exactly one read is one.

    ``a + y`` reads as ``y`` shifted by ``a`` or ``a`` by ``y``: the flat pair is the one whose
    extents are not parameter or hyper-parameter sizes only (map rows, not kernel taps).
    """
    rows = {(r.index[-2].name, r.index[-1].name) for r in [*reads, lhs]
            if len(r.index) >= 2 and all(isinstance(e, L.Var) for e in r.index[-2:])}
    found = []
    for w in reads:
        for y, x in sorted(rows, key=lambda p: f"({p[0]}, {p[1]})") if len(w.index) >= 2 else ():
            a, b = _split(w.index[-2], y, loops), _split(w.index[-1], x, loops)
            long = (L.names(extent[y]) | L.names(extent[x])) - short
            if a is not None and b is not None and len({a, b, y, x}) == 4 and long:
                found.append((w, (y, x), (a, b)))
    return found[0] if len(found) == 1 else None


__all__ = ["BUFFER", "windowed"]
