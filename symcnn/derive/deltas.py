"""The delta-resolution pass: Kronecker deltas out, exact summation bounds in.

Applied to each flattened term until nothing changes: eliminate a
``KroneckerDelta`` by solving it for a summation index (its range becomes
bounds on the indices left), prune bounds implied by others, drop terms whose
range is empty, and collapse sums over a single point.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..model.bounds import Ranges, ceil_div, floor_div, is_positive_in_sizes, nonnegative, prune_bounds
from ..model.padding import padded_reads
from .terms import Bound, Term


def resolve(term: Term, free: Ranges) -> Term | None:
    """Bring one term to bounded-sum form; None when it is identically zero."""
    current: Term | None = term
    while current is not None:
        step = _eliminate_delta(current, free)
        if step is current:
            step = _unpad(current, free)
        if step is current:
            step = _tidy(current, free)
        if step is current:
            return current
        current = step
    return None


def _find_delta(body: sp.Expr) -> tuple[sp.KroneckerDelta | None, sp.Expr]:
    factors = sp.Mul.make_args(body)
    for k, f in enumerate(factors):
        base = f.base if isinstance(f, sp.Pow) and f.exp.is_positive else f
        if isinstance(base, sp.KroneckerDelta):
            return base, sp.Mul(*(factors[:k] + factors[k + 1 :]))
    return None, body


def _unit_coefficient(d: sp.Expr, s: sp.Symbol) -> sp.Expr | None:
    c = sp.diff(d, s)
    if c in (1, -1) and not sp.diff(c, s):
        return c
    return None


def _eliminate_delta(term: Term, free: Ranges) -> Term | None:
    kd, rest = _find_delta(term.body)
    if kd is None:
        return term
    d = sp.expand(kd.args[0] - kd.args[1])
    if d == 0:
        return replace(term, body=rest)
    if d.is_number:
        return None
    # Prefer the outermost index: the sums of the upstream sensitivity come first,
    # so the output position is solved for and the kernel offsets stay summed.
    for bound in term.sums:
        c = _unit_coefficient(d, bound.index)
        if c is not None:
            return _solve(replace(term, body=rest), bound, sp.expand(bound.index - d / c), free)
    # No index with a unit coefficient (or none at all): keep it as a guard.
    return replace(term, body=rest, guards=term.guards + (sp.Eq(kd.args[0], kd.args[1]),))


def _solve(term: Term, bound: Bound, sol: sp.Expr, free: Ranges) -> Term | None:
    s = bound.index
    sums = tuple(b.subs(s, sol) for b in term.sums if b.index != s)
    out = Term(
        sums=sums,
        body=term.body.subs(s, sol),
        guards=tuple(g.subs(s, sol) for g in term.guards),
    )
    for lo in bound.lower:
        out = _constrain(out, sp.expand(sol - lo), free)
    for hi in bound.upper:
        out = _constrain(out, sp.expand(hi - sol), free)
    return _reorder(_own_bounds(out, free))


def _own_bounds(term: Term, free: Ranges) -> Term:
    """A bound that now mentions its own index (``e ≥ e - p`` once ``c = p - e`` is substituted in a
    clipped window ``e ≥ -c``) is a constraint like any other: moved where it belongs, or dropped."""
    for b in term.sums:
        lower = tuple(e for e in b.lower if e.has(b.index))
        upper = tuple(e for e in b.upper if e.has(b.index))
        if not lower and not upper:
            continue
        keep = replace(
            b,
            lower=tuple(e for e in b.lower if e not in lower) or (b.declared[0],),
            upper=tuple(e for e in b.upper if e not in upper) or (b.declared[1],),
        )
        out = replace(term, sums=tuple(keep if s is b else s for s in term.sums))
        for e in lower:
            out = _constrain(out, sp.expand(b.index - e), free)
        for e in upper:
            out = _constrain(out, sp.expand(e - b.index), free)
        return _own_bounds(out, free)
    return term


def _unpad(term: Term, free: Ranges) -> Term:
    """Each padded read, a factor of the term, becomes bounds: the term counts only where the read
    stays inside its array (on the innermost sum the index moves, else a guard), and reads plainly."""
    reads = padded_reads(term.body)
    if not reads:
        return term
    out = replace(term, body=term.body.xreplace({r: r.args[0] for r in reads}))
    for r in reads:
        acc = r.args[0]
        for e, extent in zip(acc.indices, acc.base.shape):
            out = _constrain(out, sp.expand(e), free)
            out = _constrain(out, sp.expand(extent - 1 - e), free)
    return _reorder(out)


def _ranges(term: Term, free: Ranges) -> Ranges:
    out = dict(free)
    out.update({b.index: b.declared for b in term.sums})
    return out


def _constrain(term: Term, e: sp.Expr, free: Ranges) -> Term:
    """Add ``e ≥ 0`` as a bound on the innermost index it holds, or as a guard."""
    inside = [b for b in term.sums if b.index in e.free_symbols]
    if not inside:
        if nonnegative(e, _ranges(term, free)):
            return term
        return replace(term, guards=term.guards + (sp.Ge(e, 0),))
    target = inside[-1]
    t = target.index
    c = sp.expand(e).coeff(t)
    rest = sp.expand(e - c * t)
    linear = not rest.has(t) and not (c.free_symbols & set(_ranges(term, free)))
    if linear and is_positive_in_sizes(c):
        new = replace(target, lower=target.lower + (ceil_div(-rest, c),))
    elif linear and is_positive_in_sizes(-c):
        new = replace(target, upper=target.upper + (floor_div(rest, -c),))
    else:
        return replace(term, guards=term.guards + (sp.Ge(e, 0),))
    return replace(term, sums=tuple(new if b is target else b for b in term.sums))


def _reorder(term: Term) -> Term:
    """Order sums so each one's bounds use only indices of sums outside it."""
    pending, done = list(term.sums), []
    while pending:
        placed = {b.index for b in done}
        for k, b in enumerate(pending):
            deps = {s for e in b.lower + b.upper for s in e.free_symbols} & {p.index for p in pending}
            if deps <= placed | {b.index}:
                done.append(pending.pop(k))
                break
        else:  # cyclic bounds cannot arise from affine constraints; keep the order
            done += pending
            break
    return replace(term, sums=tuple(done))


