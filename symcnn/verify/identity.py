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
the difference. A disagreement is checked again in float64 at random real
points: confirmed, it refutes the derivation; not confirmed (an identity that
needs ``sqrt(b)² = b``, which the test does not use), the gradient is reported
not proven, never refuted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..derive.engine import Derivation
from . import modular
from .concrete import NUMERIC, Env, evaluate
from .sizes import shape


@dataclass
class Field:
    """:class:`~.concrete.Env`'s exact mode over ``F_p``; ``salt`` makes each point's unknowns its own."""

    salt: int

    def power(self, base, exponent):
        return modular.power(_mod(base), exponent, self.salt)

    def function(self, name: str, args: list):
        return modular.function(name, [_mod(a) for a in args], self.salt)

    def draw(self, rng: np.random.Generator) -> modular.Mod:
        return modular.unknown(int(rng.integers(1, modular.P)))

    def lift(self, x) -> modular.Mod:
        return _mod(x)


@dataclass
class Float64:
    """The same evaluation in float64 at random entries in [0.5, 1.5]: the cross-check of a difference."""

    salt: int = 0

    def power(self, base, exponent):
        return float(base) ** float(exponent)

    def function(self, name: str, args: list):
        return _NUMERIC[name](*(float(a) for a in args))

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(0.5, 1.5))

    def lift(self, x) -> float:
        return float(x)


_NUMERIC = {f.__name__: fn for f, fn in NUMERIC.items()}


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
    refuted: bool = False


#: A difference found modulo p is confirmed when float64 sees a relative difference above this.
FLOAT_TOL = 1e-7


def _value(e: sp.Expr, values: dict, arith, memo: dict | None = None):
    """A local expression (entries, numbers, arithmetic, functions) at ``values``, by ``arith``."""
    memo = {} if memo is None else memo
    if e in memo:
        return memo[e]
    if e.is_Symbol:
        out = values[e]
    elif e.is_Number:
        out = arith.lift(e)
    elif isinstance(e, sp.Add):
        out = arith.lift(0)
        for a in e.args:
            out = out + _value(a, values, arith, memo)
    elif isinstance(e, sp.Mul):
        out = arith.lift(1)
        for a in e.args:
            out = out * _value(a, values, arith, memo)
    elif isinstance(e, sp.Pow):
        out = arith.power(_value(e.base, values, arith, memo), e.exp)
    elif isinstance(e, sp.Function):
        out = arith.function(e.func.__name__, [_value(a, values, arith, memo) for a in e.args])
    else:
        raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")
    memo[e] = out
    return out


def check_point(g: Graph, point: int, seed: int, tick: Callable[[], None] = lambda: None, exact: bool = True
                ) -> dict[str, tuple[np.ndarray, np.ndarray] | str]:
    """``{gradient: (derived, oracle)}`` at one random point, in ``F_p`` (raises ``Singular``) or, not
    ``exact``, in float64; a gradient whose sums cannot be evaluated maps to why."""
    d, layer = g.d, g.d.layer
    salt = seed * 1000 + point
    arith = Field(salt) if exact else Float64(salt)
    rng = np.random.default_rng([seed, point])
    values: dict = {}
    given = layer.inputs + layer.params + layer.constants + tuple(r.array for r in layer.records)
    for a in given:
        for s in g.symbols[str(a.label)].flat:
            values[s] = arith.draw(rng)
    for rows in g.local:
        for sym, e, _ in rows:
            tick()
            values[sym] = arith.lift(_value(e, values, arith)) if exact else _value(e, values, arith)
    # the oracle: adjoints, from the seeds back through every local partial
    zero = arith.lift(0)
    adjoint: dict = {}
    seeds = {}
    for o in layer.outputs:
        dims = g.symbols[str(o.label)].shape
        seeds["d" + str(o.label)] = np.empty(dims, dtype=object)
        for idx in itertools.product(*map(range, dims)):
            w = arith.draw(rng)
            seeds["d" + str(o.label)][idx] = w
            sym = g.symbols[str(o.label)][idx]
            adjoint[sym] = adjoint.get(sym, zero) + w
    for rows in reversed(g.local):
        for sym, _, partials in rows:
            a = adjoint.get(sym)
            if a is None:
                continue
            tick()
            for s, p in partials.items():
                adjoint[s] = adjoint.get(s, zero) + a * _value(p, values, arith)
    # the derivation: its bounded sums at the same values, in the order computed
    arrays = {name: _lookup(syms, values) for name, syms in g.symbols.items()}
    arrays.update(seeds)
    out: dict[str, tuple | str] = {}
    for grad in d.gradients:
        name = str(grad.target.label)
        exprs = [t.as_expr() for t in grad.terms]
        scope = Env(arrays, dict(g.env), field=arith)
        dims = shape(grad.target, g.env)
        derived = np.empty(dims, dtype=object)
        oracle = np.empty(dims, dtype=object)
        syms = g.symbols[name[1:]]
        try:
            for idx in itertools.product(*map(range, dims)):
                tick()
                at = dict(zip(grad.free, idx))
                derived[idx] = arith.lift(sum((evaluate(t, scope, at) for t in exprs), 0))
                oracle[idx] = adjoint.get(syms[idx], zero)
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
                o.holds, o.refuted, o.detail = False, True, f"at {where}: {value}"
                continue
            derived, oracle = value
            o.points = done
            for idx in itertools.product(*map(range, derived.shape)):
                diff = derived[idx] - oracle[idx]
                o.degree = max(o.degree, diff.num)
                if diff.v != 0:
                    o.holds = False
                    rel = float_difference(g, name, seed, tick)
                    entry = f"{name}{list(idx)} at {where}: derived and SymPy's diff differ at a random point"
                    if rel is None or rel > FLOAT_TOL:
                        seen = "" if rel is None else f"; in float64 by {rel:.1e} relative"
                        o.refuted, o.detail = True, f"{entry} (exact, modulo 2^61 − 1{seen})"
                    else:
                        o.detail = (f"{entry} modulo 2^61 − 1, yet agree in float64 to {rel:.0e} relative: "
                                    "the test takes roots or functions for independent unknowns that are not")
                    break
    if done < points:
        for o in outcomes.values():
            if o.holds:
                o.holds, o.detail = False, f"at {where}: no point without a division by zero was found"
    return outcomes


def float_difference(g: Graph, name: str, seed: int, tick: Callable[[], None] = lambda: None) -> float | None:
    """The largest relative difference of gradient ``name`` and the oracle in float64 at two random points
    (None where float64 cannot evaluate them)."""
    worst = 0.0
    for point in (1, 2):
        try:
            value = check_point(g, point, seed + 7, tick, exact=False)[name]
        except (ArithmeticError, KeyError, ValueError, TypeError, OverflowError):
            return None
        if isinstance(value, str):
            return None
        derived, oracle = (np.asarray(a, dtype=float) for a in value)
        scale = max(float(np.max(np.abs(oracle), initial=0.0)), float(np.max(np.abs(derived), initial=0.0)))
        if scale == 0.0:
            continue
        worst = max(worst, float(np.max(np.abs(derived - oracle))) / scale)
    return worst
