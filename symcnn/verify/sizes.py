"""Proof sizes chosen from the layer: concrete sizes that reach every case of the derived bounds.

A derived gradient's sums have clipped limits — a lower limit ``max(a, b, …)``,
an upper one ``min(…)`` — floors of strided and pooled indices, and guards.
A proof at sizes where one branch of a ``max`` never wins proves nothing about
that branch. So the sizes are chosen, from a deterministic pool of candidates,
to reach every *case*:

- each argument of each ``max``/``min`` limit being the one that wins (alone);
- a window clipped on both edges at once (both limits won by a clip, not the
  declared range), where the derivation has such a window;
- each ``floor``/``ceiling`` of a bound or an index both exact and rounding;
- each guard both holding and failing;
- each strided read ``s·y + a`` with the window ``a`` both larger than the
  stride ``s`` (overlapping taps) and smaller (gaps), where sizes allow.

:func:`cases` lists the cases one size assignment reaches; :func:`choose`
covers them greedily, smallest sizes first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import sympy as sp

from ..derive.engine import Derivation
from ..model.padding import padded

Env = dict[sp.Symbol, int]
#: Values candidates draw sizes from, and hyper-parameters (strides, dilations, radii, factors).
VALUES, HYPER_VALUES = (1, 2, 3, 4), (1, 2, 3)
#: Candidates drawn; points of a gradient enumerated per candidate, at most.
CANDIDATES, MAX_POINTS = 80, 500


def shape(a: sp.IndexedBase, env: Env) -> tuple[int, ...]:
    return tuple(int(sp.sympify(e).xreplace(env)) for e in a.shape)


def largest(d: Derivation, env: Env) -> int:
    """The most entries any array of the layer has at ``env`` (0 if one is empty)."""
    dims = [shape(a, env) for a in d.layer.arrays().values()]
    if any(v < 1 for dim in dims for v in dim):
        return 0
    return max((int(np.prod(dim)) for dim in dims), default=1)


def _fn(args: tuple, e: sp.Expr) -> Callable:
    """``e`` as a Python function of integer ``args`` (small values: floats are exact enough)."""
    return sp.lambdify(args, e, modules=[{"floor": math.floor, "ceiling": math.ceil, "Max": max, "Min": min},
                                         "math"])


@dataclass
class _Plan:
    """One gradient's terms with their limits compiled, for enumerating the cases."""

    d: Derivation

    @cached_property
    def terms(self) -> list[tuple[str, sp.Symbol, tuple, list]]:
        layer = self.d.layer
        sizes = tuple(layer.sizes)
        out = []
        for g in self.d.gradients:
            for k, t in enumerate(g.terms):
                scope = sizes + tuple(g.free)
                bounds = []
                for b in t.sums:
                    b = replace(b, lower=tuple(map(sp.sympify, b.lower)),
                                upper=tuple(map(sp.sympify, b.upper)))
                    args = scope + (b.index,)
                    floors = sorted({f for e in b.lower + b.upper for f in e.atoms(sp.floor, sp.ceiling)},
                                    key=sp.srepr)
                    bounds.append((
                        str(b.index),
                        [_fn(scope, e) for e in b.lower],
                        [_fn(scope, e) for e in b.upper],
                        _clip_positions(b),
                        [(str(f), _fn(scope, f.args[0])) for f in floors],
                    ))
                    scope = args
                body_floors = sorted(
                    {f for e in (t.body, *t.guards) for f in e.atoms(sp.floor, sp.ceiling)}, key=sp.srepr
                )
                inner = [(str(f), _fn(scope, f.args[0])) for f in body_floors]
                guards = [(str(gd), _fn(scope, gd)) for gd in t.guards]
                while bounds and not inner and not guards and not _branches(bounds[-1]):
                    bounds.pop()  # nothing to reach inside: do not enumerate these sums
                out.append((f"{g.target.label}#{k}", g, bounds, (inner, guards)))
        return out

    @cached_property
    def strides(self) -> list[tuple[str, str, sp.Expr, sp.Expr]]:
        """``(read, window index, stride, window extent)`` of every strided read with a window."""
        out = []
        sizes = set(self.d.layer.sizes)
        arrays = self.d.layer.arrays()
        for eq in self.d.layer.equations:
            for acc, is_padded, extents in _reads(eq.rhs, {}):
                for e, axis in zip(acc.indices, arrays[str(acc.base.label)].shape):
                    e = sp.expand(e)
                    for i in e.free_symbols - sizes:
                        c = e.coeff(i)
                        c = -c if c.could_extract_minus_sign() else c
                        if not c.free_symbols or not c.free_symbols <= sizes:
                            continue
                        out += [(str(e), str(j), c, ext) for j, ext in extents.items()
                                if j != i and e.coeff(j) in (1, -1)]
                        if is_padded:  # a gather over a padded kernel (a transposed convolution): its taps
                            out.append((f"{acc.base.label}[…{e}…]", "its axis", c, axis))
        return out


