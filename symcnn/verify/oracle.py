"""An independent oracle for any layer's derived gradients: SymPy ``diff`` of the expanded forward.

At three or more small concrete sizes every entry of every input, parameter,
constant, record and output seed is its own SymPy symbol; the forward
equations are evaluated entry by entry (sums and clipped windows unrolled,
padded reads outside the array 0), so each output entry is an explicit
expression in those symbols, and ``E = Σ_o Σ dO ∘ O``. The oracle's gradient
of an array is ``∂E/∂entry`` by ``sp.diff`` — of the inputs through every
equation, and of an intermediate ``V`` with ``V``'s entries made symbols in
the equations after it. The derived gradient, evaluated at the same sizes
from its bounded sums, must equal it entry for entry: ``expand(derived −
oracle) == 0``, else ``simplify``. No part of the derivation engine is used
to compute the oracle.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..derive.engine import Derivation
from .concrete import Env, entry_symbols, evaluate

#: Size values drawn for the concrete checks (hyper-parameters: strides, radii, factors).
CHOICES, HYPER_CHOICES = (1, 2, 3), (1, 2)
#: Largest array, in entries, a concrete size may give (keeps the expansion small).
MAX_ENTRIES = 48


@dataclass(frozen=True)
class Verdict:
    """One derived gradient against the oracle, at every size tried."""

    gradient: str
    holds: bool
    sizes: tuple[str, ...]
    detail: str = ""

    def text(self) -> str:
        where = "; ".join(self.sizes)
        if self.holds:
            return f"proven exhaustively at {len(self.sizes)} sizes ({where}), a symbol per entry"
        return f"REFUTED: {self.detail}"


def concrete_sizes(d: Derivation, count: int = 3, seed: int = 0) -> list[dict[sp.Symbol, int]]:
    """``count`` distinct small size assignments under which every array has 1..MAX_ENTRIES entries."""
    layer = d.layer
    shapes = [a.shape for a in layer.arrays().values()]
    rng = np.random.default_rng(seed)
    found: list[dict] = []
    for _ in range(400):
        env = {s: int(rng.choice(HYPER_CHOICES if s in layer.hyper else CHOICES)) for s in layer.sizes}
        dims = [[int(sp.sympify(e).xreplace(env)) for e in shape] for shape in shapes]
        if any(v < 1 for dim in dims for v in dim) or any(np.prod(dim) > MAX_ENTRIES for dim in dims):
            continue
        if env not in found:
            found.append(env)
    # the first valid draw, then those where the most sizes exceed 1 (strides, windows that overlap)
    rest = sorted(found[1:], key=lambda env: -sum(v > 1 for v in env.values()))
    return (found[:1] + rest)[:count]


def _shape(a: sp.IndexedBase, env: dict) -> tuple[int, ...]:
    return tuple(int(sp.sympify(e).xreplace(env)) for e in a.shape)


def _fill(shape: tuple[int, ...], value) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for idx in itertools.product(*map(range, shape)):
        out[idx] = value(idx)
    return out


def _forward(layer, arrays: dict, env: dict, start: int = 0) -> dict:
    """Every equation from ``start`` on, evaluated entry by entry into ``arrays`` (a copy)."""
    arrays = dict(arrays)
    for eq in layer.equations[start:]:
        e = Env(arrays, dict(env))
        arrays[str(eq.array.label)] = _fill(
            _shape(eq.array, env), lambda idx, eq=eq, e=e: evaluate(eq.rhs, e, dict(zip(eq.free, idx)))
        )
    return arrays


def _loss(layer, arrays: dict) -> sp.Expr:
    return sp.Add(*(
        arrays["d" + str(o.label)][idx] * arrays[str(o.label)][idx]
        for o in layer.outputs
        for idx in itertools.product(*map(range, arrays[str(o.label)].shape))
    ))


def _given(layer, env: dict) -> dict:
    """A symbol per entry of every array the forward pass is given, and of every output seed."""
    given = layer.inputs + layer.params + layer.constants + tuple(r.array for r in layer.records)
    out = {str(a.label): entry_symbols(str(a.label), _shape(a, env)) for a in given}
    for o in layer.outputs:
        out["d" + str(o.label)] = entry_symbols("d" + str(o.label), _shape(o, env))
    return out


def oracle_gradients(d: Derivation, env: dict) -> tuple[dict, dict]:
    """``(forward arrays, {gradient name: oracle array})`` at sizes ``env``, by ``sp.diff``."""
    layer = d.layer
    given = _given(layer, env)
    full = _forward(layer, given, env)
    wanted = {g.wrt for g in d.gradients}
    out = {}
    for a in layer.inputs + layer.params:
        if str(a.label) in wanted:
            loss = _loss(layer, full)
            syms = given[str(a.label)]
            out["d" + str(a.label)] = _fill(syms.shape, lambda idx, s=syms, e=loss: sp.diff(e, s[idx]))
    for k, eq in enumerate(layer.equations):
        name = str(eq.array.label)
        if name not in wanted:
            continue
        syms = entry_symbols("_v" + name, full[name].shape)
        later = _forward(layer, {**full, name: syms}, env, start=k + 1)
        loss = _loss(layer, later)
        back = {syms[idx]: full[name][idx] for idx in itertools.product(*map(range, syms.shape))}
        out["d" + name] = _fill(
            syms.shape, lambda idx, s=syms, e=loss, b=back: sp.diff(e, s[idx]).xreplace(b)
        )
    return full, out


def derived_gradients(d: Derivation, full: dict, env: dict) -> tuple[dict, dict]:
    """Each derived gradient, its bounded sums evaluated entry by entry, in the order computed;
    and why any could not be (a bound that lets a read leave its array), by name."""
    arrays = dict(full)
    out, failed = {}, {}
    for g in d.gradients:
        exprs = [t.as_expr() for t in g.terms]
        e = Env(arrays, dict(env))
        try:
            value = _fill(
                _shape(g.target, env),
                lambda idx, g=g, e=e, x=exprs: sp.Add(*(evaluate(t, e, dict(zip(g.free, idx))) for t in x)),
            )
        except (IndexError, KeyError, ValueError) as exc:
            failed[str(g.target.label)] = f"the derived sums cannot be evaluated ({exc})"
            continue
        arrays[str(g.target.label)] = out[str(g.target.label)] = value
    return out, failed


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    diff = sp.expand(a - b)
    return diff == 0 or sp.simplify(diff) == 0


def check(d: Derivation, count: int = 3) -> list[Verdict]:
    """Every derived gradient of ``d`` against the oracle at ``count`` concrete sizes."""
    configs = concrete_sizes(d, count)
    bad: dict[str, str] = {}
    for env in configs:
        full, oracle = oracle_gradients(d, env)
        where = ", ".join(f"{k}={v}" for k, v in env.items())
        derived, failed = derived_gradients(d, full, env)
        for name, why in failed.items():
            bad.setdefault(name, f"at {where}: {why}")
        for name, want in oracle.items():
            if name in bad:
                continue
            for idx in itertools.product(*map(range, want.shape)):
                if not _equal(derived[name][idx], want[idx]):
                    got = derived[name][idx]
                    bad[name] = f"{name}{list(idx)} at {where}: derived {got}, diff gives {want[idx]}"
                    break
    texts = tuple(", ".join(f"{k}={v}" for k, v in env.items()) for env in configs)
    names = [str(g.target.label) for g in d.gradients]
    return [Verdict(name, name not in bad, texts, bad.get(name, "")) for name in names]
