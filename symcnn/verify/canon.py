"""A canonical bounded-sum form, so two index expressions can be compared structurally.

Both sides of a claim are brought to a set of terms ``Σ_bounds [guards] body``
with the engine's own passes (:func:`~symcnn.derive.flatten.flatten`, then
:func:`~symcnn.derive.deltas.resolve`, which eliminates Kronecker deltas and
prunes redundant bounds), then normalised:

1. **change of variables** — each summation index is replaced by the index
   expression it feeds in the first array access (arrays by name, positions in
   order) where it appears alone with coefficient ±1; ``K[i, j, KH-1-a]`` and
   ``K[i, j, a]`` both become ``K[i, j, t0]``, their bounds following along;
2. **bounds normalised** — ``max``/``min`` arguments expanded, deduplicated,
   pruned against each other and the free indices' ranges, and sorted;
3. **sums ordered** by their canonical names, respecting dependencies;
4. **terms merged** when their sums and guards agree, bodies expanded.

Two expressions with equal canonical forms are equal for every size: every
step is an identity on bounded sums. Unequal forms prove nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sympy as sp

from ..derive.deltas import resolve
from ..derive.flatten import Names, flatten
from ..derive.terms import Bound, Term
from ..errors import SpecError
from ..model.bounds import Ranges

Canonical = dict[tuple, sp.Expr]


class NotCanonical(Exception):
    """The expression has a shape the canonical form does not cover (a sum in a denominator, say)."""


def canonical(
    expr: sp.Expr,
    ranges: Ranges,
    rewrite: Callable[[Term], Term | None] | None = None,
) -> Canonical:
    """``expr`` in canonical form: ``{(sums, guards): body}``."""
    names = Names(expr.free_symbols | {v for s in expr.atoms(sp.Sum) for v, *_ in s.limits})
    try:
        flat = flatten(sp.expand(expr), names, "verify")
    except SpecError as exc:
        raise NotCanonical(str(exc)) from None
    out: Canonical = {}
    for term in flat:
        for mono in _monomials(term):
            t = resolve(mono, ranges)
            if t is None:
                continue
            t = _rename(t, ranges)
            if t is None:
                continue
            if rewrite is not None:
                t = rewrite(t)
                if t is None:
                    continue
                t = _rename(resolve(t, ranges) or Term((), sp.S.Zero), ranges)
                if t is None:
                    continue
            key = (tuple((b.index, b.lower, b.upper) for b in t.sums), t.guards)
            out[key] = out.get(key, sp.S.Zero) + t.body
    cleaned = {}
    for key, body in out.items():
        body = sp.expand(body)
        if body != 0:
            cleaned[key] = body
    return cleaned


def _split(e: sp.Expr, kind: type) -> tuple[sp.Expr, ...]:
    if isinstance(e, kind):
        return tuple(a for arg in e.args for a in _split(arg, kind))
    return (sp.expand(e),)


def _monomials(term: Term) -> list[Term]:
    sums = tuple(
        Bound(
            b.index,
            tuple(x for lo in b.lower for x in _split(lo, sp.Max)),
            tuple(x for hi in b.upper for x in _split(hi, sp.Min)),
            (sp.Min(*_split(b.declared[0], sp.Max)), sp.Max(*_split(b.declared[1], sp.Min))),
        )
        for b in term.sums
    )
    body = sp.expand(term.body)
    return [Term(sums, m, term.guards) for m in sp.Add.make_args(body)]


def _access_key(acc: sp.Indexed, bound: set) -> tuple:
    masked = tuple(
        "*" if i.free_symbols & bound else sp.srepr(sp.expand(i)) for i in acc.indices
    )
    return (str(acc.base.label), len(acc.indices), masked)


def _rename(term: Term, ranges: Ranges) -> Term | None:
    """The change of variables, then canonical names ``_t0, _t1, …`` and order."""
    bound = {b.index for b in term.sums}
    canon: list[sp.Symbol] = []
    pending = set(bound)
    k = 0
    changed = True
    while pending and changed:
        changed = False
        accesses = sorted(term.body.atoms(sp.Indexed), key=lambda a: _access_key(a, pending))
        for acc in accesses:
            for e in acc.indices:
                e = sp.expand(e)
                inside = e.free_symbols & pending
                if len(inside) != 1:
                    continue
                (t,) = inside
                c = sp.diff(e, t)
                if c not in (1, -1):
                    continue
                rest = sp.expand(e - c * t)
                if rest.has(t):
                    continue
                new = sp.Symbol(f"_t{k}", integer=True)
                k += 1
                term = _substitute(term, t, new, c, rest)
                pending.discard(t)
                canon.append(new)
                changed = True
                break
            if changed:
                break
    for t in sorted(pending, key=lambda s: [b.index for b in term.sums].index(s)):
        new = sp.Symbol(f"_t{k}", integer=True)
        k += 1
        term = _substitute(term, t, new, sp.S.One, sp.S.Zero)
        canon.append(new)
    resolved = resolve(term, ranges)
    if resolved is None:
        return None
    return _normal(resolved)


def _substitute(term: Term, t: sp.Symbol, new: sp.Symbol, c: sp.Expr, rest: sp.Expr) -> Term:
    """``t = c (new − rest)`` with ``c = ±1``: the access position becomes ``new``."""
    sol = sp.expand(c * (new - rest))
    sums = []
    for b in term.sums:
        if b.index == t:
            lo = tuple(sp.expand(c * x + rest) for x in (b.lower if c == 1 else b.upper))
            hi = tuple(sp.expand(c * x + rest) for x in (b.upper if c == 1 else b.lower))
            d0, d1 = (c * b.declared[0] + rest, c * b.declared[1] + rest)
            if c != 1:
                d0, d1 = d1, d0
            sums.append(Bound(new, lo, hi, (sp.expand(d0), sp.expand(d1))))
        else:
            sums.append(b.subs(t, sol))
    return Term(
        tuple(sums),
        term.body.xreplace({t: sol}),
        tuple(g.xreplace({t: sol}) for g in term.guards),
    )


def _normal(term: Term) -> Term:
    sums = []
    for b in term.sums:
        lower = tuple(sorted({sp.expand(x) for x in b.lower}, key=sp.srepr))
        upper = tuple(sorted({sp.expand(x) for x in b.upper}, key=sp.srepr))
        sums.append(Bound(b.index, lower, upper, b.declared))
    ordered: list[Bound] = []
    pending = sorted(sums, key=lambda b: str(b.index))
    while pending:
        placed = {b.index for b in ordered}
        names = {b.index for b in pending}
        for k, b in enumerate(pending):
            deps = {s for e in b.lower + b.upper for s in e.free_symbols} & names
            if deps <= placed | {b.index}:
                ordered.append(pending.pop(k))
                break
        else:
            ordered += pending
            break
    guards = tuple(sorted({_guard(g) for g in term.guards}, key=sp.srepr))
    return replace(term, sums=tuple(ordered), body=sp.expand(term.body), guards=guards)


def _guard(g: sp.Basic) -> sp.Basic:
    if isinstance(g, (sp.Ge, sp.Le, sp.Gt, sp.Lt)):
        d = sp.expand(g.lhs - g.rhs) if isinstance(g, (sp.Ge, sp.Gt)) else sp.expand(g.rhs - g.lhs)
        return sp.Ge(d, 0) if isinstance(g, (sp.Ge, sp.Le)) else sp.Gt(d, 0)
    return g


def same(a: Canonical, b: Canonical) -> bool:
    """Equal canonical forms (bodies compared after expansion)."""
    if set(a) != set(b):
        return False
    return all(sp.expand(a[k] - b[k]) == 0 for k in a)


def describe(c: Canonical) -> str:
    """A readable text of a canonical form, for reports of failed symbolic proofs."""
    parts = []
    for (sums, guards), body in sorted(c.items(), key=lambda kv: sp.srepr(kv[0])):
        s = " ".join(f"Σ_{{{i}={_mx(lo, 'max')}}}^{{{_mx(hi, 'min')}}}" for i, lo, hi in sums)
        g = f"[{' ∧ '.join(map(str, guards))}] " if guards else ""
        parts.append(f"{s} {g}{body}".strip())
    return " + ".join(parts) if parts else "0"


def _mx(xs: tuple, f: str) -> str:
    return str(xs[0]) if len(xs) == 1 else f"{f}({', '.join(map(str, xs))})"
