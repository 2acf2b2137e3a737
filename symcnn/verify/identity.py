"""The randomized identity test: derived and oracle gradients evaluated exactly at random points.

At one concrete size assignment every array entry is a SymPy symbol, and each
equation's entries are *local* expressions in the entries they read (sums and
clipped windows unrolled, padded reads outside the array 0). The oracle is
reverse-mode differentiation of that unrolled graph: each local expression is
differentiated by ``sp.diff`` with respect to each entry it reads, and the
adjoint of an entry is the sum, over the entries that read it, of their
adjoint times that partial — ``∂E/∂entry`` with ``E = Σ_o Σ dO ∘ O``, every
later entry a function of it (for an intermediate: of it alone). Shared
quantities — a channel's variance, a normaliser — stay one entry, so nothing
is expanded. No part of the derivation engine is used.

Both sides are then evaluated at random points in ``F_p`` (:mod:`.modular`):
every given entry and output seed drawn at random, the forward evaluated
entry by entry, the oracle's adjoints and the derived bounded sums at those
values. Agreement at ``k`` points proves the identity except with
probability at most ``(d/p)^k`` (Schwartz–Zippel), ``d`` the degree bound of
the difference; one disagreement refutes the derivation at that point.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..derive.engine import Derivation
from . import modular
from .concrete import Env, evaluate
from .sizes import shape


@dataclass
class Field:
    """:class:`~.concrete.Env`'s exact mode over ``F_p``; ``salt`` makes each point's unknowns its own."""

    salt: int

    def power(self, base, exponent):
        return modular.power(_mod(base), exponent, self.salt)

    def function(self, name: str, args: list):
        return modular.function(name, [_mod(a) for a in args], self.salt)


def _mod(x) -> modular.Mod:
    return x if isinstance(x, modular.Mod) else modular.constant(x)


def _symbols(name: str, dims: tuple[int, ...]) -> np.ndarray:
    out = np.empty(dims, dtype=object)
    for idx in itertools.product(*map(range, dims)):
        out[idx] = sp.Symbol(f"{name}[{','.join(map(str, idx))}]", real=True)
    return out


@dataclass
class Graph:
    """The unrolled forward at one size: each equation's entries as local expressions and partials."""

    d: Derivation
    env: dict
    symbols: dict[str, np.ndarray] = field(default_factory=dict)
    #: per equation: ``[(entry symbol, local expression, {read symbol: ∂local/∂read})]``
    local: list[list[tuple]] = field(default_factory=list)

    @classmethod
    def build(cls, d: Derivation, env: dict, tick: Callable[[], None] = lambda: None) -> Graph:
        layer = d.layer
        g = cls(d, env)
        for a in layer.arrays().values():
            g.symbols[str(a.label)] = _symbols(str(a.label), shape(a, env))
        wrt = {s for a in layer.differentiable for s in g.symbols[str(a.label)].flat}
        scope = Env(dict(g.symbols), dict(env))
        for eq in layer.equations:
            rows = []
            syms = g.symbols[str(eq.array.label)]
            for idx in itertools.product(*map(range, syms.shape)):
                tick()
                e = evaluate(eq.rhs, scope, dict(zip(eq.free, idx)))
                e = sp.sympify(e)
                rows.append((syms[idx], e, {s: sp.diff(e, s) for s in e.free_symbols & wrt}))
            g.local.append(rows)
        return g


@dataclass
class Outcome:
    """One gradient at one size: agreed at every point, or the first entry where it did not."""

    holds: bool
    points: int = 0
    degree: int = 0
    detail: str = ""


def _value(e: sp.Expr, values: dict, salt: int, memo: dict | None = None) -> modular.Mod:
    """A local expression (entries, numbers, arithmetic, functions) at ``values``, in ``F_p``."""
    memo = {} if memo is None else memo
    if e in memo:
        return memo[e]
    if e.is_Symbol:
        out = values[e]
    elif e.is_Number:
        out = modular.constant(e)
    elif isinstance(e, sp.Add):
        out = modular.ZERO
        for a in e.args:
            out = out + _value(a, values, salt, memo)
    elif isinstance(e, sp.Mul):
        out = modular.ONE
        for a in e.args:
            out = out * _value(a, values, salt, memo)
    elif isinstance(e, sp.Pow):
        out = modular.power(_value(e.base, values, salt, memo), e.exp, salt)
    elif isinstance(e, sp.Function):
        out = modular.function(e.func.__name__, [_value(a, values, salt, memo) for a in e.args], salt)
    else:
        raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")
    memo[e] = out
    return out


