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
they are printed once. :func:`frozen` freezes a derived term once for the
schedules (:class:`~.ir.Frozen`): its sums, body and guards.

:func:`reduction` freezes one derived term into the schedules' IR: its loops,
its factors (Numba source, NumPy source with holes, the ufunc chain), each
array access as affine :class:`~.ir.Index` forms, and the constraints its
bounds and guards put on the indices. What leaves it is the
:class:`~.ir.Reduction` both backends start from; the Numba schedule
(:mod:`.order`) picks its loop order and the NumPy one (:mod:`.vectorize`)
its array operations from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import sympy as sp

from ..derive.terms import Bound, Term
from ..model.functions import relu, sigmoid, step
from . import ir
from . import loops as L
from .ir import HOLE, Code, Elementwise
from .printer import array_code, code, scalar_code
from .ufuncs import chain

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


def frozen_sum(b: Bound) -> ir.Sum:
    """One derived sum frozen (:class:`~.ir.Sum`): its lower ends, its stops (upper ends + 1), its
    declared start and extent."""
    lo, hi = b.declared
    return ir.Sum(
        str(b.index),
        tuple(freeze(e) for e in b.lower),
        tuple(freeze(sp.expand(e + 1)) for e in b.upper),
        (freeze(lo), freeze(sp.expand(hi - lo + 1))),
    )


@lru_cache(maxsize=1 << 12)
def frozen(t: Term) -> ir.Frozen:
    """Derived term ``t`` frozen once for the schedules (:class:`~.ir.Frozen`): its sums
    (:func:`frozen_sum`), body and guards as loop-tree expressions; what SymPy expands here no schedule
    has to."""
    return ir.Frozen(tuple(frozen_sum(b) for b in t.sums), freeze(t.body), conditions(t.guards))


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


# -- the schedules' IR: one derived term ------------------------------------------------------------


def _depends(b: Bound) -> tuple[str, ...]:
    """The names a loop's bounds depend on, sorted."""
    return tuple(sorted({str(s) for e in (*b.lower, *b.upper) for s in e.free_symbols}))


def reduction(t: Term, free: tuple, shape: tuple, sizes: set) -> ir.Reduction:
    """One derived term frozen as the :class:`~.ir.Reduction` both backends start from [B7], [B12]: its
    loops with printed bounds and frozen (:func:`frozen_sum`), its guards, its body split into factors,
    every array access's affine structure, the constraints its bounds and guards put on the indices;
    the Numba schedule (:mod:`.order`) fills in its nest and body."""
    indices = set(free) | {b.index for b in t.sums}
    factors = _factors(t.body, indices)
    accesses = [a for f in factors for a in f[1]]
    loops = []
    for b in t.sums:
        lo, hi = b.declared
        constraints = []
        for e in b.lower:
            if sp.expand(e - lo) != 0:
                constraints.append(_constraint(sp.Ge(b.index, e), indices, _implied(b.index - e, accesses)))
        for e in b.upper:
            if sp.expand(e - hi) != 0:
                constraints.append(_constraint(sp.Le(b.index, e), indices, _implied(e - b.index, accesses)))
        loops.append(
            ir.Loop(
                index=str(b.index),
                lower=tuple(code(e) for e in b.lower),
                stop=tuple(code(sp.expand(e + 1)) for e in b.upper),
                declared=(code(lo), code(sp.expand(hi - lo + 1))),
                constraints=tuple(constraints),
                depends=_depends(b),
            )
        )
    masks = tuple(_constraint(g, indices, False) for g in t.guards)
    return ir.Reduction(
        loops=tuple(loops),
        guards=conditions(t.guards),
        guard_masks=masks,
        factors=tuple(_factor(expr, acc, indices) for expr, acc in factors),
        sums=tuple(frozen_sum(b) for b in t.sums),
    )


def _factors(body: sp.Expr, indices: set) -> list[tuple[sp.Expr, tuple[sp.Indexed, ...]]]:
    """Split a product into factors; factors free of arrays and indices merge into one constant."""
    const = sp.S.One
    out = []
    for f in sp.Mul.make_args(body):
        acc = tuple(sorted(f.atoms(sp.Indexed), key=sp.default_sort_key))
        if not acc and not (f.free_symbols & indices):
            const *= f
        else:
            out.append((f, acc))
    if const != 1 or not out:
        out.insert(0, (const, ()))
    return out


