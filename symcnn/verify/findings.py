"""Findings: where the derivation disagrees with a literal closed form, and what it says instead.

Nothing here knows which closed forms are wrong. When a proof is refuted, a
small space of candidate corrections is built from the closed form itself by
edits of the MATLAB-function algebra — move a ``rot180`` (add or remove it on
either operand of a ``conv2`` or around it), scale an ``up``/``down`` by
``1/n²``, route an ``up``/``down`` through the arg-max selector the forward
pass records, sum over a connection table, transpose — one edit, then two.
Each candidate is checked in float64 first; the first that survives is proven
like any closed form, and that proof is the finding.

A proven claim is also checked for a degenerate derivation: a gradient that
is identically zero (under the forward pass's own constraints, e.g. softmax
weights summing to one) says the quantity cannot change anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import sympy as sp

from .matlab import (
    Conv2,
    Down,
    Map,
    MatFn,
    MSum,
    Rot180,
    Up,
    down,
    hadamard,
    msum,
    rot180,
    scale,
    tidy,
    transpose,
)
from .paper import Claim
from .proofs import Proof, numeric_agrees, prove


@dataclass
class Finding:
    """``kind`` is ``"correction"`` (a derived corrected form) or ``"vanishes"`` (gradient ≡ 0)."""

    kind: str
    edits: tuple[str, ...]
    corrected: MatFn | None
    proof: Proof

    def text(self) -> str:
        if self.kind == "vanishes":
            return f"the derived gradient is identically 0 ({self.proof.verdict()}{_using(self)})"
        return (
            f"{'; '.join(self.edits)} → {sp.sstr(self.corrected)}  [{self.proof.verdict()}]"
        )


def _using(f: Finding) -> str:
    return ", using the forward pass's constraints" if f.edits else ""


def _nodes(tree: sp.Basic, path: tuple = ()) -> Iterator[tuple[tuple, MatFn]]:
    if isinstance(tree, MatFn):
        yield path, tree
        for k, a in enumerate(tree.args):
            yield from _nodes(a, path + (k,))


def _at(tree: sp.Basic, path: tuple) -> sp.Basic:
    for k in path:
        tree = tree.args[k]
    return tree


def _put(tree: sp.Basic, path: tuple, new: sp.Basic) -> sp.Basic:
    if not path:
        return new
    args = list(tree.args)
    args[path[0]] = _put(args[path[0]], path[1:], new)
    return tree.func(*args)


def _s(e: sp.Basic) -> str:
    return sp.sstr(e)


def edits(tree: MatFn, claim: Claim) -> list[tuple[str, MatFn]]:
    """Every single edit of ``tree``, in a fixed order."""
    out: list[tuple[str, MatFn]] = []
    for path, node in _nodes(tree):
        parent = _at(tree, path[:-1]) if path else None
        if isinstance(node, Conv2):
            for k in (0, 1):
                op = node.args[k]
                if isinstance(op, Rot180):
                    out.append((f"rot180 removed from {_s(op.args[0])}", _put(tree, path + (k,), op.args[0])))
                else:
                    out.append((f"rot180 added to {_s(op)}", _put(tree, path + (k,), rot180(op))))
            if isinstance(parent, Rot180):
                out.append((f"outer rot180 removed from {_s(node)}", _put(tree, path[:-1], node)))
            else:
                out.append((f"rot180 added around {_s(node)}", _put(tree, path, rot180(node))))
            if claim.table is not None:
                summed = _table_sum(node, claim)
                if summed is not None:
                    t = claim.table
                    term = f"{t.array.label}[{t.of}, {t.index}]"
                    what = f"summed over the connection table: Σ_{t.index} {term} · …"
                    out.append((what, _put(tree, path, summed)))
        if isinstance(node, (Up, Down)):
            f = node.args[1]
            out.append((f"factor 1/{_s(f)}² on {_s(node)}", _put(tree, path, scale(1 / f**2, node))))
            op = node.args[0]
            if claim.selector is not None and isinstance(op, Map):
                sel = Map(claim.selector, *op.prefix)
                if isinstance(node, Up):
                    new = hadamard(sel, node)
                else:
                    new = down(hadamard(sel, op), f)
                what = f"routed through the arg-max selector {claim.selector.label}"
                out.append((what, _put(tree, path, new)))
    if tuple(tree.shape) != (1, 1):
        out.append(("transposed", transpose(tree)))
    return out


def _table_sum(node: Conv2, claim: Claim) -> MatFn | None:
    t = claim.table
    hits = {}
    for _, m in _nodes(node):
        if isinstance(m, Map) and str(m.array.label) in t.arrays and m.prefix and m.prefix[-1] == t.of:
            hits[m] = Map(m.array, *m.prefix[:-1], t.index)
    if not hits or any(isinstance(m, MSum) for _, m in _nodes(node)):
        return None
    return msum(t.index, 0, t.extent - 1, scale(t.array[t.of, t.index], node.xreplace(hits)))


def correct(claim: Claim, depth: int = 2, exhaustive: bool = True) -> Finding | None:
    """Search the candidate corrections of a refuted claim; the first one proven, or None."""
    frontier = [((), claim.closed)]
    seen = {claim.closed}
    first, rest = claim.configs[:1], claim.configs[1:]
    for _ in range(depth):
        nxt = []
        for done, tree in frontier:
            for what, cand in edits(tree, claim):
                cand = tidy(cand)
                if cand in seen:
                    continue
                seen.add(cand)
                nxt.append((done + (what,), cand))
        for done, cand in nxt:
            if numeric_agrees(claim, cand, first) is None and numeric_agrees(claim, cand, rest) is None:
                proof = prove(claim, cand, exhaustive=exhaustive)
                if proof.holds:
                    return Finding("correction", done, cand, proof)
        frontier = nxt
    return None


def vanishes(claim: Claim, exhaustive: bool = True) -> Finding | None:
    """A proven claim whose derived side is identically zero."""
    if not claim.derived.atoms(sp.Indexed):
        return None
    zero = scale(0, claim.closed)
    if numeric_agrees(claim, zero) is not None:
        return None
    strict = replace(claim, term_rewrite=claim.constraint or claim.term_rewrite)
    proof = prove(strict, zero, exhaustive=exhaustive)
    if not proof.holds:
        return None
    return Finding("vanishes", ("constraints",) if claim.constraint else (), None, proof)