def _branches(bound: tuple) -> bool:
    _, lower, upper, _, floors = bound
    return len(lower) > 1 or len(upper) > 1 or bool(floors)


def _clip_positions(b) -> tuple[set, set]:
    """Which arguments of the limits are the declared range (the others clip it)."""
    lo = {k for k, e in enumerate(b.lower) if sp.expand(e - b.declared[0]) == 0}
    hi = {k for k, e in enumerate(b.upper) if sp.expand(e - b.declared[1]) == 0}
    return lo, hi


def _winner(values: list) -> int | None:
    best = max(values)
    hits = [k for k, v in enumerate(values) if v == best]
    return hits[0] if len(hits) == 1 else None


def cases(d: Derivation, env: Env, plan: _Plan | None = None) -> set[tuple]:
    """The cases of ``d``'s bounds that sizes ``env`` reach (see the module's list)."""
    plan = plan or _Plan(d)
    found: set[tuple] = set(_stride_cases(plan, env))
    sizes = [env[s] for s in d.layer.sizes]
    for name, g, bounds, (inner, guards) in plan.terms:
        budget = [MAX_POINTS]
        every = _possible(name, bounds, inner, guards)
        for point in itertools.product(*(range(n) for n in shape(g.target, env))):
            _walk(name, bounds, inner, guards, sizes + list(point), found, budget)
            if budget[0] <= 0 or every <= found:
                break
    return found


def _possible(name: str, bounds: list, inner: list, guards: list) -> set[tuple]:
    """Every case a term has (so enumeration can stop once all are reached)."""
    out = set()
    for index, lower, upper, _, floors in bounds:
        out |= {(name, index, "max", k) for k in range(len(lower))} if len(lower) > 1 else set()
        out |= {(name, index, "min", k) for k in range(len(upper))} if len(upper) > 1 else set()
        out |= {(name, index, key, side) for key, _ in floors for side in ("exact", "rounds")}
    out |= {(name, key, side) for key, _ in inner for side in ("exact", "rounds")}
    out |= {(name, key, side) for key, _ in guards for side in (True, False)}
    return out


def _walk(name: str, bounds: list, inner: list, guards: list, scope: list, found: set, budget: list) -> None:
    budget[0] -= 1
    if budget[0] <= 0:
        return
    if not bounds:
        for key, f in inner:
            v = f(*scope)
            found.add((name, key, "exact" if v == math.floor(v) else "rounds"))
        for key, f in guards:
            found.add((name, key, bool(f(*scope))))
        return
    (index, lower, upper, (lo_decl, hi_decl), floors), rest = bounds[0], bounds[1:]
    for key, f in floors:
        v = f(*scope)
        found.add((name, index, key, "exact" if v == math.floor(v) else "rounds"))
    los, his = [f(*scope) for f in lower], [f(*scope) for f in upper]
    lo_win = _winner(los) if len(los) > 1 else None
    hi_win = _winner([-v for v in his]) if len(his) > 1 else None
    if lo_win is not None:
        found.add((name, index, "max", lo_win))
    if hi_win is not None:
        found.add((name, index, "min", hi_win))
    a, b = math.ceil(max(los)), math.floor(min(his))
    clipped = lo_win is not None and hi_win is not None and lo_win not in lo_decl and hi_win not in hi_decl
    if clipped and a <= b:
        found.add((name, index, "clipped on both edges"))
    for v in range(a, b + 1):
        _walk(name, rest, inner, guards, scope + [v], found, budget)
        if budget[0] <= 0:
            return


