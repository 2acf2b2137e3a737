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

A pass over a frozen body and frozen loops (:mod:`.loops`, :class:`~.ir.Sum`),
no SymPy: the copies are built by :mod:`.copies` and the :class:`~.ir.Jam`
it records holds loop-tree nodes.
"""

from __future__ import annotations

import dataclasses

from . import loops as L
from .copies import at as placed
from .copies import loaded, split
from .ir import Jam, Sum
from .pack import FLAT, loop

#: The stop of a second jammed loop (the taps run JAM at a time).
ACROSS_STOP = "_br"
_DT = "_dt"


def jammed(body: L.Expr, target: L.Load, steps: dict[str, int], loops: list[L.Loop], partial: bool,
           at: tuple[int, L.Expr, L.Expr, str]) -> Jam:
    """``body`` added into ``target`` for every step of ``steps`` (loop index → copies) at once.

    ``loops``: the loops inside the jammed one (bodies empty), the flat loop last; ``at``:
    ``(depth, start, end, stop)`` of the jammed loop, the first of ``steps``.
    """
    inner, outer = split(body, FLAT)
    (j, width), *more = steps.items()
    b, across = more[0] if more else (None, 1)
    grid = [(m, n) for m in range(width) for n in range(across)]
    copies = [{j: L.plus(L.Var(j), L.Int(m)), b: L.plus(L.Var(b), L.Int(n))} if more
              else {j: L.plus(L.Var(j), L.Int(m))} for m, n in grid]
    names = [f"{m}{n}" if more else str(m) for m, n in grid]
    temps, values = loaded([placed(inner, c) for c in copies])
    into = [placed(target, c) for c in copies]
    if partial:
        pre = tuple((f"_s{k}", L.Typed(L.Int(0), _DT)) for k in names)
        updates = tuple((L.Var(f"_s{k}"), v) for k, v in zip(names, values, strict=True))
        stores = tuple(L.Accumulate(t, L.product((placed(outer, c), L.Var(f"_s{k}"))))
                       for t, c, k in zip(into, copies, names, strict=True))
    else:
        pre = tuple((f"_k{k}", L.Typed(placed(outer, c), _DT)) for k, c in zip(names, copies, strict=True))
        rows: dict[L.Load, list[L.Expr]] = {}
        for t, k, v in zip(into, names, values, strict=True):
            rows.setdefault(t, []).append(L.product((L.Var(f"_k{k}"), v)))
        updates = tuple((t, vs[0] if len(vs) == 1 else L.Add(tuple(vs))) for t, vs in rows.items())
        stores = ()
    depth, start, end, stop = at
    return Jam(
        depth=depth, index=j, start=start, end=end, stop=stop, width=width,
        loops=tuple(loops[:-1]), flat=loops[-1], pre=pre, temps=tuple(temps), updates=updates, stores=stores,
    )


def jammed_across(body: L.Expr, target: L.Load, j: str, across: Sum, extent: L.Expr, loops: list[L.Loop],
                  partial: bool, at: tuple[int, L.Expr, L.Expr, str], width: int, steps: int = 0) -> Jam:
    """:func:`jammed` over ``j`` (``width`` steps) and the loop ``across`` (of ``extent``; ``steps``
    steps, default ``width``); the steps of ``across`` left over run jammed over ``j`` alone (``rest``).

    ``loops``: the loops inside ``j``, ``across`` among them, the flat loop last.
    """
    b, steps = across.index, steps or width
    k = next(n for n, lp in enumerate(loops) if lp.index == b)
    stop = L.Var(ACROSS_STOP)
    taps = L.Loop(b, L.Int(0), stop, (), L.Int(steps))
    rest = loop(Sum(b, (stop,), across.stop, across.declared))
    main = loops[:k] + [taps] + loops[k + 1 :]
    left = loops[:k] + [rest] + loops[k + 1 :]
    return dataclasses.replace(
        jammed(body, target, {j: width, b: steps}, main, partial, at),
        head=((ACROSS_STOP, L.Mul((L.FloorDiv(extent, L.Int(steps)), L.Int(steps)))),),
        rest=jammed(body, target, {j: width}, left, partial, at),
    )


def jammed_pack(bounds: list[Sum], body: L.Expr, target: L.Load, blocks: tuple[int, int]) -> Jam | None:
    """A packed term [B12] (:mod:`.pack`) jammed ``JB`` steps at a time over its outermost sum and ``FB``
    over the loop right outside the flat one (``blocks``, :attr:`.target.Target.dot`: its ``JB·FB``
    coefficients take half the register file, the rest holds the rows it loads and the buffer rows it
    adds into); the outermost loop then runs, from ``_jr``, the steps the jam leaves. ``None`` where the
    loops are not rectangular or the target holds the sum.

    LeNet-5's second convolution's input sensitivity, float32, one thread, AMD Zen 3: 4 × 2 steps
    3.56 ms against 3.94 ms for 4 × 4, whose 16 coefficients leave no register for the rows."""
    if len(bounds) < 3:
        return None
    j, b = bounds[0], bounds[-2]
    extents = [x.extent for x in bounds]
    if None in extents or j.index in L.names(target) or b.index not in L.names(target):
        return None
    if any(L.names(e) & {x.index for x in bounds} for e in extents):
        return None
    at = (0, L.Int(0), extents[0], "_jr")  # a start of 0 renders `_jr = end // JAM * JAM`
    jb, fb = blocks
    return jammed_across(body, target, j.index, b, extents[-2], [loop(x) for x in bounds[1:]], False, at,
                         jb, fb)


__all__ = ["ACROSS_STOP", "jammed", "jammed_across", "jammed_pack"]