def _factor(expr: sp.Expr, accesses: tuple[sp.Indexed, ...], indices: set) -> ir.Factor:
    holes = {a: sp.Symbol(ir.hole(f"_r{k}_")) for k, a in enumerate(accesses)}
    grid = sorted(expr.xreplace(holes).free_symbols & indices, key=str)
    holed = expr.xreplace(holes).xreplace({i: sp.Symbol(ir.hole(f"_g_{i}_")) for i in grid})
    steps = chain(elementwise(holed))
    return ir.Factor(
        scalar=scalar_code(expr),
        array=ir.pieces(array_code(holed)),
        accesses=tuple(_access(a, indices) for a in accesses),
        indices=tuple(str(i) for i in grid),
        chain=None if steps is None else tuple((name, tuple(map(ir.pieces, ops))) for name, ops in steps),
        atom=code(expr).atom,
    )


def _constraint(rel: sp.Basic, indices: set, implied: bool) -> ir.Constraint:
    grid = sorted(rel.free_symbols & indices, key=str)
    holed = rel.xreplace({i: sp.Symbol(ir.hole(f"_g_{i}_")) for i in grid})
    return ir.Constraint(array=ir.pieces(array_code(holed)), indices=tuple(str(i) for i in grid),
                         implied=implied)


def _access(a: sp.Indexed, indices: set) -> ir.Access:
    extents = tuple(code(s) for s in a.base.shape)
    return ir.Access(str(a.base.label), tuple(_index(e, indices) for e in a.indices), extents)


def _index(e: sp.Expr, indices: set) -> ir.Index:
    text = scalar_code(e)
    divisor = sp.S.One
    inner = e
    if isinstance(e, sp.floor):
        inner, divisor = sp.fraction(sp.together(e.args[0]))
    inner = sp.expand(inner)
    if inner.has(sp.floor, sp.Max, sp.Min) or not _affine(inner, indices):
        return ir.Index((), None, None, text)  # not affine: loops can read it, views cannot
    used = sorted(inner.free_symbols & indices, key=str)
    coeffs = tuple((str(i), code(inner.coeff(i))) for i in used)
    offset = sp.expand(inner - sum(inner.coeff(i) * i for i in used))
    return ir.Index(coeffs, code(offset), code(divisor), text)


def _affine(e: sp.Expr, indices: set) -> bool:
    used = e.free_symbols & indices
    if not used:
        return True
    poly = sp.Poly(e, *sorted(used, key=str))
    return poly.total_degree() <= 1 and not any(c.free_symbols & indices for c in poly.coeffs())


def _implied(slack: sp.Expr, accesses: list[sp.Indexed]) -> bool:
    """Is ``slack ≥ 0`` exactly the condition that some access stays inside its array?

    Reads outside an array are zero once it is padded, and a factor that
    reads zero makes the whole product vanish, so such a bound needs no mask.
    ``slack`` may hold ``floor``: ``m ≥ floor(g)`` ⇔ ``m + 1 > g``.
    """
    forms = _integer_forms(slack)
    if forms is None:
        return False
    for a in accesses:
        for e, extent in zip(a.indices, a.base.shape):
            if e.has(sp.floor):
                continue
            for side in (sp.expand(e), sp.expand(extent - 1 - e)):
                if _proportional(forms, side):
                    return True
    return False


def _proportional(form: sp.Expr, side: sp.Expr) -> bool:
    """``form == c·side`` for a number ``c > 0`` (both linear in their symbols)."""
    for sym in sorted(side.free_symbols, key=str):
        k = side.coeff(sym)
        if k.is_number and k != 0:
            c = form.coeff(sym) / k
            return bool(c.is_number and c > 0 and sp.expand(form - c * side) == 0)
    return False


def _integer_forms(slack: sp.Expr) -> sp.Expr | None:
    """``slack ≥ 0`` rewritten as ``L ≥ 0`` with ``L`` an integer-valued form free of ``floor``."""
    floors = list(slack.atoms(sp.floor))
    if not floors:
        return sp.expand(slack)
    if len(floors) != 1:
        return None
    fl = floors[0]
    coeff = sp.expand(slack).coeff(fl)
    rest = sp.expand(slack - coeff * fl)
    if rest.has(sp.floor) or coeff not in (1, -1):
        return None
    g = fl.args[0]
    _, den = sp.fraction(sp.together(g))
    if coeff == -1:  # rest - floor(g) ≥ 0 ⇔ rest ≥ floor(g) ⇔ rest + 1 > g ⇔ den·(rest + 1 - g) - 1 ≥ 0
        return sp.expand(den * (rest + 1 - g) - 1)
    # floor(g) + rest ≥ 0 ⇔ floor(g) ≥ -rest ⇔ g ≥ -rest ⇔ den·(g + rest) ≥ 0
    return sp.expand(den * (g + rest))
