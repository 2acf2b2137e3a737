"""Lowering: a derivation's bounded sums as the plain loop nest; SymPy is frozen here, once.

:func:`nest` builds the loop tree (:mod:`.loops`) of ``target[free] = Σ terms``
and nothing else: a free index of the target is a loop over its extent; each
term's sums are loops over their derived bounds (the ``max`` of the lower
ends, the ``min`` of the upper ends plus one), outermost first; a term's
guards are an :class:`~.loops.If` inside them; its body is accumulated into a
local, which is then stored. An elementwise equation (one term, no sum, no
guard) stores its body directly. Nothing is interchanged, hoisted, packed or
unrolled: that is what passes do. The tree, printed, is ``--schedule plain``.

:func:`freeze` turns one SymPy expression into a :data:`~.loops.Expr`; past
this module no stage sees SymPy. :func:`elementwise` freezes an elementwise
expression for :mod:`.ufuncs`: its structure, with the operands NumPy reads as
they are printed once. :func:`loop_of` freezes a derived bound into an
:class:`.ir.Loop` of the schedules' IR (printed ends, the names they depend
on) and :func:`hoisted` prints a term's body into the statements of its nest,
each factor at the depth of the loops it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import sympy as sp

from ..derive.terms import Bound, Term
from ..model.functions import relu, sigmoid, step
from . import ir
from . import loops as L
from .ir import HOLE, Code, Elementwise
from .printer import argument_code, array_code, code, scalar_code

#: The local every point of a target with sums accumulates into.
ACC = "_acc"

#: SymPy's functions by the :class:`~.loops.Call` name they freeze to.
_FUNCTIONS = {
    sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.Abs: "abs", sp.sign: "sign",
    sigmoid: "sigmoid", relu: "relu", step: "step", sp.Max: "max", sp.Min: "min",
}
_RELATIONS = {
    sp.Equality: "==", sp.Unequality: "!=", sp.StrictLessThan: "<", sp.LessThan: "<=",
    sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
}


@lru_cache(maxsize=1 << 14)  # a pure function of the expression; every kernel asks for its sizes again
def freeze(expr: sp.Basic) -> L.Expr:
    """``expr`` as a loop-tree expression: sums and products in the order SymPy prints them."""
    if isinstance(expr, sp.Integer):
        return L.Int(int(expr))
    if isinstance(expr, sp.Rational):
        return L.Rat(int(expr.p), int(expr.q))
    if isinstance(expr, sp.Float):
        return L.Real(float(expr))
    if isinstance(expr, sp.Symbol):
        return L.Var(expr.name)
    if isinstance(expr, sp.Indexed):
        return L.Load(str(expr.base.label), tuple(freeze(i) for i in expr.indices))
    if isinstance(expr, sp.IndexedBase):
        return L.Load(str(expr.label), ())
    if isinstance(expr, sp.Add):
        return L.Add(tuple(freeze(t) for t in expr.as_ordered_terms()))
    if isinstance(expr, sp.Mul):
        return L.Mul(tuple(freeze(f) for f in expr.as_ordered_factors()))
    if isinstance(expr, sp.Pow):
        if expr.base == sp.E:
            return L.Call("exp", (freeze(expr.exp),))
        return L.Pow(freeze(expr.base), freeze(expr.exp))
    if isinstance(expr, sp.floor):  # of an integer quotient: Python's //
        num, den = sp.fraction(sp.together(expr.args[0]))
        return freeze(num) if den == 1 else L.FloorDiv(freeze(num), freeze(den))
    if type(expr) in _FUNCTIONS:
        return L.Call(_FUNCTIONS[type(expr)], tuple(freeze(a) for a in expr.args))
    if type(expr) in _RELATIONS:
        return L.Cmp(_RELATIONS[type(expr)], freeze(expr.lhs), freeze(expr.rhs))
    raise ValueError(f"the loop tree has no node for {type(expr).__name__}: {expr}")


def conditions(guards: Sequence[sp.Basic]) -> tuple[L.Expr, ...]:
    """A term's guards as the conditions of an :class:`~.loops.If`, a conjunction taken apart."""
    out: list[L.Expr] = []
    for g in guards:
        out += conditions(g.args) if isinstance(g, sp.And) else [freeze(g)]
    return tuple(out)


def term_nest(t: Term, acc: L.Var) -> L.Stmt:
    """``acc += Σ_sums [guards] body``: the term's sums as loops, outermost first."""
    body: L.Stmt = L.Accumulate(acc, freeze(t.body))
    if t.guards:
        body = L.If(conditions(t.guards), (body,))
    for b in reversed(t.sums):
        body = L.Loop(str(b.index), freeze(b.lo), freeze(b.hi + 1), (body,))
    return body


