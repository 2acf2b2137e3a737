"""The plain schedule: every kernel as the derived bounded sum, one loop per index.

``symcnn derive --schedule plain --out DIR`` writes ``<layer>_plain.py``: the
contract and drivers of the fast modules, and kernels that are the equation of
their docstring read as code. A free index of the target is a ``for`` loop
over its extent; each term's sums are ``for`` loops over their derived bounds
(``max`` of the lower ends, ``min`` of the upper ends), outermost first; a
term's guards are an ``if``; its body is added to an accumulator, which is
stored in the target. Nothing is interchanged, hoisted, packed or vectorised,
so a fast kernel that disagrees with its plain twin is wrong.

Forward records (block arg-max, row maximum) are the NumPy backend's, which
are short loops already.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from ..derive.cache import spec_hash
from ..derive.engine import Derivation, forward_terms
from ..derive.show import forward_text, gradient_text
from ..derive.terms import Term
from .ir import Kernel, Module, RecordKernel
from .layout import wrap_long_lines
from .lower import lower
from .printer import scalar_code
from .render import tidy, versions
from .text import environment, kernel_docstring
from .vectorize import render_numpy_kernel

SCHEDULE = "plain"
INDENT = "    "


def _term_lines(t: Term, acc: str) -> list[str]:
    lines, depth = [], 0
    for b in t.sums:
        span = scalar_code(b.hi + 1) if b.lo == 0 else f"{scalar_code(b.lo)}, {scalar_code(b.hi + 1)}"
        lines.append(INDENT * depth + f"for {b.index} in range({span}):")
        depth += 1
    update = f"{acc} += {scalar_code(t.body)}"
    if t.guards:
        lines.append(INDENT * depth + f"if {' and '.join(scalar_code(g) for g in t.guards)}:")
        depth += 1
    lines.append(INDENT * depth + update)
    return lines


def _body(target: sp.IndexedBase, free: tuple[sp.Symbol, ...], terms: tuple[Term, ...]) -> list[str]:
    """The loop nest of ``target[free] = Σ terms``, as lines relative to the function body."""
    lines = []
    for depth, (f, extent) in enumerate(zip(free, target.shape)):
        lines.append(INDENT * depth + f"for {f} in range({scalar_code(extent)}):")
    inner = INDENT * len(free)
    where = ", ".join(str(f) for f in free) if free else "()"
    lhs = f"{target.label}[{where}]"
    if len(terms) == 1 and not terms[0].sums and not terms[0].guards:  # elementwise: no accumulator
        return lines + [inner + f"{lhs} = {scalar_code(terms[0].body)}"]
    lines.append(inner + "_acc = 0.0")
    for t in terms:
        lines += [inner + ln for ln in _term_lines(t, "_acc")]
    lines.append(inner + f"{lhs} = _acc")
    return lines


def _kernel(k: Kernel, layer: str, target, free, terms: tuple[Term, ...], formula: str) -> str:
    head = f"def {k.name}({', '.join(k.args)}):"
    doc = kernel_docstring(dataclasses.replace(k, formula=formula), layer)
    body = [INDENT + ln for ln in _body(target, free, terms)]
    return "\n".join([head, doc, *body])


def plain_module(d: Derivation, module: Module | None = None) -> str:
    """``<layer>_plain.py`` for one derivation (``module``: its lowering, where already made)."""
    layer = d.layer
    module = lower(d, spec_hash(d.written)) if module is None else module
    kernels: list[str] = []
    forward: list[Kernel | RecordKernel] = []
    equations = iter(layer.equations)
    for k in module.forward:
        if isinstance(k, RecordKernel):
            kernels.append(render_numpy_kernel(k, layer.name))
            forward.append(k)
            continue
        eq = next(equations)
        k = dataclasses.replace(k, window=None, tile=None)
        kernels.append(_kernel(k, layer.name, eq.array, eq.free, forward_terms(layer, eq), forward_text(eq)))
        forward.append(k)
    backward = []
    for k, g in zip(module.backward, d.gradients, strict=True):
        k = dataclasses.replace(k, window=None, tile=None)
        kernels.append(_kernel(k, layer.name, g.target, g.free, g.terms, gradient_text(g)))
        backward.append(k)
    m = dataclasses.replace(module, forward=tuple(forward), backward=tuple(backward))
    text = environment().get_template("plain.py.j2").render(
        m=m, backend=SCHEDULE, kernels=kernels, versions=versions()
    )
    return wrap_long_lines(tidy(text))


def render_plain(derivations: list[Derivation]) -> dict[str, str]:
    """Every plain module, by file name: ``<layer>_plain.py``."""
    return {f"{d.layer.name}_{SCHEDULE}.py": plain_module(d) for d in derivations}