def check_point(g: Graph, point: int, seed: int, tick: Callable[[], None] = lambda: None
                ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{gradient: (derived, oracle)}`` in ``F_p`` at one random point (raises ``Singular``)."""
    d, layer = g.d, g.d.layer
    salt = seed * 1000 + point
    rng = np.random.default_rng([seed, point])
    values: dict[sp.Symbol, modular.Mod] = {}
    given = layer.inputs + layer.params + layer.constants + tuple(r.array for r in layer.records)
    for a in given:
        for s in g.symbols[str(a.label)].flat:
            values[s] = modular.unknown(int(rng.integers(1, modular.P)))
    for rows in g.local:
        for sym, e, _ in rows:
            tick()
            values[sym] = _mod(_value(e, values, salt))
    # the oracle: adjoints, from the seeds back through every local partial
    adjoint: dict[sp.Symbol, modular.Mod] = {}
    seeds = {}
    for o in layer.outputs:
        dims = g.symbols[str(o.label)].shape
        seeds["d" + str(o.label)] = np.empty(dims, dtype=object)
        for idx in itertools.product(*map(range, dims)):
            w = modular.unknown(int(rng.integers(1, modular.P)))
            seeds["d" + str(o.label)][idx] = w
            sym = g.symbols[str(o.label)][idx]
            adjoint[sym] = adjoint.get(sym, modular.ZERO) + w
    for rows in reversed(g.local):
        for sym, _, partials in rows:
            a = adjoint.get(sym)
            if a is None:
                continue
            tick()
            for s, p in partials.items():
                adjoint[s] = adjoint.get(s, modular.ZERO) + a * _mod(_value(p, values, salt))
    # the derivation: its bounded sums at the same values, in the order computed
    arrays = {name: _lookup(syms, values) for name, syms in g.symbols.items()}
    arrays.update(seeds)
    out: dict[str, tuple | str] = {}
    for grad in d.gradients:
        name = str(grad.target.label)
        exprs = [t.as_expr() for t in grad.terms]
        scope = Env(arrays, dict(g.env), field=Field(salt))
        dims = shape(grad.target, g.env)
        derived = np.empty(dims, dtype=object)
        oracle = np.empty(dims, dtype=object)
        syms = g.symbols[name[1:]]
        try:
            for idx in itertools.product(*map(range, dims)):
                tick()
                at = dict(zip(grad.free, idx))
                derived[idx] = _mod(sum((evaluate(t, scope, at) for t in exprs), 0))
                oracle[idx] = adjoint.get(syms[idx], modular.ZERO)
        except (IndexError, KeyError, ValueError, TypeError) as exc:
            out[name] = f"the derived sums cannot be evaluated ({exc})"
            continue
        arrays[name] = derived
        out[name] = (derived, oracle)
    return out


def _lookup(syms: np.ndarray, values: dict) -> np.ndarray:
    out = np.empty(syms.shape, dtype=object)
    for idx in itertools.product(*map(range, syms.shape)):
        out[idx] = values.get(syms[idx])
    return out


def identity_test(g: Graph, points: int, seed: int, tick: Callable[[], None] = lambda: None
                  ) -> dict[str, Outcome]:
    """Every gradient of ``g.d`` against the oracle at ``points`` random points of one size."""
    where = ", ".join(f"{k}={v}" for k, v in g.env.items())
    outcomes = {str(gr.target.label): Outcome(True) for gr in g.d.gradients}
    done, tries = 0, 0
    while done < points and tries < 4 * points:
        tries += 1
        try:
            values = check_point(g, tries, seed, tick)
        except modular.Singular:
            continue
        done += 1
        for name, value in values.items():
            o = outcomes[name]
            if not o.holds:
                continue
            if isinstance(value, str):
                o.holds, o.detail = False, f"at {where}: {value}"
                continue
            derived, oracle = value
            o.points = done
            for idx in itertools.product(*map(range, derived.shape)):
                diff = derived[idx] - oracle[idx]
                o.degree = max(o.degree, diff.num)
                if diff.v != 0:
                    o.holds = False
                    o.detail = (f"{name}{list(idx)} at {where}: derived and SymPy's diff differ at a random "
                                f"point (exact, modulo 2^61 − 1)")
                    break
    if done < points:
        for o in outcomes.values():
            if o.holds:
                o.holds, o.detail = False, f"at {where}: no point without a division by zero was found"
    return outcomes
