"""Reverse-mode differentiation of a layer's equations, one equation at a time.

For each equation ``A[f] = rhs``, taken last to first, and each array ``B``
on its right, SymPy differentiates ``rhs`` by ``B[p]``; the contribution
``Σ_f dA[f] · ∂rhs/∂B[p]`` is flattened and brought to bounded-sum form by
the delta-resolution pass. Contributions to the same array add up. No layer
has gradient code of its own: every built-in and every user layer takes this
path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..errors import SpecError
from ..model.bounds import Ranges
from ..model.layer import Equation, Layer
from ..model.padding import padded_reads
from ..model.validate import validate
from .deltas import resolve
from .flatten import Names, flatten
from .fold import fold
from .split import split_sums
from .terms import Bound, Gradient, Term
from .typeset import display_latex, display_markdown

NICE = "pqrstuvw"


@dataclass(frozen=True)
class Derivation:
    """A layer with its backward pass: gradients in the order they are computed.

    ``layer`` is the layer the engine differentiated: the one written, or the one with its sums inside
    nonlinear functions split into intermediates (:mod:`.split`). ``spec`` is always the layer as
    written: its hash names the generated files, whatever the engine split.
    """

    layer: Layer
    seeds: tuple[sp.IndexedBase, ...]
    gradients: tuple[Gradient, ...]
    spec: Layer | None = None

    @property
    def written(self) -> Layer:
        """The layer as its spec wrote it."""
        return self.layer if self.spec is None else self.spec

    def gradient(self, wrt: str) -> Gradient:
        for g in self.gradients:
            if g.wrt == wrt:
                return g
        raise KeyError(wrt)

    def _repr_latex_(self) -> str:
        """Typeset in a notebook: the forward equations and derived gradients as display math."""
        return f"$${display_latex(self.layer, self.gradients)}$$"

    def _repr_markdown_(self) -> str:
        """In a notebook's Markdown: the layer's name and doc line above :meth:`_repr_latex_`'s math."""
        return display_markdown(self.layer, self.gradients)


def grad_array(a: sp.IndexedBase) -> sp.IndexedBase:
    """The array holding ∂E/∂a: ``dX`` for ``X``."""
    return sp.IndexedBase(f"d{a.label}", shape=a.shape, real=True)


def derive(layer: Layer) -> Derivation:
    """Derive ∂E/∂(every input, parameter and intermediate) of ``layer``."""
    validate(layer)
    written = layer
    layer = split_sums(written)
    if layer is not written:  # a sum inside a nonlinear function: now an intermediate of its own
        validate(layer)
    wanted = {a.label for a in layer.differentiable}
    pending: dict[str, list[Term]] = {}
    done: list[Gradient] = []
    for k in range(len(layer.equations) - 1, -1, -1):
        eq = layer.equations[k]
        if eq.array.label in pending:
            done.append(_gradient(layer, eq.array, pending.pop(eq.array.label)))
        for target in sorted({a.base for a in eq.rhs.atoms(sp.Indexed)}, key=str):
            if target.label in wanted:
                terms = _contribution(layer, eq, layer.arrays()[str(target.label)])
                pending.setdefault(target.label, []).extend(terms)
    for a in layer.inputs + layer.params:
        done.append(_gradient(layer, a, pending.pop(a.label, [])))
    return Derivation(layer, tuple(grad_array(o) for o in layer.outputs), tuple(done), written)


def forward_terms(layer: Layer, eq: Equation) -> tuple[Term, ...]:
    """A forward equation's right-hand side in the same bounded-sum form as a gradient."""
    names = Names(set(eq.free) | set(layer.sizes) | eq.rhs.free_symbols)
    terms = flatten(eq.rhs, names, layer.name)
    if padded_reads(eq.rhs):  # zero outside the array: the reads' ranges become bounds of the sums
        ranges: Ranges = {f: (sp.S.Zero, s - 1) for f, s in zip(eq.free, eq.array.shape)}
        terms = [r for r in (resolve(t, ranges) for t in terms) if r is not None]
    return tuple(_plain_names(t, layer) for t in terms)


def _temp_free(target: sp.IndexedBase) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"_f{k}", integer=True) for k in range(len(target.shape)))


