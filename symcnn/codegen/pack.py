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
"""

from __future__ import annotations

import sympy as sp

from ..derive.terms import Bound, Term
from .freeze import loop_of
from .ir import Pack
from .printer import scalar_code

#: The buffer a packed kernel accumulates into, and the flat index of its last axis.
BUFFER, FLAT = "_pk", sp.Symbol("_f", integer=True)


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


def packed(
    bounds: list[Bound], term: Term, target: str, index: tuple[sp.Expr, ...]
) -> tuple[list[Bound], Term, str, Pack] | None:
    """The term accumulated flat (see the module doc): its new bounds and body, the buffer element
    it adds to, and how the buffer is made and added into ``target[index]``; ``None`` where the
    shape does not apply."""
    if term.guards or len(bounds) < 4 or len(index) < 2:  # a target of rank 1 has no rows to pack
        return None
    outer, (bp, bq) = bounds[:-2], bounds[-2:]
    p, q = bp.index, bq.index
    ep, eq = extent_of(bp), extent_of(bq)
    loops = {b.index: b for b in outer}
    if ep is None or eq is None or (ep.free_symbols | eq.free_symbols) & (set(loops) | {p, q}):
        return None
    if any(e.free_symbols & {p, q} for e in index[:-2]):
        return None
    shifts = (sp.expand(index[-2] - p), sp.expand(index[-1] - q))
    if any(s.free_symbols & {p, q} for s in shifts):
        return None
    partners = [partner(s, loops) for s in shifts]
    if None in partners or partners[0] == partners[1]:
        return None
    extents = [extent_of(loops[a]) for a in partners]
    if None in extents or any(e.free_symbols & set(loops) for e in extents):
        return None
    flat: dict[sp.Indexed, sp.Indexed] = {}
    for a in term.body.atoms(sp.Indexed):
        if not a.free_symbols & {p, q}:
            continue
        if a.indices[-2:] != (p, q) or any(e.free_symbols & {p, q} for e in a.indices[:-2]):
            return None
        if sp.expand(a.base.shape[-2] - ep) != 0 or sp.expand(a.base.shape[-1] - eq) != 0:
            return None
        flat[a] = sp.IndexedBase(f"_{a.base.label}_f")[(*a.indices[:-2], FLAT)]
    if not flat:
        return None
    run = sp.expand(ep * eq)
    body = term.body.xreplace(flat)
    new_bounds = list(outer) + [Bound(FLAT, (sp.S.Zero,), (run - 1,), (sp.S.Zero, run - 1))]
    slot = f"{BUFFER}[{partners[0]}, {partners[1]}, "
    views = sorted({(str(a.base.label), len(a.indices)) for a in flat})
    pack = Pack(
        shape=tuple(scalar_code(e) for e in extents + [run]),
        flats=tuple((f"_{name}_f", flattened(name, rank, scalar_code(run))) for name, rank in views),
        unpack=tuple(loop_of(b) for b in (loops[partners[0]], loops[partners[1]], bp, bq)),
        store=f"{target}[{', '.join(scalar_code(e) for e in index)}] += "
        f"{slot}{scalar_code(p * eq + q)}]",
    )
    return new_bounds, Term(term.sums, body, term.guards), f"{slot}{FLAT}]", pack


__all__ = ["BUFFER", "FLAT", "extent_of", "flattened", "packed", "partner"]