def _tidy(term: Term, free: Ranges) -> Term | None:
    """Prune bounds and guards, drop an empty sum, collapse a one-point sum."""
    rng = _ranges(term, free)
    sums = []
    for b in term.sums:
        lower = prune_bounds(b.lower, rng, keep_larger=True)
        upper = prune_bounds(b.upper, rng, keep_larger=False)
        if len(lower) == 1 and len(upper) == 1 and nonnegative(lower[0] - upper[0] - 1, rng):
            return None
        sums.append(replace(b, lower=lower, upper=upper))
    guards = tuple(g for g in term.guards if not _always(g, rng))
    tidied = Term(tuple(sums), term.body, guards)
    for b in tidied.sums:
        if len(b.lower) == 1 and len(b.upper) == 1 and sp.expand(b.lower[0] - b.upper[0]) == 0:
            return _collapse(tidied, b, b.lower[0])
    if tidied == term:
        return term
    return tidied


def _always(guard: sp.Basic, rng: Ranges) -> bool:
    if isinstance(guard, sp.Ge):
        return nonnegative(guard.lhs - guard.rhs, rng)
    return guard is sp.true


def _collapse(term: Term, bound: Bound, value: sp.Expr) -> Term:
    s = bound.index
    return Term(
        sums=tuple(b.subs(s, value) for b in term.sums if b.index != s),
        body=term.body.subs(s, value),
        guards=tuple(g.subs(s, value) for g in term.guards),
    )
