"""Sums inside nonlinear functions, split into named intermediates before differentiating.

``Y[n, k] = tanh(Σ_i W[k, i] X[n, i])`` cannot be differentiated term by term:
the sum sits inside ``tanh``. The split gives it an equation of its own —
``Y_sum0[n, k] = Σ_i W[k, i] X[n, i]``, ``Y[n, k] = tanh(Y_sum0[n, k])`` — an
intermediate indexed by the free indices the sum uses, whose gradient the
engine then derives like any other. The user's equation is not changed; the
derivation's layer carries the split equations and says so in its ``meta``.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..model.layer import Equation, Layer, array


def split_sums(layer: Layer) -> Layer:
    """``layer`` with every sum inside a nonlinear function made its own equation (unchanged if none)."""
    taken = set(layer.arrays()) | {f"d{a}" for a in layer.arrays()}
    equations: list[Equation] = []
    notes: list[tuple[str, str]] = []
    for eq in layer.equations:
        lifted: list[Equation] = []
        rhs = _lift(eq.rhs, True, eq, lifted, taken)
        equations += lifted + [Equation(eq.lhs, rhs) if lifted else eq]
        notes += [("split", f"{e.array.label} = the sum inside {eq.array.label}'s equation") for e in lifted]
    if not notes:
        return layer
    return replace(layer, equations=tuple(equations), meta=layer.meta + tuple(notes))


def _lift(expr: sp.Expr, linear: bool, eq: Equation, out: list[Equation], taken: set) -> sp.Expr:
    """``expr`` with each sum not reached through sums, sums of terms and products replaced by an access."""
    if isinstance(expr, sp.Sum):
        body = _lift(expr.function, True, eq, out, taken)
        total = sp.Sum(body, *expr.limits)
        return total if linear else _named(total, eq, out, taken)
    if not expr.args or not expr.has(sp.Sum):
        return expr
    inner = linear and isinstance(expr, (sp.Add, sp.Mul))
    return expr.func(*(_lift(a, inner, eq, out, taken) for a in expr.args))


def _named(total: sp.Sum, eq: Equation, out: list[Equation], taken: set) -> sp.Expr:
    """A new intermediate holding ``total`` over the free indices it uses; ``total`` itself when it
    uses an index bound outside it (an enclosing sum) or none at all."""
    free = [i for i in eq.free if i in total.free_symbols]
    if not free or total.free_symbols & _bound_outside(eq, total):
        return total
    k = 0
    while f"{eq.array.label}_sum{k}" in taken:
        k += 1
    name = f"{eq.array.label}_sum{k}"
    taken |= {name, f"d{name}"}
    shape = tuple(s for i, s in zip(eq.free, eq.array.shape) if i in free)
    a = array(name, shape)
    out.append(Equation(a[tuple(free)], total))
    return a[tuple(free)]


def _bound_outside(eq: Equation, total: sp.Sum) -> set[sp.Symbol]:
    """Indices bound by the sums of ``eq`` that enclose ``total``."""
    found: set[sp.Symbol] = set()

    def walk(e: sp.Basic, bound: set) -> None:
        if e == total:
            found.update(bound)
            return
        if isinstance(e, sp.Sum):
            bound = bound | {v for v, *_ in e.limits}
        for a in e.args:
            walk(a, bound)

    walk(eq.rhs, set())
    return found
