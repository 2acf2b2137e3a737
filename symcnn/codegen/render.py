"""Rendering: IR modules → Python source, through the Jinja templates in ``templates/``
(:func:`symcnn.paths.templates_dir`).

The templates hold the scaffolding (header, imports, contract, decorators,
the shape of a loop nest or an einsum call); everything that varies with the
layer comes from the IR. Rendering is pure: same IR, same text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import jinja2
import sympy as sp

from .. import __version__
from ..backends import BACKENDS
from ..errors import GeneratedCodeError
from . import loops as L
from . import text as _text
from .block import Blocked
from .emit import source
from .ir import Kernel, Loop, Module, RecordKernel
from .layout import wrap_long_lines
from .text import TEMPLATES, docstring, environment, kernel_docstring, schedule_docstrings, source_text
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
    return {"symcnn": __version__, "sympy": sp.__version__}


@dataclass(frozen=True)
class _Free:
    """A free-index loop as the templates see it."""

    index: str
    extent: str
    parallel: bool = False
    factor: str = ""  #: the extent as a factor of a product (collapsed loops)

    @property
    def range(self) -> str:
        return f"{'prange' if self.parallel else 'range'}({self.extent})"


def render_numba_kernel(k: Kernel | RecordKernel, layer: str = "", block: Blocked | None = None) -> str:
    """Kernel ``k`` as Numba source; with ``block``, its register-blocked variant comes first in the
    dispatch, printed from its loop tree and compiled with LLVM's SLP vectoriser
    (:mod:`symcnn.support.vector`)."""
    macros = template("numba_kernels.j2").module
    doc = kernel_docstring(k, layer)
    if isinstance(k, RecordKernel):
        blocked = 2 if k.op == "block_argmax" else 1
        # records over whole feature maps (batch, channel, height, width) run their batch in parallel
        lead = [
            _Free(f"_i{a}", f"{k.source}.shape[{a}]", parallel=a == 0 and k.rank >= 4)
            for a in range(k.rank - blocked)
        ]
        return str(macros.record(k, doc, lead)).rstrip("\n")
    extent = k.extent
    loops = [_Free(f, extent[f], factor=extent[f].factor) for f in k.outer]
    inner = [_Free(f, extent[f], factor=extent[f].factor) for f in k.inner]
    terms = [(t, "=" if n == k.init else "+=") for n, t in enumerate(k.terms)]
    terms.sort(key=lambda pair: pair[1] != "=")  # the initialising term first
    flags = ["cache=True"]
    if k.parallel:
        flags.append("parallel=True")
    if any(t.loops for t in k.terms):
        flags.append(f"fastmath={FASTMATH}")
    docs = schedule_docstrings(k) if k.window else {}
    blocked = None
    if block is not None:
        blocked = {"cond": source(L.If(block.conds, ())).removeprefix("if ").removesuffix(":\n    pass"),
                   "name": block.kernel.name, "note": block.note,
                   "text": f"@_slp\n@njit(cache=True, parallel=True, fastmath={FASTMATH_BLOCK})\n"
                           + source(block.kernel)}
    return str(macros.kernel(k, doc, docs, loops, inner, terms, ", ".join(flags), blocked)).rstrip("\n")


def _numba_or_ufuncs(k: Kernel | RecordKernel, m: Module, blocks: Mapping[str, Blocked]) -> str:
    """The Numba kernel, or for a large elementwise kernel (one worth a parallel loop) calling a
    function LLVM cannot vectorise (``m.scalar_only``, from the derivation), the NumPy backend's
    kernel (ufuncs over whole arrays, :mod:`.ufuncs`)."""
    plain = isinstance(k, Kernel) and k.parallel and len(k.terms) == 1
    if plain and not k.terms[0].loops and not k.terms[0].guards and k.name in m.scalar_only:
        vk = vectorize(k)
        if vk.whole_arrays:
            return render_vectorized(vk, m.layer)
    return render_numba_kernel(k, m.layer, blocks.get(k.name))


def render_module(m: Module, backend: str, blocks: Mapping[str, Blocked] | None = None) -> str:
    """One generated module, ``<layer>_<backend>.py``; ``blocks``: the register-blocked variants of
    its kernels by name (:mod:`.variants`), which the Numba backend dispatches to first."""
    every = m.forward + m.backward + m.evaluate + m.update
    if backend == "numba":
        kernels = [_numba_or_ufuncs(k, m, blocks or {}) for k in every]
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
