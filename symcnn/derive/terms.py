"""Bounded sums: the form every derived gradient is brought to.

A :class:`Term` is ``Σ_{i1=lo1}^{hi1} … Σ_{ik=lok}^{hik} [guards] · body`` where
each lower bound is the ``max`` of a tuple of affine expressions and each upper
bound the ``min``; the body holds no ``Sum`` and no ``KroneckerDelta``. A
:class:`Gradient` is ``target[free] = Σ terms``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import sympy as sp


@dataclass(frozen=True)
class Bound:
    """One summation index with its lower bounds (``max``) and upper bounds (``min``).

    ``declared`` keeps the range the index was declared with: a conservative
    range used when reasoning about bounds of inner sums.
    """

    index: sp.Symbol
    lower: tuple[sp.Expr, ...]
    upper: tuple[sp.Expr, ...]
    declared: tuple[sp.Expr, sp.Expr]

    @cached_property
    def lo(self) -> sp.Expr:
        return self.lower[0] if len(self.lower) == 1 else sp.Max(*self.lower)

    @cached_property
    def hi(self) -> sp.Expr:
        return self.upper[0] if len(self.upper) == 1 else sp.Min(*self.upper)

    def subs(self, old: sp.Expr, new: sp.Expr) -> Bound:
        return replace(
            self,
            lower=tuple(sp.expand(e.subs(old, new)) for e in self.lower),
            upper=tuple(sp.expand(e.subs(old, new)) for e in self.upper),
        )


@dataclass(frozen=True)
class Term:
    """``Σ_sums [guards] body``; ``guards`` are relations that must hold for the term to count."""

    sums: tuple[Bound, ...]
    body: sp.Expr
    guards: tuple[sp.Basic, ...] = ()

    @property
    def indices(self) -> tuple[sp.Symbol, ...]:
        return tuple(b.index for b in self.sums)

    def as_expr(self) -> sp.Expr:
        """The term as a SymPy ``Sum`` (guards as a ``Piecewise``), for proofs and printing."""
        body = self.body
        if self.guards:
            body = sp.Piecewise((body, sp.And(*self.guards)), (0, True))
        for b in reversed(self.sums):
            body = sp.Sum(body, (b.index, b.lo, b.hi))
        return body


@dataclass(frozen=True)
class Gradient:
    """``target[free] = Σ_t terms[t]``: one derived equation of the backward pass.

    ``wrt`` names the array it is the gradient of; ``ranges`` gives each free
    index its range ``(0, extent - 1)``.
    """

    target: sp.IndexedBase
    wrt: str
    free: tuple[sp.Symbol, ...]
    terms: tuple[Term, ...]

    @property
    def lhs(self) -> sp.Indexed:
        return self.target[self.free] if self.free else self.target

    def rhs(self) -> sp.Expr:
        return sp.Add(*(t.as_expr() for t in self.terms))

    @property
    def ranges(self) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
        return {f: (sp.S.Zero, s - 1) for f, s in zip(self.free, self.target.shape)}

    def _repr_latex_(self) -> str:
        """Typeset in a notebook (Jupyter calls this): the gradient as display math, ``=`` aligned."""
        rhs = " + ".join(term_latex(t) for t in self.terms) if self.terms else "0"
        return f"$$\\begin{{aligned}}\n{sp.latex(self.lhs)} &= {rhs}\n\\end{{aligned}}$$"


def bound_latex(b: Bound) -> str:
    """One bounded sum's sign: ``\\sum_{a=\\max(0, …)}^{\\min(…)}``."""
    lo = sp.latex(b.lower[0]) if len(b.lower) == 1 else sp.latex(sp.Max(*b.lower))
    hi = sp.latex(b.upper[0]) if len(b.upper) == 1 else sp.latex(sp.Min(*b.upper))
    return rf"\sum_{{{sp.latex(b.index)}={lo}}}^{{{hi}}}"


def term_latex(t: Term) -> str:
    """One term in LaTeX: its sums outermost first, its guards, its body."""
    parts = [bound_latex(b) for b in t.sums]
    if t.guards:
        parts.append(r"\left[" + r" \wedge ".join(sp.latex(g) for g in t.guards) + r"\right]")
    parts.append(sp.latex(t.body))
    return " ".join(parts)


def gradient_latex(g: Gradient) -> str:
    """One gradient in LaTeX: ``lhs = term + term …``."""
    rhs = " + ".join(term_latex(t) for t in g.terms) if g.terms else "0"
    return f"{sp.latex(g.lhs)} = {rhs}"
