"""Copies of a term's body at shifted indices, for the schedules that unroll and jam (:mod:`.tile`,
:mod:`.jam`): the body split by an index, each copy's reads re-summed, the reads the copies share loaded
once and their common subexpressions named — on loop-tree expressions, no SymPy, ordered as SymPy
orders a product (:func:`.loops.product`) so the source is what SymPy's ``cse`` gave.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from . import loops as L

#: Expressions that cost nothing to repeat: never named by :func:`shared`.
_CHEAP = (L.Var, L.Load, L.Int, L.Rat, L.Real, L.Shape)


def split(body: L.Expr, index: str) -> tuple[L.Expr, L.Expr]:
    """``body`` as (the product of its factors holding ``index``, the product of the rest)."""
    fs = L.factors(body)
    return (L.product(f for f in fs if index in L.names(f)),
            L.product(f for f in fs if index not in L.names(f)))


def at(e: L.Expr, values: Mapping[str, L.Expr]) -> L.Expr:
    """``e`` with the indices in ``values`` substituted, each array index summed up again
    (:func:`.loops.linear`: ``p`` at ``_p0 + 1`` in ``2*p`` is ``2*_p0 + 2``)."""
    def index(n: L.Node) -> L.Node:
        return L.Load(n.array, tuple(L.linear(i) for i in n.index)) if isinstance(n, L.Load) else n

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


__all__ = ["at", "loaded", "shared", "split"]
