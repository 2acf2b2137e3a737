"""The plain schedule: every kernel as the derived bounded sum, one loop per index.

``symcnn derive --schedule plain --out DIR`` writes ``<layer>_plain.py``: the
contract and drivers of the fast modules, and kernels that are the equation of
their docstring read as code. A free index of the target is a ``for`` loop
over its extent; each term's sums are ``for`` loops over their derived bounds
(``max`` of the lower ends, ``min`` of the upper ends), outermost first; a
term's guards are an ``if``; its body is added to an accumulator, which is
stored in the target. Nothing is interchanged, hoisted, packed or vectorised,
so a fast kernel that disagrees with its plain twin is wrong.

The kernels are the loop trees :mod:`.freeze` lowers, printed by :mod:`.emit`
with no pass between. Forward records (block arg-max, row maximum) are the
NumPy backend's, which are short loops already.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..derive.cache import spec_hash
from ..derive.engine import Derivation, forward_terms
from ..derive.show import forward_text, gradient_text
from . import loops
from .emit import source
from .freeze import nest
from .ir import Kernel, Module, RecordKernel
from .layout import wrap_long_lines
from .lower import lower, update_equation
from .passes import Pass
from .render import tidy, versions
from .text import environment, kernel_docstring_lines
from .vectorize import render_numpy_kernel

SCHEDULE = "plain"


def kernel_trees(d: Derivation, module: Module) -> tuple[loops.Kernel | RecordKernel, ...]:
    """Every kernel of ``module`` in order: each equation and each gradient as its plain loop nest
    (:func:`.freeze.nest`), its indices named as ``module`` names them; a forward record stays the fast
    IR's record."""
    layer = d.layer
    out: list[loops.Kernel | RecordKernel] = []
    equations = iter(layer.equations)
    for k in module.forward:
        if isinstance(k, RecordKernel):
            out.append(k)
            continue
        eq = next(equations)
        out.append(_tree(k, layer.name, eq.array, eq.free, forward_terms(layer, eq), forward_text(eq)))
    for k, g in zip(module.backward, d.gradients, strict=True):
        out.append(_tree(k, layer.name, g.target, g.free, g.terms, gradient_text(g)))
    for k, eq in zip(module.evaluate, layer.evaluation, strict=True):  # a layer with state's other mode
        out.append(_tree(k, layer.name, eq.array, eq.free, forward_terms(layer, eq), forward_text(eq)))
    for k, b in zip(module.update, layer.buffers, strict=True):  # each into ``_next_B``, as the fast one
        into = update_equation(b.update)
        out.append(_tree(k, layer.name, into.array, into.free, forward_terms(layer, into),
                         forward_text(b.update)))
    return tuple(out)


def _tree(k: Kernel, layer: str, target, free, terms, formula: str) -> loops.Kernel:
    doc = kernel_docstring_lines(dataclasses.replace(k, formula=formula), layer)
    tree = nest(k.name, k.args, target, free, terms, tuple(doc))
    return loops.rename(tree, dict(k.renamed))  # the names the fast kernel gives its indices


def plain_module(d: Derivation, module: Module | None = None, passes: Sequence[Pass] = ()) -> str:
    """``<layer>_plain.py`` for one derivation (``module``: its lowering, where already made).

    ``passes``, applied to every loop nest in order, make it another schedule of the same kernels;
    ``--schedule plain`` is none.
    """
    layer = d.layer
    module = lower(d, spec_hash(d.written)) if module is None else module
    kernels: list[str] = []
    for tree in kernel_trees(d, module):
        if isinstance(tree, RecordKernel):
            kernels.append(render_numpy_kernel(tree, layer.name))
            continue
        for step in passes:
            tree = step(tree)
        kernels.append(source(tree))
    kernels_of = (*module.forward, *module.backward, *module.evaluate, *module.update)
    plain = {k.name: dataclasses.replace(k, window=None, tile=None)
             for k in kernels_of if not isinstance(k, RecordKernel)}
    m = dataclasses.replace(
        module,
        forward=tuple(plain.get(k.name, k) for k in module.forward),
        backward=tuple(plain[k.name] for k in module.backward),
        evaluate=tuple(plain[k.name] for k in module.evaluate),
        update=tuple(plain[k.name] for k in module.update),
    )
    text = environment().get_template("plain.py.j2").render(
        m=m, backend=SCHEDULE, kernels=kernels, versions=versions(),
        ops=any("_ops." in k for k in kernels),  # a record the NumPy backend's operations compute
    )
    return wrap_long_lines(tidy(text))


def render_plain(derivations: list[Derivation]) -> dict[str, str]:
    """Every plain module, by file name: ``<layer>_plain.py``."""
    return {f"{d.layer.name}_{SCHEDULE}.py": plain_module(d) for d in derivations}
