"""A gradient whose free indices the sums fix, run as a scatter: the strided, dilated input sensitivity [B12].

The input sensitivity of a convolution with stride ``s`` and dilation ``d``
both above one is derived as

    dX[n, i, p, q] = Σ_{j, y, x, a, b} [p = s·y + d·a - P] [q = s·x + d·b - P] K[j, i, a, b]·dU[n, j, y, x]

No sum index has a unit coefficient in ``s·y + d·a``, so the engine cannot
solve the guard for one (that would take the lattice ``d·a ≡ p + P (mod s)``,
whose step ``s / gcd(s, d)`` is not a polynomial in the sizes). Looped as
derived, each point ``(p, q)`` scans every ``(j, y, x, a, b)`` for the few
that hit it: ``Hp·Wq`` times the work, branching on every step. Read the
other way, the guards say which point each step of the sums adds into: the
kernel runs the sums and adds into ``dX[n, i, s·y + d·a - P, s·x + d·b - P]``,
and the guards become bounds — ``0 ≤ s·y + d·a - P ≤ Hp - 1`` bounds ``y``
for each ``a`` — solved by the same Fourier–Motzkin elimination as every
other loop (:mod:`.interchange`): no branch and no wasted step.

Applies to a kernel whose every term has sums and guards, each guard
``f = e`` with ``f`` a free index and ``e`` affine in the sums, the same free
indices fixed in every term, each by one guard. The free indices it fixes
run as the target's zeroed rows, the others outside (in parallel): no two
steps of the ``prange`` add into the same point.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from . import forms as F
from . import loops as L
from .interchange import reorder
from .ir import Frozen, Sum
from .nest import is_long


@dataclass(frozen=True)
class Scatter:
    """The free indices the sums fix (``inner``), and per term the target's indices and the term's sums in
    loop order with the guards' bounds (its guards gone)."""

    inner: tuple[str, ...]
    targets: tuple[tuple[L.Expr, ...], ...]
    sums: tuple[tuple[Sum, ...], ...]


def scattered(free: tuple[str, ...], shape: tuple[L.Expr, ...], terms: tuple[Frozen, ...], short: Set[str],
              sizes: Set[str]) -> Scatter | None:
    """The scatter schedule of a kernel (see the module doc), or ``None`` where it does not apply.

    ``short``: the sizes of parameters and hyper-parameters; a guard bounds a sum index over a map
    (a long extent) before a tap. ``sizes``: the names that are positive integers.
    """
    if not terms or any(not t.sums or not t.guards for t in terms):
        return None
    fixed = [_fixing(t, free) for t in terms]
    if None in fixed or len({tuple(sorted(f)) for f in fixed}) != 1:
        return None
    inner = tuple(f for f in free if f in fixed[0])
    extent = {f: F.of(e) for f, e in zip(free, shape, strict=True)}
    targets, out = [], []
    for t, fix in zip(terms, fixed):
        sums = {b.index: b for b in t.sums}
        last: list[str] = []
        for f, (_, form) in fix.items():
            u = _solved_for(form, sums, short, sizes, last)
            if u is None:
                return None
            c = form.coeff(u)
            rest = form - c * F.name(u)
            b = sums[u]
            try:
                lower = F.ceil_div(-rest, c)
                upper = F.floor_div(extent[f] - 1 - rest, c)
            except ValueError:  # a coefficient of more than one term: no exact division
                return None
            sums[u] = Sum(u, (*b.lower, lower.expr()), (*b.stop, (upper + 1).expr()), b.declared)
            last.append(u)
        order = [s for s in sums if s not in last] + last
        try:
            nest = reorder(list(sums.values()), order, sizes)
        except ValueError:
            return None
        targets.append(tuple(fix[f][0] if f in fix else L.Var(f) for f in free))
        out.append(tuple(nest))
    return Scatter(inner, tuple(targets), tuple(out))


def _fixing(t: Frozen, free: tuple[str, ...]) -> dict[str, tuple[L.Expr, F.Form]] | None:
    """``{f: (e, e as a form)}`` for the guards ``f = e`` of ``t``, ``e`` of degree one in the sums, or
    ``None`` if a guard is anything else."""
    sums = {b.index for b in t.sums}
    fix: dict[str, tuple[L.Expr, F.Form]] = {}
    for g in t.guards:
        if not (isinstance(g, L.Cmp) and g.op == "=="):
            return None
        for f, e in ((g.left, g.right), (g.right, g.left)):
            used = L.names(e)
            if (isinstance(f, L.Var) and f.name in free and f.name not in fix and not used & set(free)
                    and used & sums):
                form = _form(e)
                if form is not None and _degree(form, sums) == 1:
                    fix[f.name] = (e, form)
                    break
        else:
            return None
    return fix


def _form(e: L.Expr) -> F.Form | None:
    try:
        return F.of(e)
    except ValueError:
        return None


def _degree(form: F.Form, indices: set[str]) -> int:
    """The total degree of ``form`` in ``indices`` (floors count as of degree zero)."""
    return max((sum(p for g, p in m if g in indices) for m, _ in form.terms), default=0)


def _solved_for(e: F.Form, sums: dict[str, Sum], short: Set[str], sizes: Set[str],
                taken: list[str]) -> str | None:
    """The sum index of ``e`` whose bounds take the guard: one with a coefficient positive in the sizes,
    a map index (long extent) before a tap."""
    found = []
    for u in sorted(e.names() & set(sums)):
        try:
            c = e.coeff(u)
        except ValueError:
            continue
        if u in taken or c.names() & set(sums) or not F.positive(c, frozenset(sizes)):
            continue
        found.append((is_long(sums[u].declared[1], short), u))
    return max(found, key=lambda x: x[0])[1] if found else None


__all__ = ["Scatter", "scattered"]
