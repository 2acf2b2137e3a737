"""A derived loop bound as an IR loop, and a term's factors hoisted to the loops they depend on [B7].

The lowering and every schedule stage (:mod:`.window`, :mod:`.dot`,
:mod:`.pack`, :mod:`.jam`, :mod:`.scatter`) build loops the same way: one
shared step, imported, not handed from stage to stage.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..derive.terms import Bound, Term
from .ir import Hoist, Loop, Reduction
from .printer import argument_code, code, scalar_code

__all__ = ["depends", "hoisted", "is_long", "loop_of"]


def loop_of(b: Bound) -> Loop:
    """The IR loop of a derived bound: ``max`` of its lower ends, ``min`` of its upper ones."""
    lo, hi = b.declared
    return Loop(
        index=str(b.index),
        lower=tuple(code(e) for e in b.lower),
        stop=tuple(code(sp.expand(e + 1)) for e in b.upper),
        declared=(code(lo), code(sp.expand(hi - lo + 1))),
        depends=depends(b),
    )


def depends(b: Bound) -> tuple[str, ...]:
    """The names a loop's bounds depend on, sorted."""
    return tuple(sorted({str(s) for e in (*b.lower, *b.upper) for s in e.free_symbols}))


def hoisted(r: Reduction, t: Term) -> Reduction:
    """Compute each factor of the body right inside the deepest loop it depends on.

    Hoisted products are cast to the target's dtype (``_dt``) so that a
    ``float32`` kernel stays ``float32`` in its inner loop.
    """
    names = [lp.index for lp in r.nest]
    depth_of: dict[int, list[sp.Expr]] = {}
    for f in sp.Mul.make_args(t.body):
        used = {str(s) for s in f.free_symbols} & set(names)
        d = max((names.index(u) + 1 for u in used), default=0)
        depth_of.setdefault(d, []).append(f)
    inner = len(names)
    hoists, carried = [], None
    for d in sorted(depth_of):
        if d == inner:
            break
        value = sp.Mul(*depth_of[d]) * (carried if carried is not None else 1)
        carried = sp.Symbol(f"_h{d}")
        hoists.append(Hoist(d, str(carried), f"_dt({argument_code(value)})"))
    body = sp.Mul(*depth_of.get(inner, [])) * (carried if carried is not None else 1)
    temps, reduced = sp.cse(body, symbols=sp.numbered_symbols("_t"), optimizations=None)
    return replace(
        r,
        hoists=tuple(hoists),
        temps=tuple((str(s), scalar_code(e)) for s, e in temps),
        body=scalar_code(reduced[0]),
    )


def is_long(extent: sp.Expr, short: set) -> bool:
    """Does a loop of this extent run over a size not in ``short`` (the parameters' and hyper-parameters'
    sizes): the batch, map rows and columns, rather than kernel taps and map counts?"""
    return bool(sp.sympify(extent).free_symbols - short)
