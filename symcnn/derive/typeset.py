"""What a notebook shows of a derivation: its equations typeset, in one aligned display block.

A :class:`~symcnn.derive.engine.Derivation` is displayed through its ``_repr_latex_`` and
``_repr_markdown_`` (Jupyter calls them), which are :func:`display_latex` and
:func:`display_markdown`: the forward equations, the recorded arrays, then the derived
gradients in the order the backward pass computes them, each ``=`` under the one before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from ..model.layer import Layer
from .terms import Gradient, term_latex

_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "_": r"\_", "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#",
                 "&": r"\&", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def tex_text(text: str) -> str:
    """``text`` as LaTeX text-mode content: ``block_argmax`` → ``block\\_argmax``."""
    return "".join(_TEXT_ESCAPES.get(c, c) for c in text)


def _records(layer: Layer) -> list[str]:
    return [rf"{sp.latex(r.array)} &= \operatorname{{{tex_text(r.op)}}}\left({sp.latex(r.source)}, "
            rf"{sp.latex(r.factor)}\right) && \text{{(recorded)}}" for r in layer.records]


def display_latex(layer: Layer, gradients: Sequence[Gradient]) -> str:
    """The layer's forward equations and its derived ``gradients`` as one LaTeX ``aligned`` block
    (without ``$$``)."""
    rows = [r"&\text{forward}", *(f"{sp.latex(eq.lhs)} &= {sp.latex(eq.rhs)}" for eq in layer.equations),
            *_records(layer), r"&\text{backward}"]
    for g in gradients:
        rhs = " + ".join(term_latex(t) for t in g.terms) if g.terms else "0"
        rows.append(f"{sp.latex(g.lhs)} &= {rhs}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def display_markdown(layer: Layer, gradients: Sequence[Gradient]) -> str:
    """For a notebook's Markdown: the layer's name, label and doc line, then :func:`display_latex`
    as display math."""
    title = f"**layer `{layer.name}`**" + (f" [{layer.label}]" if layer.label else "")
    doc = f" — {layer.doc}" if layer.doc else ""
    return f"{title}{doc}\n\n$$\n{display_latex(layer, gradients)}\n$$\n"
