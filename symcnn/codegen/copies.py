"""Copies of a term's body at shifted indices, for the schedules that unroll and jam (:mod:`.tile`,
:mod:`.jam`): the body split by an index, each copy's reads re-summed, the reads the copies share loaded
once and their common subexpressions named — on loop-tree expressions, no SymPy, ordered as SymPy
orders a product (:func:`.loops.product`) so the source is what SymPy's ``cse`` gave.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping

from . import loops as L
from .emit import source

#: Expressions that cost nothing to repeat: never named by :func:`shared`.
_CHEAP = (L.Var, L.Load, L.Int, L.Rat, L.Real, L.Shape)


def split(body: L.Expr, index: str) -> tuple[L.Expr, L.Expr]:
    """``body`` as (the product of its factors holding ``index``, the product of the rest)."""
    fs = L.factors(body)
    return (L.product(f for f in fs if index in L.names(f)),
            L.product(f for f in fs if index not in L.names(f)))


def at(e: L.Expr, values: Mapping[str, L.Expr]) -> L.Expr:
    """``e`` with the indices in ``values`` substituted, each array index summed up again
    (:func:`canonical`: ``p`` at ``_p0 + 1`` in ``2*p`` is ``2*_p0 + 2``)."""
    def index(n: L.Node) -> L.Node:
        return L.Load(n.array, tuple(canonical(i) for i in n.index)) if isinstance(n, L.Load) else n

    return L.rewrite(L.substitute(e, values), index)


def loaded(values: list[L.Expr], every: bool = False) -> tuple[list[tuple[str, L.Expr]], list[L.Expr]]:
    """The array reads the copies ``values`` share (``every``: all of them) loaded once into locals
    ``_w<k>``, in the order the copies read them, each copy's by array — LLVM cannot prove the copies'
    stores leave them be — then the common subexpressions of what is left (:func:`shared`):
    ``(temporaries, values)``."""
    seen = [n for e in values for n in sorted(dict.fromkeys(n for n in L.walk(e) if isinstance(n, L.Load)),
                                              key=lambda a: a.array)]
    reads = [r for r in dict.fromkeys(seen) if every or seen.count(r) > 1]
    name = {r: L.Var(f"_w{k}") for k, r in enumerate(reads)}
    swapped = [L.rewrite(e, lambda n: name.get(n, n) if isinstance(n, L.Load) else n) for e in values]
    temps, out = shared([L.product(L.factors(e)) for e in swapped])
    return [(v.name, r) for r, v in name.items()] + temps, out


def shared(values: list[L.Expr], prefix: str = "_t") -> tuple[list[tuple[str, L.Expr]], list[L.Expr]]:
    """Each subexpression ``values`` compute more than once named ``<prefix><k>``, the largest first:
    ``(temporaries, values)``. Names, reads and numbers are not named (they cost nothing to repeat),
    nor is anything inside a read's index (an address, LLVM's to share)."""
    temps: list[tuple[str, L.Expr]] = []
    while True:
        seen: dict[L.Node, int] = {}
        for v in values:
            for n in _outside_reads(v):
                if not isinstance(n, _CHEAP):
                    seen[n] = seen.get(n, 0) + 1
        repeated = [n for n, c in seen.items() if c > 1]
        if not repeated:
            return temps, values
        best = max(repeated, key=lambda n: sum(1 for _ in L.walk(n)))
        name = L.Var(f"{prefix}{len(temps)}")
        temps.append((name.name, best))
        values = [_replaced(v, best, name) for v in values]


def _outside_reads(e: L.Node) -> Iterable[L.Node]:
    """``e`` and the nodes below it, parents first, not entering a read's index."""
    yield e
    if not isinstance(e, L.Load):
        for c in L.children(e):
            yield from _outside_reads(c)