def nest(
    name: str, params: tuple[str, ...], target: sp.IndexedBase, free: tuple[sp.Symbol, ...],
    terms: tuple[Term, ...], doc: tuple[str, ...] = (),
) -> L.Kernel:
    """The plain loop nest of ``target[free] = Σ terms`` as kernel ``name(params)``."""
    store = L.Load(str(target.label), tuple(L.Var(str(f)) for f in free))
    if len(terms) == 1 and not terms[0].sums and not terms[0].guards:  # elementwise: no accumulator
        inner: tuple[L.Stmt, ...] = (L.Assign(store, freeze(terms[0].body)),)
    else:
        acc = L.Var(ACC)
        inner = (L.Local(ACC), *(term_nest(t, acc) for t in terms), L.Assign(store, acc))
    for f, extent in reversed(tuple(zip(free, target.shape, strict=True))):
        inner = (L.Loop(str(f), L.Int(0), freeze(extent), inner),)
    return L.Kernel(name, params, inner, doc)


@lru_cache(maxsize=1 << 14)
def elementwise(expr: sp.Expr) -> Code | Elementwise:
    """``expr`` frozen for :func:`.ufuncs.chain`: an operand NumPy reads as it is (an array read, an
    index grid, a number: :func:`_operand`) as its printed :class:`~.ir.Code`, anything else as an
    :class:`~.ir.Elementwise` node over its arguments, in SymPy's order."""
    if _operand(expr):
        return Code(array_code(expr), False, int(expr) if isinstance(expr, sp.Integer) else None)
    if isinstance(expr, sp.Add | sp.Mul):
        args = tuple(elementwise(a) for a in expr.args)
        if isinstance(expr, sp.Add):
            return Elementwise("add", args)
        rest = elementwise(sp.Mul(*expr.args[1:])) if expr.args[0] == -1 else None
        return Elementwise("mul", args, rest)
    if isinstance(expr, sp.Pow):
        return _power(*expr.args)
    if type(expr) in _FUNCTIONS and len(expr.args) == 1:
        return Elementwise(_FUNCTIONS[type(expr)], (elementwise(expr.args[0]),))
    return Elementwise("other", ())


def _operand(e: sp.Expr) -> bool:
    """An operand printed as it is: an array, an index grid (a :func:`.ir.hole` symbol), or a number
    (sizes included)."""
    if e.is_Atom or isinstance(e, sp.Indexed):
        return True
    return not e.atoms(sp.Indexed) and not any(str(s).startswith(HOLE) for s in e.free_symbols)


def _power(base: sp.Expr, exp: sp.Expr) -> Elementwise:
    """``base ** exp`` by what a ufunc does with it: ``1/x``, ``x²``, ``√x``, a number power, or nothing."""
    frozen = elementwise(base)
    if exp == -1:
        return Elementwise("reciprocal", (frozen,))
    if exp == 2:
        return Elementwise("square", (frozen,))
    if exp == sp.Rational(1, 2):
        return Elementwise("sqrt", (frozen,))
    if exp.is_number:
        return Elementwise("power", (frozen, elementwise(exp)))
    return Elementwise("other", (frozen,))


# -- the schedules' IR: a bound as a loop, a body as the statements of its nest ---------------------


def loop_of(b: Bound) -> ir.Loop:
    """The IR loop of a derived bound: ``max`` of its lower ends, ``min`` of its upper ones."""
    lo, hi = b.declared
    return ir.Loop(
        index=str(b.index),
        lower=tuple(code(e) for e in b.lower),
        stop=tuple(code(sp.expand(e + 1)) for e in b.upper),
        declared=(code(lo), code(sp.expand(hi - lo + 1))),
        depends=depends(b),
    )


def depends(b: Bound) -> tuple[str, ...]:
    """The names a loop's bounds depend on, sorted."""
    return tuple(sorted({str(s) for e in (*b.lower, *b.upper) for s in e.free_symbols}))


def hoisted(r: ir.Reduction, t: Term) -> ir.Reduction:
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
        hoists.append(ir.Hoist(d, str(carried), f"_dt({argument_code(value)})"))
    body = sp.Mul(*depth_of.get(inner, [])) * (carried if carried is not None else 1)
    temps, reduced = sp.cse(body, symbols=sp.numbered_symbols("_t"), optimizations=None)
    return replace(
        r,
        hoists=tuple(hoists),
        temps=tuple((str(s), scalar_code(e)) for s, e in temps),
        body=scalar_code(reduced[0]),
    )
