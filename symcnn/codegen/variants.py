"""The register-blocked variants of a layer's kernels, chosen by the target (:mod:`.block`) [B7], [B12].

A kernel the Numba backend already dispatches by the sizes (one with a
window schedule) whose plain nest (:mod:`.freeze`) the passes of
:func:`.block.outer_product` accept gets a ``<kernel>_block`` variant, sized
by :attr:`.target.Target.outer`; one whose nest the passes of
:func:`.gradblock.kernel_gradient` accept instead (a 'same' convolution's
kernel gradient) gets one sized by :attr:`.target.Target.gradient`. The
dispatch runs it first where its conditions hold. Every other kernel has none.
"""

from __future__ import annotations

from ..derive.engine import Derivation
from . import loops as L
from .block import Blocked, outer_product
from .freeze import freeze
from .gradblock import kernel_gradient
from .ir import Kernel, Module
from .plain import kernel_trees
from .target import Target

__all__ = ["blocked_variants", "shapes"]

#: The lines the variant's docstring starts with: an outer product's, a kernel gradient's.
DOC = ("One schedule of {name}, which picks it by the sizes: register-blocked outer",
       "products (codegen/block.py).")
DOC_GRADIENT = ("One schedule of {name}, which picks it by the sizes: register-blocked lane",
                "sums over images and positions (codegen/gradblock.py).")


def shapes(d: Derivation) -> dict[str, tuple[L.Expr, ...]]:
    """Every array's shape of the layer and its gradients, frozen."""
    layer = d.layer
    arrays = [*layer.inputs, *layer.params, *layer.constants, *layer.outputs,
                                    *layer.intermediates, *(g.target for g in d.gradients)]
    return {str(a.label): tuple(freeze(s) for s in a.shape) for a in arrays}


def blocked_variants(d: Derivation, module: Module, target: Target) -> dict[str, Blocked]:
    """The blocked variant of each kernel of ``module`` that has one, by kernel name."""
    windowed = {k.name for k in (*module.forward, *module.backward) if isinstance(k, Kernel) and k.window}
    if not windowed:
        return {}
    sizes = shapes(d)
    maps, positions = target.outer
    out: dict[str, Blocked] = {}
    for tree in kernel_trees(d, module):
        if isinstance(tree, L.Kernel) and tree.name in windowed:
            b, lines = outer_product(tree, sizes, maps, positions, f"{tree.name}_block"), DOC
            if b is None:
                b, lines = kernel_gradient(tree, sizes, *target.gradient, f"{tree.name}_block"), DOC_GRADIENT
            if b is not None:
                doc = (lines[0].format(name=tree.name), lines[1], *tree.doc[1:])
                kernel = L.Kernel(b.kernel.name, b.kernel.params, b.kernel.body, doc)
                out[tree.name] = Blocked(kernel, b.conds, b.note)
    return out
