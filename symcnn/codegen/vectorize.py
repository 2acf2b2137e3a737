"""The NumPy lowering: each IR term becomes strided views of its arrays and one ``einsum``.

An access ``A[e_0, …]`` with every ``e_k`` affine in the term's indices is a
strided view ``V[u, v, …]`` of ``A`` (``as_strided``; the array is
zero-padded first where the indices leave it — the 'full' bounds of a
correlation's adjoint); an axis read at ``floor(u / n)`` is a ``repeat``
first. A term's factors become einsum operands over their indices and the
sum over its reduction indices is the einsum's contraction, which
``optimize=True`` hands to BLAS through ``tensordot``. A loop bound that
padding does not already enforce becomes a 0/1 mask operand over the
indices it mentions; guards likewise. Terms without sums are plain
broadcast expressions. No Python loop runs over pixels.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from ..errors import GeneratedCodeError
from .ir import Access, Kernel, RecordKernel, Reduction

LETTERS = string.ascii_lowercase + string.ascii_uppercase


@dataclass(frozen=True)
class VTerm:
    """One term as NumPy source: setup assignments, then an einsum or a broadcast expression.

    ``expand`` holds the target axes the result lacks (``np.expand_dims``).
    """

    setup: tuple[tuple[str, str], ...]
    spec: str
    operands: tuple[str, ...]
    expr: str
    scale: str
    expand: tuple[int, ...]


@dataclass(frozen=True)
class VKernel:
    """A kernel for the NumPy backend: the IR kernel and its terms as views and einsums."""

    kernel: Kernel
    terms: tuple[VTerm, ...]


class _Names:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, prefix: str) -> str:
        self.count += 1
        return f"_{prefix}{self.count - 1}"


def vectorize(k: Kernel) -> VKernel:
    """Turn every term of ``k`` into views plus an einsum (or a broadcast expression)."""
    names = _Names()
    extent = dict(zip(k.free, k.shape))
    return VKernel(k, tuple(_term(k, t, extent, names) for t in k.terms))


def _ranges(order: list[str], starts: dict[str, str], extents: dict[str, str], used: set[str]) -> str:
    parts = [f"({starts[u]}, {extents[u]})" if u in used else "(0, 1)" for u in order]
    return _tuple(parts)


def _tuple(parts: list[str]) -> str:
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _view(a: Access, order: list[str], starts: dict, extents: dict, kernel: str) -> str:
    """Source of ``_view(A, axes, ranges)`` reading ``a`` over the index axes ``order``."""
    axes = []
    for ix in a.index:
        if not ix.divisor:
            raise GeneratedCodeError(
                f"{kernel}: index {ix.text} of {a.array} is not affine; the NumPy backend cannot view it"
            )
        coeffs = _tuple([f"({order.index(u)}, {c})" for u, c in ix.coeffs])
        axes.append(f"({ix.offset}, {coeffs}, {ix.divisor})")
    used = {u for ix in a.index for u, _ in ix.coeffs}
    return f"_view({a.array}, {_tuple(axes)}, {_ranges(order, starts, extents, used)})"


def _fill(template: str, names: dict[str, str]) -> str:
    return re.sub(r"_(?:r\d+|g_\w+?)_(?!\w)", lambda m: names[m.group(0)], template)


def _term(k: Kernel, t: Reduction, extent: dict[str, str], names: _Names) -> VTerm:
    starts = {f: "0" for f in k.free}
    extents = dict(extent)
    for lp in t.loops:
        starts[lp.index], extents[lp.index] = lp.declared
    setup: list[tuple[str, str]] = []

    def evaluate(template: str, accesses, indices, order: list[str]) -> str:
        subst = {}
        for j, a in enumerate(accesses):
            v = names("v")
            setup.append((v, _view(a, order, starts, extents, k.name)))
            subst[f"_r{j}_"] = v
        for u in indices:
            g = names("g")
            setup.append((g, f"_grid({starts[u]}, {extents[u]}, {order.index(u)}, {len(order)})"))
            subst[f"_g_{u}_"] = g
        return _fill(template, subst)

    if not t.loops:
        order = list(k.free)
        parts = [evaluate(f.array, f.accesses, f.indices, order) for f in t.factors]
        for c in t.guard_masks:
            parts.append(f"({evaluate(c.array, (), c.indices, order)})")
        expr = " * ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
        return VTerm(tuple(setup), "", (), expr, "", ())

    order = list(k.free) + [lp.index for lp in t.loops]
    operands: list[tuple[str, list[str]]] = []
    scale = []
    for f in t.factors:
        used = {u for a in f.accesses for ix in a.index for u, _ in ix.coeffs} | set(f.indices)
        if not used:
            scale.append(evaluate(f.array, f.accesses, (), order) if f.accesses else f.array)
            continue
        if f.array == "_r0_" and _plain(f.accesses[0], starts, extents):
            operands.append((f.accesses[0].array, [ix.coeffs[0][0] for ix in f.accesses[0].index]))
            continue
        axes = [u for u in order if u in used]
        operands.append((evaluate(f.array, f.accesses, f.indices, axes), axes))
    masks = [c for lp in t.loops for c in lp.constraints if not c.implied] + list(t.guard_masks)
    for c in masks:
        axes = [u for u in order if u in c.indices]
        m = names("m")
        setup.append((m, f"({evaluate(c.array, (), c.indices, axes)}).astype({k.target}.dtype)"))
        operands.append((m, axes))
    covered = {u for _, axes in operands for u in axes}
    for lp in t.loops:
        if lp.index not in covered:
            operands.append((f"np.ones({extents[lp.index]}, {k.target}.dtype)", [lp.index]))
    if len(order) > len(LETTERS):
        raise GeneratedCodeError(f"{k.name}: more indices than einsum has letters")
    letter = _letters(order)
    out = [u for u in k.free if u in covered]
    spec = ",".join("".join(letter[u] for u in axes) for _, axes in operands)
    spec += "->" + "".join(letter[u] for u in out)
    expand = tuple(i for i, u in enumerate(k.free) if u not in covered)
    return VTerm(tuple(setup), spec, tuple(src for src, _ in operands), "", " * ".join(scale), expand)


def _plain(a: Access, starts: dict, extents: dict) -> bool:
    """Does ``a`` read its whole array at distinct plain indices (no view needed)?"""
    seen = set()
    for ix, n in zip(a.index, a.extents):
        if len(ix.coeffs) != 1 or ix.offset != "0" or ix.divisor != "1":
            return False
        u, c = ix.coeffs[0]
        if c != "1" or u in seen or starts[u] != "0" or extents[u] != n:
            return False
        seen.add(u)
    return len(a.index) == len(a.extents) and bool(a.index)


def _letters(order: list[str]) -> dict[str, str]:
    """einsum subscripts: an index keeps its own name when that is one free letter."""
    out = {u: u for u in order if len(u) == 1 and u in LETTERS}
    spare = iter(c for c in LETTERS if c not in out.values())
    for u in order:
        if u not in out:
            out[u] = next(spare)
    return out


def render_numpy_kernel(k: Kernel | RecordKernel) -> str:
    from .render import _what, docstring, environment

    macros = environment().get_template("numpy_kernels.j2").module
    doc = docstring(k.label, k.formula, _what(k))
    if isinstance(k, RecordKernel):
        return str(macros.record(k, doc)).rstrip("\n")
    return str(macros.kernel(vectorize(k), doc)).rstrip("\n")
