"""A term unrolled over one or two loops around its flat innermost loop and jammed [B7], [B8], [B12].

The packed kernels of a convolution (:mod:`.window`, :mod:`.pack`) end in a
flat loop over one map, ``_f``, that LLVM vectorises. Each of its steps loads
a packed row, loads and stores a target row, for one multiply-add: the loads
and stores, not the multipliers, set the pace. Unrolled over ``JAM``
steps of one loop ``j`` outside it (an output map) and jammed, the copies
share the rows they have in common; unrolled over a second loop ``b`` too
(a kernel tap), ``JAM²`` copies run on ``2·JAM`` loaded rows (``JAM``: the
target's register block, :attr:`.target.Target.block`; 4 on AVX2)::

    _U_f[n, j + m, _f] += _k<m>0·_pk[a, b, _f] + … + _k<m>3·_pk[a, b + 3, _f]     (forward [B7])
    _pk[a, b + l, _f] += _k0<l>·dU_f[n, j, _f] + … + _k3<l>·dU_f[n, j + 3, _f]   (input sensitivity [B12])

The factors of the body free of ``_f`` become one coefficient per copy,
computed before the flat loop; where the target is a partial sum (the kernel
gradient [B8]) they multiply each finished sum instead. A jam over ``b``
needs ``b`` rectangular; the taps it leaves (``KW`` not a multiple of JAM)
run unrolled over ``j`` alone.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..derive.terms import Bound
from . import pack
from .freeze import loop_of as loop
from .ir import Jam, Loop, number
from .printer import factor_code, scalar_code

#: The flat index of a packed map (:mod:`.pack`), as the schedules that still read SymPy name it.
FLAT = sp.Symbol(pack.FLAT, integer=True)
#: The stop of a second jammed loop (the taps run JAM at a time).
ACROSS_STOP = sp.Symbol("_br")


def extent_of(b: Bound) -> sp.Expr | None:
    """The extent of a loop ``range(E)`` with ``E`` free of loop indices, else ``None``."""
    if b.lower != (sp.S.Zero,) or len(b.upper) != 1:
        return None
    return sp.expand(b.upper[0] + 1)


def split(body: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """``body`` as (the product of its factors holding ``index``, the product of the rest)."""
    args = sp.Mul.make_args(body)
    return (sp.Mul(*[f for f in args if index in f.free_symbols]),
            sp.Mul(*[f for f in args if index not in f.free_symbols]))


def loaded(values: list[sp.Expr], every: bool = False) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list]:
    """The array reads the copies ``values`` share (``every``: all of them) loaded once into locals
    ``_w<k>`` — LLVM cannot prove the copies' stores leave them be — then the common subexpressions
    of what is left: ``(temporaries, values)``."""
    seen = [r for e in values for r in sorted(e.atoms(sp.Indexed), key=sp.default_sort_key)]
    reads = [r for r in dict.fromkeys(seen) if every or seen.count(r) > 1]
    loads = {r: sp.Symbol(f"_w{k}") for k, r in enumerate(reads)}
    temps, values = sp.cse([e.xreplace(loads) for e in values], symbols=sp.numbered_symbols("_t"),
                           optimizations=None)
    return [(loads[r], r) for r in reads] + list(temps), values


def jammed(body: sp.Expr, target: sp.Indexed, steps: dict[sp.Symbol, int], loops: list[Loop],
           partial: bool, at: tuple[int, str, str, str]) -> Jam:
    """``body`` added into ``target`` for every step of ``steps`` (loop index → copies) at once.

    ``loops``: the loops inside the jammed one, the flat loop last; ``at``:
    ``(depth, start, end, stop)`` of the jammed loop, the first of ``steps``.
    """
    inner, outer = split(body, FLAT)
    (j, width), *more = steps.items()
    b, across = more[0] if more else (None, 1)
    grid = [(m, n) for m in range(width) for n in range(across)]
    copies = [{j: j + m, b: b + n} if more else {j: j + m} for m, n in grid]
    names = [f"{m}{n}" if more else str(m) for m, n in grid]
    temps, values = loaded([inner.xreplace(c) for c in copies])
    into = [target.xreplace(c) for c in copies]
    if partial:
        pre = tuple((f"_s{k}", "_dt(0)") for k in names)
        updates = tuple((f"_s{k}", scalar_code(v)) for k, v in zip(names, values))
        stores = tuple(f"{scalar_code(t)} += {scalar_code(outer.xreplace(c) * sp.Symbol(f'_s{k}'))}"
                       for t, c, k in zip(into, copies, names))
    else:
        pre = tuple((f"_k{k}", f"_dt({scalar_code(outer.xreplace(c))})") for k, c in zip(names, copies))
        rows: dict[sp.Expr, sp.Expr] = {}
        for t, k, v in zip(into, names, values):
            rows[t] = rows.get(t, sp.S.Zero) + sp.Symbol(f"_k{k}") * v
        updates = tuple((scalar_code(t), scalar_code(v)) for t, v in rows.items())
        stores = ()
    depth, start, end, stop = at
    return Jam(
        depth=depth, index=str(j), start=start, end=end, stop=stop, width=width,
        loops=tuple(loops[:-1]), flat=loops[-1], pre=pre,
        temps=tuple((str(n), scalar_code(e)) for n, e in temps), updates=updates, stores=stores,
    )


def jammed_across(body: sp.Expr, target: sp.Indexed, j: sp.Symbol, across: Bound, extent: sp.Expr,
                  loops: list[Loop], partial: bool, at: tuple[int, str, str, str], width: int,
                  steps: int = 0) -> Jam:
    """:func:`jammed` over ``j`` (``width`` steps) and the loop ``across`` (of ``extent``; ``steps``
    steps, default ``width``); the steps of ``across`` left over run jammed over ``j`` alone (``rest``).

    ``loops``: the loops inside ``j``, ``across`` among them, the flat loop last.
    """
    b, steps = across.index, steps or width
    k = next(n for n, lp in enumerate(loops) if lp.index == str(b))
    taps = Bound(b, (sp.S.Zero,), (ACROSS_STOP - 1,), across.declared)
    rest = Bound(b, (ACROSS_STOP,), across.upper, across.declared)
    main = loops[:k] + [replace(loop(taps), step=steps)] + loops[k + 1 :]
    left = loops[:k] + [loop(rest)] + loops[k + 1 :]
    return replace(
        jammed(body, target, {j: width, b: steps}, main, partial, at),
        head=((str(ACROSS_STOP), f"{factor_code(extent)} // {steps} * {steps}"),),
        rest=jammed(body, target, {j: width}, left, partial, at),
    )


def jammed_pack(bounds: list[Bound], body: sp.Expr, target: sp.Indexed,
                blocks: tuple[int, int]) -> tuple[Jam, Loop] | None:
    """A packed term [B12] (:mod:`.pack`) jammed ``JB`` steps at a time over its outermost sum and ``FB``
    over the loop right outside the flat one (``blocks``, :attr:`.target.Target.dot`: its ``JB·FB``
    coefficients take half the register file, the rest holds the rows it loads and the buffer rows it
    adds into), and the outermost loop left to run the steps the jam leaves; ``None`` where the loops
    are not rectangular or the target holds the sum.

    LeNet-5's second convolution's input sensitivity, float32, one thread, AMD Zen 3: 4 × 2 steps
    3.56 ms against 3.94 ms for 4 × 4, whose 16 coefficients leave no register for the rows."""
    if len(bounds) < 3:
        return None
    j, b = bounds[0], bounds[-2]
    extents = [extent_of(x) for x in bounds]
    if None in extents or j.index in target.free_symbols or b.index not in target.free_symbols:
        return None
    if any(e.free_symbols & {x.index for x in bounds} for e in extents):
        return None
    at = (0, number(0), factor_code(extents[0]), "_jr")  # a start of 0 renders `_jr = end // JAM * JAM`
    jb, fb = blocks
    jam = jammed_across(body, target, j.index, b, extents[-2], [loop(x) for x in bounds[1:]], False, at,
                        jb, fb)
    return jam, loop(Bound(j.index, (sp.Symbol("_jr"),), j.upper, j.declared))


__all__ = ["FLAT", "extent_of", "jammed", "jammed_across", "jammed_pack", "loaded", "split"]
