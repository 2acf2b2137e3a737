"""An independent oracle for any layer's derived gradients, and the proof of each gradient against it.

Sizes are chosen from the layer (:mod:`.sizes`): a few small ones, and more
where the small ones miss a case of the derived bounds (a branch of a
``max``/``min``, a floor that rounds, a window clipped on both edges, taps
that overlap). Each gradient is proven one of two ways, and its verdict says
which:

- *exhaustive symbolic* (at the small sizes, where the layer has no roots):
  every entry of every input, parameter, constant, record and output seed is
  its own SymPy symbol, the forward is evaluated entry by entry (sums and
  clipped windows unrolled, padded reads outside the array 0), ``E = Σ_o Σ dO
  ∘ O``, and the oracle's gradient is ``∂E/∂entry`` by ``sp.diff`` — of the
  inputs through every equation, of an intermediate ``V`` with ``V``'s entries
  made symbols in the equations after it. The derived gradient, evaluated at
  the same sizes from its bounded sums, must equal it entry for entry:
  ``expand(derived − oracle) == 0``, else ``simplify``;
- *randomized identity test* (at every size): the same oracle by reverse-mode
  differentiation of the unrolled forward, shared entries kept as one unknown,
  and both sides evaluated exactly at random points modulo a prime
  (:mod:`.identity`; Schwartz–Zippel bounds the chance a wrong gradient passes).

No part of the derivation engine is used to compute the oracle. Each layer's
proof has a time budget (:data:`BUDGET`); what it did not prove in time is
reported as not proven, never waited for.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..derive.engine import Derivation
from . import identity, modular, sizes
from .budget import OutOfTime, limit
from .concrete import Env, entry_symbols, evaluate

#: Largest array, in entries, a concrete size may give (keeps the expansion small).
MAX_ENTRIES = 32
#: Largest array at the sizes only the randomized identity test runs at.
MAX_ENTRIES_RANDOM = 400
#: Seconds a layer's proof may take in all, and of them the exhaustive symbolic comparison.
BUDGET, SYMBOLIC_BUDGET = 60.0, 30.0
#: Random points per size of the identity test.
POINTS = 3


@dataclass(frozen=True)
class Verdict:
    """One derived gradient against the oracle: proven (and how), refuted, or not proven in time.

    ``symbolic``: the sizes where it was proven exhaustively, a symbol per entry; ``randomized``: the
    sizes where only the randomized identity test proved it (``points`` each; a wrong entry passes
    with probability at most ``bound``).
    """

    gradient: str
    holds: bool
    sizes: tuple[str, ...]
    detail: str = ""
    symbolic: tuple[str, ...] = ()
    randomized: tuple[str, ...] = ()
    points: int = 0
    bound: float = 0.0
    refuted: bool = False
    #: what the sizes reach: "reach 26 of the 26 cases of the derived bounds (…)"
    cases: str = ""

    @property
    def method(self) -> str:
        """``symbolic``, ``symbolic+randomized``, ``randomized``, or ``none`` (refuted or not proven)."""
        if not self.holds:
            return "none"
        return "+".join(m for m, s in (("symbolic", self.symbolic), ("randomized", self.randomized)) if s)

    def text(self) -> str:
        if self.refuted:
            return f"REFUTED: {self.detail}"
        if not self.holds:
            return f"NOT PROVEN: {self.detail}"
        parts = []
        if self.symbolic:
            parts.append(f"proven exhaustively at {len(self.symbolic)} sizes ({'; '.join(self.symbolic)}), "
                         "a symbol per entry")
        if self.randomized:
            more = " more" if self.symbolic else ""
            how = "" if self.symbolic else "proven by "
            n = len(self.randomized)
            parts.append(
                f"{how}a randomized identity test at {n}{more} size{'s' if n != 1 else ''} "
                f"({'; '.join(self.randomized)}): equal at {self.points} random points each, exactly modulo "
                f"2^61 − 1 (Schwartz–Zippel: a wrong entry passes with probability ≤ {self.bound:.0e})"
            )
        text = "; and by ".join(parts) if self.symbolic else parts[0]
        return text + (f" ({self.detail})" if self.detail else "")


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


def where(env: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in env.items())


def symbolic_ok(d: Derivation) -> bool:
    """Whether the exhaustive expansion is worth trying: no root or fractional power in the forward
    (``expand`` of ``(Σ … + eps)^(-3/2)`` over dozens of symbols does not finish)."""
    for eq in d.layer.equations:
        for p in eq.rhs.atoms(sp.Pow):
            if not p.exp.is_Integer:
                return False
    return True


@dataclass
class _Tally:
    """What the proof of one gradient found so far."""

    refuted: str = ""
    symbolic: list[str] = field(default_factory=list)
    degree: int = 1
    unproven: str = ""
    random_failed: str = ""


def _symbolic(d: Derivation, env: dict, tally: dict[str, _Tally], tick: Callable[[], None]) -> None:
    """The exhaustive comparison at one size, for the gradients not yet refuted."""
    full, oracle = oracle_gradients(d, env)
    derived, failed = derived_gradients(d, full, env)
    for name, want in oracle.items():
        t = tally[name]
        if t.refuted or t.unproven:
            continue
        if name in failed:
            t.refuted = f"at {where(env)}: {failed[name]}"
            continue
        ok = True
        for idx in itertools.product(*map(range, want.shape)):
            tick()
            if not _equal(derived[name][idx], want[idx]):
                ok = False
                t.unproven = (f"{name}{list(idx)} at {where(env)}: the expansion of derived − diff did not "
                              "reach 0")
                break
        if ok:
            t.symbolic.append(where(env))


def check(d: Derivation, count: int = 3, budget: float | None = None,
          progress: Callable[[str], None] | None = None, use_cache: bool = True) -> list[Verdict]:
    """Every derived gradient of ``d`` against the oracle, at sizes chosen from the layer.

    ``budget`` (default :data:`BUDGET`) seconds in all; ``progress(text)`` hears what is being done.
    With ``use_cache``, verdicts proven before for the same derivation are read from the cache.
    """
    from . import proofcache

    kept = proofcache.load(d, count) if use_cache else None
    if kept is not None and [v["gradient"] for v in kept] == [str(g.target.label) for g in d.gradients]:
        return [Verdict(**v) for v in kept]
    out = _check(d, count, budget, progress)
    if all(v.holds or v.refuted for v in out):
        proofcache.save(d, count, [dataclasses.asdict(v) for v in out])
    return out


def _check(d: Derivation, count: int, budget: float | None, progress: Callable[[str], None] | None
           ) -> list[Verdict]:
    """The proof itself: sizes, the randomized test at all of them, the expansion at the small ones."""
    say = progress or (lambda text: None)
    budget = BUDGET if budget is None else budget
    start = time.monotonic()
    names = [str(g.target.label) for g in d.gradients]
    tally = {name: _Tally() for name in names}
    layer = d.layer.name
    first: list[dict] = []
    every: list[dict] = []
    random_done: list[str] = []
    timed_out, cases, left = "", "", SYMBOLIC_BUDGET
    try:
        with limit(budget - (time.monotonic() - start)) as tick:
            say(f"{layer}: choosing sizes that reach every case of the bounds")
            first, more, _, reached = sizes.choose(d, MAX_ENTRIES, MAX_ENTRIES_RANDOM, count)
            every = first + more
            cases = sizes.summary(d, reached)
            for k, env in enumerate(every, 1):
                say(f"{layer}: randomized identity test, size {k}/{len(every)} ({where(env)})")
                graph = identity.Graph.build(d, env, tick)
                seed = sum(env.values()) * 7919 + k
                for name, o in identity.identity_test(graph, POINTS, seed, tick).items():
                    t = tally[name]
                    t.degree = max(t.degree, o.degree)
                    if o.refuted and not t.refuted:
                        t.refuted = o.detail
                    elif not o.holds and not t.random_failed:
                        t.random_failed = o.detail
                random_done.append(where(env))
    except OutOfTime:
        timed_out = "randomized"
    if symbolic_ok(d) and not timed_out:
        left = min(SYMBOLIC_BUDGET, budget - (time.monotonic() - start))
        try:
            with limit(left) as tick:
                for k, env in enumerate(first, 1):
                    say(f"{layer}: exhaustive symbolic proof, size {k}/{len(first)} ({where(env)})")
                    _symbolic(d, env, tally, tick)
        except OutOfTime:
            timed_out = "symbolic"
    texts = tuple(where(env) for env in every)
    spent = time.monotonic() - start
    out = []
    for name in names:
        t = tally[name]
        bound = (t.degree / modular.P) ** POINTS
        if t.refuted:
            out.append(Verdict(name, False, texts, t.refuted, refuted=True))
            continue
        if timed_out == "randomized":
            done = f"the randomized identity test held at {len(random_done)} of {len(every)} sizes"
            out.append(Verdict(name, False, texts, f"not proven within {budget:.0f} s ({done}); "
                               "numeric checks below"))
            continue
        symbolic = tuple(t.symbolic) if len(t.symbolic) == len(first) else ()
        if t.random_failed and not symbolic:
            out.append(Verdict(name, False, texts, f"not proven: {t.random_failed}"))
            continue
        randomized = () if t.random_failed else tuple(x for x in random_done if x not in symbolic)
        note = f"the randomized test at more sizes: {t.random_failed}" if t.random_failed else ""
        if symbolic_ok(d) and not symbolic:
            why = t.unproven or f"not finished within {max(left, 0):.0f} s"
            note = f"the exhaustive symbolic comparison: {why}"
        out.append(Verdict(name, True, texts, note, symbolic, randomized, POINTS, bound, cases=cases))
    say(f"{layer}: proof done in {spent:.1f} s")
    return out
