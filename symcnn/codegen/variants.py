"""The register-blocked variants of a layer's kernels, chosen by the target (:mod:`.block`) [B7], [B12].

A kernel the Numba backend already dispatches by the sizes (one with a
window schedule) whose plain nest (:mod:`.freeze`) the passes of
:func:`.block.outer_product` accept gets a ``<kernel>_block`` variant, sized
by :attr:`.target.Target.outer`; the dispatch runs it first where its
conditions hold. Every other kernel has none.
"""

from __future__ import annotations

from ..derive.engine import Derivation
from . import loops as L
from .block import Blocked, outer_product
from .freeze import freeze
from .ir import Kernel, Module
from .plain import kernel_trees
from .target import Target

__all__ = ["blocked_variants", "shapes"]

#: The lines the variant's docstring starts with.
DOC = ("One schedule of {name}, which picks it by the sizes: register-blocked outer",
       "products (codegen/block.py).")


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
            b = outer_product(tree, sizes, maps, positions, f"{tree.name}_block")
            if b is not None:
                doc = (DOC[0].format(name=tree.name), DOC[1], *tree.doc[1:])
                kernel = L.Kernel(b.kernel.name, b.kernel.params, b.kernel.body, doc)
                out[tree.name] = Blocked(kernel, b.conds)
    return out
