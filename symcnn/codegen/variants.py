"""The register-blocked variants of a layer's kernels, chosen by the target (:mod:`.block`) [B7], [B12].

A kernel the Numba backend already dispatches by the sizes (one with a
window schedule) whose plain nest (:mod:`.freeze`) the passes of
:func:`.block.outer_product` accept gets a ``<kernel>_block`` variant, sized
by :attr:`.target.Target.outer` (and, for each wider ISA the folder carries,
:func:`.target.carried`, a ``<kernel>_block<bits>`` variant sized for it, run
where the machine's vectors are that wide: :data:`VECTOR_BITS`); one whose nest the passes of
:func:`.gradblock.kernel_gradient` accept instead (a 'same' convolution's
kernel gradient) gets one sized by :attr:`.target.Target.gradient`. The
dispatch runs it first where its conditions hold. Every other kernel has none.
"""

from __future__ import annotations

from collections.abc import Callable

from ..derive.engine import Derivation
from . import loops as L
from .block import Blocked, outer_product
from .freeze import freeze
from .gradblock import kernel_gradient
from .ir import Kernel, Module
from .passes import outlined
from .plain import kernel_trees
from .target import Target, carried
from .validblock import valid_outer_product
from .validgrad import valid_kernel_gradient

__all__ = ["VECTOR_BITS", "blocked_variants", "shapes"]

#: The module constant holding the width of this machine's vector registers, in bits
#: (:func:`symcnn.support.vector.vector_bits`, read at import).
VECTOR_BITS = "_VECTOR_BITS"

#: The lines the variant's docstring starts with: an outer product's, a kernel gradient's.
DOC = ("One schedule of {name}, which picks it by the sizes: register-blocked outer",
       "products (codegen/block.py).")
DOC_VALID = ("One schedule of {name}, which picks it by the sizes: register-blocked outer",
             "products over shifted copies of the input (codegen/validblock.py).")
#: The narrowest vectors a valid convolution's block is carried for: on Zen 4 its 8 × 8 block (for
#: 256-bit vectors) ran no faster than the inner products it would replace (:mod:`.validblock`).
VALID_BITS = 512
DOC_VALID_GRADIENT = ("One schedule of {name}, which picks it by the sizes: register-blocked lane",
                      "sums over shifted copies of the input (codegen/validgrad.py).")
DOC_GRADIENT = ("One schedule of {name}, which picks it by the sizes: register-blocked lane",
                "sums over images and positions (codegen/gradblock.py).")


def shapes(d: Derivation, seeds: bool = False) -> dict[str, tuple[L.Expr, ...]]:
    """Every array's shape of the layer and its gradients (and, with ``seeds``, of its outputs'
    sensitivities, which the backward pass is given), frozen."""
    layer = d.layer
    arrays = [*layer.inputs, *layer.params, *layer.constants, *layer.outputs,
              *layer.intermediates, *(d.seeds if seeds else ()), *(g.target for g in d.gradients)]
    return {str(a.label): tuple(freeze(s) for s in a.shape) for a in arrays}


def blocked_variants(d: Derivation, module: Module, target: Target) -> dict[str, tuple[Blocked, ...]]:
    """The blocked variants of each kernel of ``module`` that has any, by kernel name, in the order the
    dispatch tries them: widest vectors first."""
    windowed = {k.name for k in (*module.forward, *module.backward) if isinstance(k, Kernel) and k.window}
    if not windowed:
        return {}
    sizes = shapes(d)
    out: dict[str, tuple[Blocked, ...]] = {}
    for tree in kernel_trees(d, module):
        if isinstance(tree, L.Kernel) and tree.name in windowed:
            found = (_outer_products(tree, sizes, target) or _valid_outer_products(tree, sizes, target)
                     or _kernel_gradient(tree, sizes, target) or _valid_kernel_gradient(tree, sizes, target))
            if found:
                out[tree.name] = found
    return out


def _outer_products(tree: L.Kernel, sizes: dict, target: Target) -> tuple[Blocked, ...]:
    """``tree``'s outer-product blocks (:func:`.block.outer_product`), one for each target the folder
    carries."""
    return _per_target(tree, target, "outer", DOC,
                       lambda t, name: outer_product(tree, sizes, *t.outer, name))


def _valid_outer_products(tree: L.Kernel, sizes: dict, target: Target) -> tuple[Blocked, ...]:
    """``tree``'s outer-product blocks as a valid convolution (:func:`.validblock.valid_outer_product`),
    one for each target the folder carries whose vectors are at least :data:`VALID_BITS` wide."""
    return _per_target(tree, target, "outer", DOC_VALID,
                       lambda t, name: valid_outer_product(tree, sizes, *t.outer, name), VALID_BITS)


def _kernel_gradient(tree: L.Kernel, sizes: dict, target: Target) -> tuple[Blocked, ...]:
    """``tree``'s kernel-gradient blocks (:func:`.gradblock.kernel_gradient`), one for each target the
    folder carries."""
    return _per_target(tree, target, "gradient", DOC_GRADIENT,
                       lambda t, name: kernel_gradient(tree, sizes, *t.gradient, name))


def _valid_kernel_gradient(tree: L.Kernel, sizes: dict, target: Target) -> tuple[Blocked, ...]:
    """``tree``'s kernel-gradient block as a valid convolution's (:func:`.validgrad.valid_kernel_gradient`),
    sized by :attr:`.target.Target.valid_gradient`."""
    b = valid_kernel_gradient(tree, sizes, *target.valid_gradient, f"{tree.name}_block")
    return () if b is None else (_documented(b, tree, DOC_VALID_GRADIENT),)


def _per_target(tree: L.Kernel, target: Target, block: str, lines: tuple[str, str],
                build: Callable[[Target, str], Blocked | None], narrowest: int = 0) -> tuple[Blocked, ...]:
    """The variant ``build`` makes of ``tree`` for each target carried for ``block``
    (:func:`.target.carried`) whose vectors are at least ``narrowest`` bits wide, widest first; those
    of targets wider than ``target`` run only where the machine's vectors are as wide
    (:data:`VECTOR_BITS`). None if one is refused."""
    out = []
    for t in carried(target, block):
        if t.vector_bits < narrowest:
            continue
        name = f"{tree.name}_block" if t is target else f"{tree.name}_block{t.vector_bits}"
        b = build(t, name)
        if b is None:
            return ()
        doc = lines
        if t is not target:
            wide = L.Cmp(">=", L.Var(VECTOR_BITS), L.Int(t.vector_bits))
            b = Blocked(b.kernel, (wide, *b.conds), f"{t.vector_bits}-bit vectors")
            doc = (lines[0], f"{lines[1][:-1]}, sized for {t.vector_bits}-bit vectors.")
        out.append(_documented(b, tree, doc))
    return tuple(out)


def _documented(b: Blocked, tree: L.Kernel, lines: tuple[str, str]) -> Blocked:
    """``b`` with its docstring (``lines``, then the equation ``tree`` documents) and the body of its
    parallel loop outlined (:func:`.passes.outlined`)."""
    doc = (lines[0].format(name=tree.name), lines[1], *tree.doc[1:])
    named = L.Kernel(b.kernel.name, b.kernel.params, b.kernel.body, doc)
    kernel, body = outlined(named, f"{b.kernel.name}_one")
    return Blocked(kernel, b.conds, b.note, body)