def _stride_cases(plan: _Plan, env: Env) -> list[tuple]:
    """A read ``s·y + a``, ``a`` summed over ``E`` values: ``E > s`` (overlapping taps), ``E < s`` (gaps)."""
    out = []
    for read, j, c, ext in plan.strides:
        s, n = int(c.xreplace(env)), int(ext.xreplace(env))
        if s > 1 and n > s:
            out.append(("stride", read, j, "more taps than the stride (they overlap)"))
        elif s > 1 and n < s:
            out.append(("stride", read, j, "fewer taps than the stride (gaps)"))
    return out


def _reads(e: sp.Basic, extents: dict, is_padded: bool = False):
    """Every read in ``e`` (whether padded), with the extents of the sums around it."""
    if isinstance(e, sp.Sum):
        inner = dict(extents)
        for var, lo, hi in e.limits:
            inner[var] = hi - lo + 1
        yield from _reads(e.function, inner)
        return
    if isinstance(e, padded):
        yield from _reads(e.args[0], extents, True)
        return
    if isinstance(e, sp.Indexed):
        yield e, is_padded, extents
        return
    for a in e.args:
        yield from _reads(a, extents)


def candidates(d: Derivation, limit: int, seed: int = 0) -> list[Env]:
    """Distinct size assignments, every array of 1..``limit`` entries, smallest first (deterministic)."""
    layer = d.layer
    rng = np.random.default_rng(seed)
    found: dict[tuple, Env] = {}
    for _ in range(CANDIDATES * 4):
        env = {s: int(rng.choice(HYPER_VALUES if s in layer.hyper else VALUES)) for s in layer.sizes}
        size = largest(d, env)
        if 1 <= size <= limit:
            found.setdefault(tuple(env.values()), env)
        if len(found) >= CANDIDATES:
            break
    return sorted(found.values(), key=lambda env: (largest(d, env), tuple(env.values())))


def cover(reach: list[tuple[Env, set]], have: set, count: int | None = None) -> tuple[list[Env], set]:
    """Greedily, sizes of ``reach`` (each with the cases it reaches) reaching the cases not in ``have``
    (at most ``count`` of them); and every case then reached."""
    reach = list(reach)
    chosen, seen = [], set(have)
    while count is None or len(chosen) < count:
        best = max(reach, key=lambda er: len(er[1] - seen), default=None)
        if best is None or not best[1] - seen:
            break
        chosen.append(best[0])
        seen |= best[1]
        reach.remove(best)
    return chosen, seen


def choose(d: Derivation, small_limit: int, large_limit: int, count: int = 3
           ) -> tuple[list[Env], list[Env], set, set]:
    """``count`` sizes of at most ``small_limit`` entries an array (for the exhaustive proof), then
    sizes of at most ``large_limit`` reaching every case those miss; with the cases the first reach
    and every case any candidate reaches."""
    plan = _Plan(d)
    reach = [(env, cases(d, env, plan)) for env in candidates(d, large_limit)]
    small = [er for er in reach if largest(d, er[0]) <= small_limit]
    first, seen = cover(small, set(), count)
    # fill up with those where the most sizes exceed 1 (strides, windows that overlap), smallest first
    rest = sorted((er for er in small if er[0] not in first),
                  key=lambda er: -sum(v > 1 for v in er[0].values()))
    for env, found in rest[: count - len(first)]:
        first.append(env)
        seen |= found
    more, reached = cover([er for er in reach if er[0] not in first], seen)
    return first, more, seen, reached


def named(d: Derivation) -> set[tuple]:
    """Every case the derived bounds name (some may be reached at no size: a clip that never binds)."""
    plan = _Plan(d)
    out = set().union(*(_possible(name, bounds, inner, guards)
                        for name, _, bounds, (inner, guards) in plan.terms))
    for read, j, _, _ in plan.strides:
        out |= {("stride", read, j, side) for side in ("more taps than the stride (they overlap)",
                                                       "fewer taps than the stride (gaps)")}
    return out


def summary(d: Derivation, reached: set[tuple]) -> str:
    """How many of the cases the bounds name the chosen sizes reach."""
    every = named(d) | reached
    if not every:
        return "the derived bounds split into no cases"
    return (f"reach {len(reached)} of the {len(every)} cases of the derived bounds (max/min branches, "
            "floors, guards, clipped windows, strides)")
