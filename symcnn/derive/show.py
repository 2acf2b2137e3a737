"""Print a layer's forward equations and derived gradients, as plain text or LaTeX.

Sums print outermost first, the way the paper writes them:
``dX[n, i, p, q] = Σ_{j=0}^{M-1} Σ_{a=max(0, p-Ho+1)}^{min(KH-1, p)} …``.
What a notebook shows of a derivation (typeset math) is :mod:`.typeset`'s.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from ..model.layer import Equation, Layer
from .engine import Derivation
from .terms import Bound, Gradient, Term, gradient_latex, term_latex

__all__ = ["equation_text", "evaluation_text", "forward_text", "gradient_latex", "gradient_text", "show",
           "term_latex", "term_text", "update_text"]


class _Printer(StrPrinter):
    """SymPy's text printer, with ``floor`` arguments kept as one fraction and sums written with Σ."""

    def _print_Sum(self, expr: sp.Sum) -> str:
        heads = [f"Σ_{{{i}={self._print(lo)}}}^{{{self._print(hi)}}}" for i, lo, hi in expr.limits]
        return " ".join([*heads, self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)])

    def parenthesize(self, item, level, strict=False) -> str:
        """A sum inside a product or a power is bracketed: ``(Σ_{k=0}^{O - 1} e)/2``."""
        if isinstance(item, sp.Sum) and level >= PRECEDENCE["Mul"]:
            return f"({self._print(item)})"
        return super().parenthesize(item, level, strict)

    def _print_floor(self, expr: sp.floor) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"floor({self._print(num)})"
        prec = precedence(sp.Mul(num, 1 / den, evaluate=False))
        return f"floor({self.parenthesize(num, prec)}/{self.parenthesize(den, prec + 1)})"

    def _print_Sum(self, expr: sp.Sum) -> str:
        """``Σ_{i=0}^{C - 1} Σ_{a=0}^{KH - 1} body``, the notation of the derived gradients."""
        sums = " ".join(f"Σ_{{{self._print(i)}={self._print(lo)}}}^{{{self._print(hi)}}}"
                        for i, lo, hi in expr.limits)
        return f"{sums} {self.parenthesize(expr.function, PRECEDENCE['Mul'], strict=True)}"


def _text(e: sp.Basic) -> str:
    return _Printer().doprint(e)


def _bound_text(b: Bound) -> str:
    lo = _text(b.lower[0]) if len(b.lower) == 1 else f"max({', '.join(map(_text, b.lower))})"
    hi = _text(b.upper[0]) if len(b.upper) == 1 else f"min({', '.join(map(_text, b.upper))})"
    return f"Σ_{{{b.index}={lo}}}^{{{hi}}}"


def term_text(t: Term) -> str:
    """One term as ``Σ_{i=lo}^{hi} … [guards] body``."""
    parts = [_bound_text(b) for b in t.sums]
    if t.guards:
        parts.append("[" + " ∧ ".join(_text(g) for g in t.guards) + "]")
    parts.append(_text(t.body))
    return " ".join(parts)


def gradient_text(g: Gradient) -> str:
    rhs = " + ".join(term_text(t) for t in g.terms) if g.terms else "0"
    return f"{_text(g.lhs)} = {rhs}"


def forward_text(eq: Equation) -> str:
    """One forward equation as text, its sums written with Σ as the gradients' are."""
    return f"{_text(eq.lhs)} = {_text(eq.rhs)}"


def equation_text(layer: Layer, latex: bool = False) -> list[str]:
    out = []
    for eq in layer.equations:
        if latex:
            out.append(f"{sp.latex(eq.lhs)} = {sp.latex(eq.rhs)}")
        else:
            out.append(forward_text(eq))
    return out


def update_text(layer: Layer, latex: bool = False) -> list[str]:
    """Each buffer's update rule, applied after a training forward pass, and its starting value:
    ``RM[c] ← 0.1*Mean[c] + 0.9*RM[c]    (initially 0.0)``."""
    out = []
    for b in layer.buffers:
        eq = b.update
        if latex:
            out.append(f"{sp.latex(eq.lhs)} \\leftarrow {sp.latex(eq.rhs)}"
                       f" \\qquad (\\text{{initially }} {sp.latex(sp.Float(b.init))})")
        else:
            out.append(f"{_text(eq.lhs)} ← {_text(eq.rhs)}    (initially {float(b.init)!r})")
    return out


def evaluation_text(layer: Layer, latex: bool = False) -> list[str]:
    """The equations evaluation mode runs instead of the training ones (they read the buffers)."""
    return [f"{sp.latex(eq.lhs)} = {sp.latex(eq.rhs)}" if latex else forward_text(eq)
            for eq in layer.evaluation]


def show(d: Derivation, latex: bool = False) -> str:
    """The whole derivation of one layer, for ``symcnn derive --show``."""
    layer = d.layer
    lines = [f"layer {layer.name}" + (f"  [{layer.label}]" if layer.label else "")]
    if layer.doc:
        lines.append(f"  {layer.doc}")
    lines.append("forward:")
    lines += [f"  {e}" for e in equation_text(layer, latex)]
    for r in layer.records:
        lines.append(f"  {r.array.label} = {r.op}({r.source.label}, {r.factor})  (recorded)")
    lines.append("backward:")
    for g in d.gradients:
        lines.append("  " + (gradient_latex(g) if latex else gradient_text(g)))
    if layer.buffers:
        lines.append("buffer updates (after each training forward pass):")
        lines += [f"  {e}" for e in update_text(layer, latex)]
    if layer.evaluation:
        lines.append("evaluation (instead of the forward equations, reading the buffers):")
        lines += [f"  {e}" for e in evaluation_text(layer, latex)]
    if layer.init:
        lines.append("initial parameters: " + ", ".join(f"{p} = {v!r}" for p, v in layer.init))
    return "\n".join(lines)