def _contribution(layer: Layer, eq: Equation, target: sp.IndexedBase) -> list[Term]:
    free = _temp_free(target)
    seed = grad_array(eq.array)
    limits = [(f, 0, s - 1) for f, s in zip(eq.free, eq.array.shape)]
    try:
        partial = sp.diff(eq.rhs, target[free])
    except (TypeError, ValueError, NotImplementedError) as exc:
        raise SpecError(layer.name, f"SymPy cannot differentiate it ({exc})", eq.rhs) from None
    contrib = seed[eq.free] * partial
    if limits:
        contrib = sp.Sum(contrib, *limits)
    taken = set(free) | eq.rhs.free_symbols | set(eq.free) | set(layer.sizes)
    names = Names(taken | _bound_symbols(eq.rhs))
    ranges: Ranges = {f: (sp.S.Zero, s - 1) for f, s in zip(free, target.shape)}
    out = []
    for term in flatten(contrib, names, layer.name):
        resolved = resolve(term, ranges)
        if resolved is not None:
            body = sp.factor_terms(fold(resolved.body, layer.equations))
            if body != 0:
                out.append(Term(resolved.sums, body, resolved.guards))
    return out


def _bound_symbols(expr: sp.Expr) -> set[sp.Symbol]:
    return {v for s in expr.atoms(sp.Sum) for v, *_ in s.limits}


def _gradient(layer: Layer, array: sp.IndexedBase, terms: list[Term]) -> Gradient:
    """Merge terms with the same sums and give the free indices readable names."""
    merged: list[Term] = []
    for t in terms:
        for k, m in enumerate(merged):
            if m.sums == t.sums and m.guards == t.guards:
                merged[k] = Term(m.sums, m.body + t.body, m.guards)
                break
        else:
            merged.append(t)
    merged = [t for t in merged if sp.expand(t.body) != 0]
    merged = [_plain_names(t, layer) for t in merged]
    temp = _temp_free(array)
    used = {b.index for t in merged for b in t.sums} | set(layer.sizes)
    used |= {s for t in merged for s in t.body.free_symbols}
    nice = _nice_names(layer, array, used)
    rename = dict(zip(temp, nice))
    terms_out = tuple(
        Term(
            tuple(_rename_bound(b, rename) for b in t.sums),
            t.body.xreplace(rename),
            tuple(g.xreplace(rename) for g in t.guards),
        )
        for t in merged
    )
    return Gradient(grad_array(array), str(array.label), nice, terms_out)


def _plain_names(term: Term, layer: Layer) -> Term:
    """Give summation indices back the names the spec used (``a1`` → ``a``) where free."""
    taken = {str(s) for s in term.body.free_symbols | set(layer.sizes)}
    taken |= {str(b.index) for b in term.sums}
    rename = {}
    for b in term.sums:
        base = str(b.index).rstrip("0123456789")
        if base and base != str(b.index) and base not in taken:
            rename[b.index] = sp.Symbol(base, integer=True)
            taken.add(base)
    if not rename:
        return term
    return Term(
        tuple(replace(_rename_bound(b, rename), index=rename.get(b.index, b.index)) for b in term.sums),
        term.body.xreplace(rename),
        tuple(g.xreplace(rename) for g in term.guards),
    )


def _rename_bound(b: Bound, rename: dict) -> Bound:
    return replace(
        b,
        lower=tuple(e.xreplace(rename) for e in b.lower),
        upper=tuple(e.xreplace(rename) for e in b.upper),
    )


def _nice_names(layer: Layer, array: sp.IndexedBase, used: set) -> tuple[sp.Symbol, ...]:
    """Free index names: the plain index an equation uses at that position, else p, q, …"""
    plain: list[set] = [set() for _ in array.shape]
    for eq in layer.equations:
        accesses = [eq.lhs] + sorted(eq.rhs.atoms(sp.Indexed), key=str)
        for acc in accesses:
            if acc.base.label == array.label:
                for k, e in enumerate(acc.indices):
                    if isinstance(e, sp.Symbol):
                        plain[k].add(str(e))
    taken = {str(s) for s in used}
    names = []
    for k in range(len(array.shape)):
        pick = next((n for n in sorted(plain[k]) if n not in taken), None)
        if pick is None:
            pick = _first_free(taken)
        taken.add(pick)
        names.append(sp.Symbol(pick, integer=True))
    return tuple(names)


def _first_free(taken: set) -> str:
    for c in NICE:
        if c not in taken:
            return c
    k = 0
    while f"p{k}" in taken:
        k += 1
    return f"p{k}"
