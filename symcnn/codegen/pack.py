"""A window target accumulated flat: the two innermost loops of a 'full' correlation become one.

The sensitivity of a convolution's input [B12] runs, for each tap ``(a, b)``,

    for _p in range(Ho):
        for _q in range(Wo):
            dX[n, i, _p + a, _q + b] += h * dU[n, j, _p, _q]

whose innermost loop is one row of the map: 8 long on the dlt and LeNet-5
nets' second convolution, too short for LLVM to run it in vector registers
(it vectorises by 16). Every other read of those two loops, ``dU[n, j, _p,
_q]``, walks its array's last two axes whole, so they are one contiguous run
of ``Ho·Wo``. The lowering then accumulates into a buffer over the tap and
that run,

    _pk[a, b, _f] += h * dU_f[n, j, _f]         # _f = _p·Wo + _q, 64 long

and adds the buffer into the shifted windows of the target once, after the
sums (1.3-2x on an 8×8 map). Applies to one term whose target reads the two
innermost loops shifted by one loop index each, with rectangular bounds.

A pass over frozen sums and a frozen body (:mod:`.ir`, :mod:`.loops`), no
SymPy: shifts and extents are integer forms (:mod:`.forms`), and the
:class:`~.ir.Pack` it records holds loop-tree nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import forms as F
from . import loops as L
from .ir import Pack, Sum

#: The buffer a packed kernel accumulates into, and the name of the flat index of its last axis.
BUFFER, FLAT = "_pk", "_f"


@dataclass(frozen=True)
class Packed:
    """A term accumulated flat: its sums (the outer ones as they were, the flat one last), the reads it
    makes flat (``(array, view)``: ``array[…, p, q]`` read as ``view[…, _f]``), the buffer element it adds
    to, and the :class:`~.ir.Pack` that makes and empties the buffer."""

    sums: tuple[Sum, ...]
    views: tuple[tuple[str, str], ...]
    slot: L.Load
    pack: Pack


def loop(s: Sum) -> L.Loop:
    """``for`` over a frozen sum, its body empty: from the largest lower end to the smallest stop."""
    lower = s.lower[0] if len(s.lower) == 1 else L.Call("max", s.lower)
    stop = s.stop[0] if len(s.stop) == 1 else L.Call("min", s.stop)
    return L.Loop(s.index, lower, stop, ())


def partner(shift: F.Form, loops: Mapping[str, Sum]) -> str | None:
    """The one loop index a window's shift moves with (``a`` in ``_p + a``, ``KH - a - 1``)."""
    moving = sorted(shift.names() & set(loops))
    if len(moving) != 1 or max(dict(m).get(moving[0], 0) for m, _ in shift.terms) != 1:
        return None
    return moving[0]


def flattened(name: str, rank: int, run: L.Expr) -> L.Reshape:
    """``name`` reshaped with its last two axes as one (C order: a view, no copy)."""
    return L.Reshape(name, (*(L.Shape(name, k) for k in range(rank - 2)), run))


def packed(bounds: list[Sum], body: L.Expr, guarded: bool, shapes: Mapping[str, tuple[L.Expr, ...]],
           target: str, index: tuple[L.Expr, ...]) -> Packed | None:
    """The term ``Σ body`` over ``bounds`` accumulated flat into ``target[index]`` (see the module doc);
    ``shapes``: the extents of the arrays it reads. ``None`` where the shape does not apply."""
    if guarded or len(bounds) < 4 or len(index) < 2:  # a target of rank 1 has no rows to pack
        return None
    outer, (bp, bq) = bounds[:-2], bounds[-2:]
    p, q = bp.index, bq.index
    ep, eq = bp.extent, bq.extent
    loops = {b.index: b for b in outer}
    if ep is None or eq is None or (L.names(ep) | L.names(eq)) & (set(loops) | {p, q}):
        return None
    if any(L.names(e) & {p, q} for e in index[:-2]):
        return None
    try:
        shifts = (F.of(index[-2]) - F.name(p), F.of(index[-1]) - F.name(q))
    except ValueError:
        return None
    if any(s.names() & {p, q} for s in shifts):
        return None
    partners = [partner(s, loops) for s in shifts]
    if None in partners or partners[0] == partners[1]:
        return None
    extents = [loops[a].extent for a in partners]
    if None in extents or any(L.names(e) & set(loops) for e in extents):
        return None
    views: dict[str, int] = {}
    for a in (n for n in L.walk(body) if isinstance(n, L.Load)):
        if not L.names(a) & {p, q}:
            continue
        if a.index[-2:] != (L.Var(p), L.Var(q)) or any(L.names(e) & {p, q} for e in a.index[:-2]):
            return None
        extent = shapes.get(a.array, ())
        if len(extent) < 2 or F.of(extent[-2]) != F.of(ep) or F.of(extent[-1]) != F.of(eq):
            return None
        views[a.array] = len(a.index)
    if not views:
        return None
    run = (F.of(ep) * F.of(eq)).expr()
    flat = Sum(FLAT, (L.Int(0),), (run,), (L.Int(0), run))
    buffer = (L.Var(partners[0]), L.Var(partners[1]))
    at = (F.name(p) * F.of(eq) + F.name(q)).expr() if len(F.of(eq).terms) == 1 else \
        L.Add((L.Mul((L.Var(p), eq)), L.Var(q)))  # SymPy keeps a product with a sum unexpanded
    pack = Pack(
        shape=(*extents, run),
        flats=tuple((f"_{name}_f", flattened(name, rank, run)) for name, rank in sorted(views.items())),
        unpack=tuple(loop(b) for b in (loops[partners[0]], loops[partners[1]], bp, bq)),
        store=L.Accumulate(L.Load(target, index), L.Load(BUFFER, (*buffer, at))),
    )
    return Packed((*outer, flat), tuple((name, f"_{name}_f") for name in sorted(views)),
                  L.Load(BUFFER, (*buffer, L.Var(FLAT))), pack)


__all__ = ["BUFFER", "FLAT", "Packed", "flattened", "loop", "packed", "partner"]