def _replaced(e: L.Expr, old: L.Expr, new: L.Expr) -> L.Expr:
    """``e`` with ``old`` replaced by ``new`` where :func:`_outside_reads` sees it."""
    if e == old:
        return new
    if isinstance(e, L.Load) or not any(True for _ in L.children(e)):
        return e
    changes = {}
    for f in dataclasses.fields(e):
        value = getattr(e, f.name)
        if isinstance(value, L.Node):
            changes[f.name] = _replaced(value, old, new)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(_replaced(v, old, new) if isinstance(v, L.Node) else v for v in value)
    return dataclasses.replace(e, **changes)


def canonical(e: L.Expr) -> L.Expr:
    """A sum of products of names, integers and other factors (a sum in a product, a read) as SymPy
    writes it: like terms combined, an integer multiplying one sum distributed into it, equal factors
    as a power, and in the order SymPy prints (:func:`plus`, :func:`times`); other nodes as they are."""
    if isinstance(e, L.Add):
        return plus(*(canonical(t) for t in e.terms))
    if isinstance(e, L.Mul):
        return times(*(canonical(f) for f in e.factors))
    return e


def times(*fs: L.Expr) -> L.Expr:
    """The product of ``fs`` as SymPy writes it: the integer coefficient first, then names by name, then
    other factors by their source, a factor repeated as its power; an integer times one sum distributed."""
    flat = [g for f in fs for g in L.factors(f)]
    coeff = math.prod(f.value for f in flat if isinstance(f, L.Int))
    rest = [f for f in flat if not isinstance(f, L.Int)]
    if coeff == 0:
        return L.Int(0)
    if len(rest) == 1 and isinstance(rest[0], L.Add) and coeff != 1:
        return plus(*(times(L.Int(coeff), t) for t in rest[0].terms))
    count: dict[L.Expr, int] = {}
    for f in rest:
        count[f] = count.get(f, 0) + 1
    powered = [f if k == 1 else L.Pow(f, L.Int(k)) for f, k in count.items()]
    named = sorted((f for f in powered if isinstance(f, L.Var)), key=lambda v: v.name)
    other = sorted((f for f in powered if not isinstance(f, L.Var)), key=source)
    out = ([L.Int(coeff)] if coeff != 1 else []) + named + other
    return L.Int(1) if not out else out[0] if len(out) == 1 else L.Mul(tuple(out))


def _term(t: L.Expr) -> tuple[int, tuple[L.Expr, ...]]:
    """A term as its integer coefficient and its other factors."""
    fs = L.factors(t)
    return (math.prod(f.value for f in fs if isinstance(f, L.Int)),
            tuple(f for f in fs if not isinstance(f, L.Int)))


def plus(*ts: L.Expr) -> L.Expr:
    """The sum of ``ts`` as SymPy writes it: like terms combined, then in SymPy's ``lex`` order over its
    atoms (names by name, then other factors by their source), highest powers first, the integer last."""
    flat = [u for t in ts for u in (t.terms if isinstance(t, L.Add) else (t,))]
    total: dict[tuple[L.Expr, ...], int] = {}
    for t in flat:
        c, rest = _term(t)
        key = tuple(sorted(rest, key=lambda f: (not isinstance(f, L.Var), source(f))))
        total[key] = total.get(key, 0) + c
    terms = [(c, key) for key, c in total.items() if c]

    def atom(f: L.Expr) -> tuple[L.Expr, int]:
        return (f.base, f.exp.value) if isinstance(f, L.Pow) and isinstance(f.exp, L.Int) else (f, 1)

    gens = sorted({atom(f)[0] for _, key in terms for f in key},
                  key=lambda g: (not isinstance(g, L.Var), g.name if isinstance(g, L.Var) else source(g)))

    def powers(key: tuple[L.Expr, ...]) -> tuple[int, ...]:
        held: dict[L.Expr, int] = {}
        for f in key:
            g, k = atom(f)
            held[g] = held.get(g, 0) + k
        return tuple(held.get(g, 0) for g in gens)

    terms.sort(key=lambda t: powers(t[1]), reverse=True)
    out = [times(L.Int(c), *key) for c, key in terms]
    return L.Int(0) if not out else out[0] if len(out) == 1 else L.Add(tuple(out))


__all__ = ["at", "canonical", "loaded", "plus", "shared", "split", "times"]
