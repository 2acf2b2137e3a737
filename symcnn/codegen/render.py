"""Rendering: IR modules → Python source, through the Jinja templates in ``templates/``
(:func:`symcnn.paths.templates_dir`).

The templates hold the scaffolding (header, imports, contract, drivers, the
shape of an einsum call); every Numba kernel is printed from a loop tree
(:mod:`.emit`): its plain nest after the passes of :func:`tree_passes`, or the
schedule the fast IR records for it (:mod:`.schedule_tree`). Rendering is
pure: same IR, same text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from importlib.metadata import version

import jinja2

from .. import __version__
from ..backends import BACKENDS
from ..errors import GeneratedCodeError
from . import loops as L
from . import records
from . import schedule_tree as S
from . import text as _text
from .block import Blocked
from .emit import source
from .ir import Kernel, Loop, Module, RecordKernel, Reduction
from .layout import wrap_long_lines
from .passes import Pass, common, hoist, in_place, merged_rows, parallel, specialized, typed_locals
from .records import record_tree
from .text import (
    TEMPLATES,
    docstring,
    environment,
    kernel_docstring_lines,
    schedule_docstring_lines,
    source_text,
)
from .vectorize import render_numpy_kernel, render_vectorized, vectorize

#: LLVM flags for Numba kernels with sums: reassociation lets a float sum vectorise; nothing
#: that changes NaN or Inf handling.
FASTMATH = '{"contract", "reassoc"}'
#: LLVM flags for a register-blocked kernel (:mod:`.block`): multiply-adds fused, nothing reassociated
#: (with ``reassoc`` LLVM vectorises the contraction loop as a reduction instead of the block's scalars).
FASTMATH_BLOCK = '{"contract"}'


def template(name: str) -> jinja2.Template:
    """A template by file name; a missing one is a :class:`GeneratedCodeError` naming the folder."""
    try:
        return environment().get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise GeneratedCodeError(f"{_text.TEMPLATES}: template {exc.name} is missing; reinstall symcnn") \
            from exc


def versions() -> dict[str, str]:
    return {"symcnn": __version__, "sympy": version("sympy")}


def render_numba_kernel(k: Kernel | RecordKernel, layer: str = "", blocks: tuple[Blocked, ...] = (),
                        tree: L.Kernel | None = None, shapes: Mapping[str, tuple[L.Expr, ...]] | None = None,
                        hyper: tuple[str, ...] = ()) -> str:
    """Kernel ``k`` as Numba source; with ``blocks``, its register-blocked variants come first in the
    dispatch, printed from its loop tree and compiled with LLVM's SLP vectoriser
    (:mod:`symcnn.support.vector`). ``tree``: its plain nest (:mod:`.freeze`), which a kernel that
    :func:`tree_passes` schedules is printed from, after those passes; any other kernel is printed
    from the tree of the schedule the fast IR records (:func:`schedule_source`). ``shapes``: the
    layer's arrays' extents, by name, which :func:`.passes.merged_rows` reads; ``hyper``: the layer's
    hyper-parameters, which :func:`finished` specialises."""
    if isinstance(k, RecordKernel):
        return record_source(k, layer)
    passes = tree_passes(k)
    if passes is not None:
        if tree is None:
            raise ValueError(f"{k.name}: this kernel is printed from its plain nest: none given")
        for step in passes:
            tree = step(tree)
        return _njit(k) + source(finished(tree, shapes, hyper))
    return schedule_source(k, layer, blocks, shapes, hyper)


def schedule_source(k: Kernel, layer: str = "", blocks: tuple[Blocked, ...] = (),
                    shapes: Mapping[str, tuple[L.Expr, ...]] | None = None,
                    hyper: tuple[str, ...] = ()) -> str:
    """Kernel ``k`` with the schedule the fast IR records for it (:mod:`.schedule_tree`), as Numba
    source: one compiled function, or for a window a Python function picking one of its compiled
    schedules by the sizes (``blocks``' variants first). A kernel of one function is
    :func:`finished`."""
    njit = _njit(k)
    args = k.args
    doc = tuple(kernel_docstring_lines(k, layer))
    if not k.window:
        return njit + source(finished(L.Kernel(k.name, args, S.body(k), doc), shapes, hyper))
    w, docs = k.window, schedule_docstring_lines(k)
    picked = tuple((b.conds, b.note, b.kernel) for b in blocks)
    out = [source(S.dispatch(k, args, picked, doc))]
    for b in blocks:  # the parallel loop, then its body: the block, vectorised by LLVM's SLP pass
        out.append(f"@njit(cache=True, parallel=True, fastmath={FASTMATH_BLOCK})\n" + source(b.kernel))
        out.append(f"@_slp\n@njit(cache=True, fastmath={FASTMATH_BLOCK})\n" + source(b.body))
    threads = (*args, "_threads")
    if w.dot:
        out.append(njit + source(L.Kernel(f"{k.name}_dot", threads, S.dotted(k, w, w.dot), docs["dot"])))
    out.append(njit + source(L.Kernel(f"{k.name}_packed", threads, S.windowed(k, w), docs["packed"])))
    out.append(njit + source(L.Kernel(f"{k.name}_loops", args, S.body(k), docs["loops"])))
    return "\n\n\n".join(out)


def _njit(k: Kernel) -> str:
    """The decorator compiling kernel ``k``: in parallel where it has a ``prange``, with
    :data:`FASTMATH` where it sums."""
    flags = ["cache=True", *(["parallel=True"] if k.parallel else []),
             *([f"fastmath={FASTMATH}"] if any(t.loops for t in k.terms) else [])]
    return f"@njit({', '.join(flags)})\n"


def is_elementwise(k: Kernel) -> bool:
    """Whether ``k`` stores one term with no sum and no guard at each point, with no other schedule."""
    return (not k.window and not k.tile and not k.accumulate and len(k.terms) == 1
            and not k.terms[0].loops and not k.terms[0].guards)


def is_pointwise(k: Kernel) -> bool:
    """Whether ``k`` sums each point of its target in turn, its sums in their derived order: no window,
    tile, accumulation in place, partial sum, packing or jam."""
    return (not k.window and not k.tile and not k.accumulate and tuple(k.outer) == tuple(k.free)
            and all(not (t.partial or t.pack or t.fill or t.jam)
                    and [lp.index for lp in t.nest] == [lp.index for lp in t.loops] for t in k.terms))


def is_summed_in_place(k: Kernel) -> bool:
    """Whether ``k`` adds every sum straight into its target, the free loops after its ``outer`` ones
    inside the sums in their own order, the sums in their derived order and bounds, and nothing else:
    no window, tile, initialising term, partial sum, packing or jam."""
    return (not k.window and not k.tile and k.accumulate and (*k.outer, *k.inner) == tuple(k.free)
            and k.init < 0
            and all(t.loops and not (t.partial or t.pack or t.fill or t.jam) and _own_sums(t)
                    and [lp.index for lp in t.nest[len(t.loops):]] == list(k.inner) for t in k.terms))


def _own_sums(t: Reduction) -> bool:
    """Whether ``t``'s nest starts with its own sums in the order of its loops, each as it was derived
    (the same frozen sum) and none with a constraint on its indices: each runs its whole declared range."""
    own = {s.index: s for s in t.sums}
    return t.nest[: len(t.loops)] == tuple(own[lp.index] for lp in t.loops) \
        and not any(lp.constraints for lp in t.loops)


def tree_passes(k: Kernel) -> tuple[Pass, ...] | None:
    """The passes that make kernel ``k``'s plain nest (:mod:`.freeze`) its Numba schedule, or ``None``
    where it keeps the schedule the fast IR records (:mod:`.schedule_tree`): an elementwise kernel
    has its subexpressions named once and its first ``k.collapse`` free loops run over threads; a
    pointwise one (:func:`is_pointwise`) also accumulates in the target's dtype and has its factors
    hoisted out of the loops they do not depend on; one summed in place (:func:`is_summed_in_place`)
    adds into the target, its inner free loops innermost, its factors hoisted, its outer ones over
    threads as the elementwise ones. Each is then :func:`finished`."""
    if is_elementwise(k):
        return (common, parallel(k.collapse))
    if is_pointwise(k):
        return (typed_locals(k.target), hoist(k.target), common, parallel(k.collapse))
    if is_summed_in_place(k):
        return (in_place(len(k.outer)), hoist(k.target), common, parallel(k.collapse))
    return None


#: The value a hyper-parameter that is a loop's extent is specialised to (:func:`.passes.specialized`):
#: pooling by 2, the factor of every preset.
SPECIALISED = 2


def finished(tree: L.Kernel, shapes: Mapping[str, tuple[L.Expr, ...]] | None,
             hyper: tuple[str, ...] = ()) -> L.Kernel:
    """The passes every kernel of one function ends with: a body for each hyper-parameter that is a
    loop's extent at :data:`SPECIALISED` (:func:`.passes.specialized`), then, with the arrays'
    ``shapes``, a map's rows run as one loop (:func:`.passes.merged_rows`)."""
    for h in hyper:
        tree = specialized(h, SPECIALISED)(tree)
    return merged_rows(shapes)(tree) if shapes is not None else tree


def record_source(k: RecordKernel, layer: str = "") -> str:
    """Record kernel ``k`` as Numba source: its loop tree (:mod:`.records`), printed."""
    tree = record_tree(k.op, k.name, k.args, k.source, k.target, k.rank, k.frozen,
                       tuple(kernel_docstring_lines(k, layer)))
    flags = "cache=True, parallel=True" if records.parallel(k.rank) else "cache=True"
    return f"@njit({flags})\n" + source(tree)


def _numba_or_ufuncs(k: Kernel | RecordKernel, m: Module, blocks: Mapping[str, tuple[Blocked, ...]],
                     trees: Mapping[str, L.Kernel], shapes: Mapping[str, tuple[L.Expr, ...]] | None) -> str:
    """The Numba kernel, or for a large elementwise kernel (one worth a parallel loop) calling a
    function LLVM cannot vectorise (``m.scalar_only``, from the derivation), the NumPy backend's
    kernel (ufuncs over whole arrays, :mod:`.ufuncs`)."""
    plain = isinstance(k, Kernel) and k.parallel and len(k.terms) == 1
    if plain and not k.terms[0].loops and not k.terms[0].guards and k.name in m.scalar_only:
        vk = vectorize(k)
        if vk.whole_arrays:
            return render_vectorized(vk, m.layer)
    return render_numba_kernel(k, m.layer, blocks.get(k.name, ()), trees.get(k.name), shapes, m.hyper)


def render_module(m: Module, backend: str, blocks: Mapping[str, tuple[Blocked, ...]] | None = None,
                  trees: Mapping[str, L.Kernel] | None = None,
                  shapes: Mapping[str, tuple[L.Expr, ...]] | None = None) -> str:
    """One generated module, ``<layer>_<backend>.py``; ``blocks``: the register-blocked variants of
    its kernels by name (:mod:`.variants`), which the Numba backend dispatches to first; ``trees``:
    the plain nests of its kernels by name (:func:`.plain.kernel_trees`), which the Numba backend
    prints the kernels it schedules by passes from; ``shapes``: the extents of the layer's arrays."""
    every = m.forward + m.backward + m.evaluate + m.update
    if backend == "numba":
        kernels = [_numba_or_ufuncs(k, m, blocks or {}, trees or {}, shapes) for k in every]
    else:
        kernels = [render_numpy_kernel(k, m.layer) for k in every]
    used = _names_used("\n".join(kernels))
    uses = {
        "math": "math" in used,
        "prange": "prange" in used,
        "threads": backend == "numba" and any(k.window for k in every),
        "np": "np" in used,
        "ops": "_ops" in used,
        "slp": "_slp" in used,
        "vector_bits": "_VECTOR_BITS" in used,
    }
    text = template(f"{backend}.py.j2").render(
        m=m, backend=backend, kernels=kernels, uses=uses, versions=versions()
    )
    return wrap_long_lines(tidy(text))


def _names_used(source: str) -> set[str]:
    """The global names the rendered kernels ``source`` read (and ``np.<attr>`` of each NumPy
    attribute), from its syntax tree: what the module header must import."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            used.add(f"{node.value.id}.{node.attr}")
    return used


def tidy(text: str) -> str:
    """Strip trailing blanks and keep at most two blank lines in a row: deterministic, ruff-clean."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    out: list[str] = []
    blank = 0
    for ln in lines:
        blank = blank + 1 if not ln else 0
        if blank <= 2:
            out.append(ln)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


__all__ = ["BACKENDS", "TEMPLATES", "Loop", "docstring", "environment", "render_module", "source_text",
           "versions"]
