"""Prove a claim: symbolically for all sizes, and exhaustively at concrete sizes.

*Symbolic*: both sides are brought to the canonical bounded-sum form of
:mod:`symcnn.verify.canon` and compared structurally; only when they agree
does the verdict say "proven for all sizes".

*Concrete*: at each size configuration every array entry is its own symbol,
both sides are evaluated entry by entry, and ``expand(derived − closed)`` must
be ``0`` (rational functions of ``exp`` and ``log`` are cancelled first). A
float64 evaluation with random entries runs before it, so a wrong closed form
is refuted in milliseconds, with the entry where it differs.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .canon import NotCanonical, canonical, describe, same
from .compose import unfold
from .concrete import Env, entry_symbols, evaluate
from .matlab import MatFn
from .paper import Claim, Config

RTOL = 1e-9


@dataclass(frozen=True)
class Check:
    """The outcome at one size configuration."""

    config: str
    ok: bool
    detail: str = ""
    numeric: bool = False


@dataclass
class Proof:
    """Symbolic and concrete outcomes for one closed form against the derivation."""

    closed: MatFn
    symbolic: bool | None = None
    symbolic_detail: str = ""
    checks: list[Check] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def verdict(self) -> str:
        if not self.holds:
            bad = next(c for c in self.checks if not c.ok)
            return f"refuted at {bad.config}: {bad.detail}"
        exhaustive = not any(c.numeric for c in self.checks)
        if self.symbolic:
            how = "exhaustively" if exhaustive else "in float64"
            return f"proven for all sizes (and checked {how} at {len(self.checks)} sizes)"
        if not exhaustive:
            return "agrees in float64 at sizes " + "; ".join(c.config for c in self.checks)
        return "proven exhaustively, a symbol per entry, at sizes " + "; ".join(c.config for c in self.checks)


# ---- concrete -----------------------------------------------------------------------------------


def _bases(*exprs: sp.Basic) -> dict[str, sp.IndexedBase]:
    out = {}
    for e in exprs:
        for b in e.atoms(sp.IndexedBase):
            out[str(b.label)] = b
    return dict(sorted(out.items()))


def _shape(b: sp.IndexedBase, cfg: Config) -> tuple[int, ...]:
    return tuple(int(sp.sympify(x).xreplace(cfg.sizes)) for x in b.shape)


def build_env(claim: Claim, closed: MatFn, cfg: Config, numeric: bool, seed: int = 0) -> Env:
    """Array entries for one configuration: symbols (or random floats), definitions evaluated."""
    defs = claim.unfold + claim.unfold_concrete
    defined = {str(e.array.label) for e in defs}
    every = _bases(claim.derived, closed, *(e.rhs for e in defs), *(e.lhs for e in defs))
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for name, b in every.items():
        if name in defined:
            continue
        shape = _shape(b, cfg)
        if name in cfg.values:
            data = np.asarray(cfg.values[name], dtype=object)
            arrays[name] = data.astype(float).astype(object) if numeric else data
        elif numeric:
            arrays[name] = rng.uniform(-1.0, 1.0, size=shape).astype(object)
        else:
            arrays[name] = entry_symbols(name, shape)
    env = Env(arrays, dict(cfg.sizes), numeric)
    pending = list(defs)
    while pending:
        ready = [e for e in pending if {str(a.base.label) for a in e.rhs.atoms(sp.Indexed)} <= set(arrays)]
        if not ready:
            raise ValueError(f"{claim.name}: definitions depend on each other: {pending}")
        for eq in ready:
            shape = _shape(eq.array, cfg)
            data = np.empty(shape, dtype=object)
            for idx in itertools.product(*(range(x) for x in shape)):
                data[idx] = evaluate(eq.rhs, env.bind(dict(zip(eq.free, idx))))
            arrays[str(eq.array.label)] = data
            pending.remove(eq)
    return env


def _points(claim: Claim, cfg: Config):
    frees = claim.frees()
    ranges = [range(int(sp.sympify(ext).xreplace(cfg.sizes))) for _, ext in frees]
    for values in itertools.product(*ranges):
        yield dict(zip((f for f, _ in frees), values))


def _closed_values(claim: Claim, closed: MatFn, env: Env) -> dict[tuple, object]:
    """The closed form's value at every point, keyed by the free indices' values."""
    out: dict[tuple, object] = {}
    rows = int(sp.sympify(claim.rows[1]).xreplace(env.scalars)) if claim.rows else 1
    cols = int(sp.sympify(claim.cols[1]).xreplace(env.scalars)) if claim.cols else 1
    outer = [f for f, _ in claim.outer]
    ranges = [range(int(sp.sympify(ext).xreplace(env.scalars))) for _, ext in claim.outer]
    for values in itertools.product(*ranges):
        bound = dict(zip(outer, values))
        mat = closed.xreplace({k: sp.Integer(x) for k, x in bound.items()}).value(env.bind(bound))
        if mat.shape != (rows, cols):
            raise _ShapeMismatch(f"closed form is {mat.shape[0]}×{mat.shape[1]}, the gradient {rows}×{cols}")
        for r in range(rows):
            for c in range(cols):
                key = tuple(values) + ((r,) if claim.rows else ()) + ((c,) if claim.cols else ())
                out[key] = mat[r, c]
    return out


class _ShapeMismatch(Exception):
    pass


def _is_zero(e: sp.Expr) -> bool:
    e = sp.expand(e)
    if e == 0:
        return True
    if not e.has(sp.exp, sp.log, sp.Pow, sp.sign, sp.Abs):
        return False
    e = sp.expand_log(e, force=True)
    return sp.cancel(sp.together(sp.expand(e))) == 0


def _where(claim: Claim, point: dict) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in point.items()) + "]"


def check_config(claim: Claim, closed: MatFn, cfg: Config, numeric: bool, seed: int = 0) -> Check:
    """Compare derived and closed entry by entry at one configuration."""
    try:
        env = build_env(claim, closed, cfg, numeric, seed)
        want = _closed_values(claim, closed, env)
    except _ShapeMismatch as exc:
        return Check(cfg.describe(), False, str(exc))
    except (IndexError, ValueError) as exc:
        return Check(cfg.describe(), False, f"the closed form cannot be evaluated: {exc}")
    got = {}
    try:
        for point in _points(claim, cfg):
            got[tuple(point.values())] = (point, evaluate(claim.derived, env.bind(point)))
    except (IndexError, ValueError) as exc:
        return Check(cfg.describe(), False, f"the derivation cannot be evaluated: {exc}")
    # Inputs are O(1), so rounding is relative to 1 at least.
    scale = max([abs(float(x)) for _, x in got.values()] + [abs(float(x)) for x in want.values()] + [1.0]) \
        if numeric else 0.0
    for key, (point, d) in got.items():
        c = want[key]
        if numeric:
            if abs(float(d) - float(c)) > RTOL * scale:
                return Check(cfg.describe(), False, f"at {_where(claim, point)} derived {float(d):.6g}, "
                             f"closed form {float(c):.6g}")
        elif not _is_zero(d - c):
            return Check(cfg.describe(), False, f"at {_where(claim, point)} derived − closed = "
                         f"{sp.sstr(sp.expand(d - c))[:120]}")
    if claim.expected is not None and cfg.example and not numeric:
        rows = np.array([[got[(r, c)][1] for c in range(claim.expected.shape[1])]
                         for r in range(claim.expected.shape[0])], dtype=float)
        if rows.shape != claim.expected.shape or not np.allclose(rows, claim.expected, rtol=1e-12, atol=0):
            return Check(cfg.describe(), False, f"the worked example gives {rows.tolist()}")
    return Check(cfg.describe(), True)


def seed_of(claim: Claim, k: int) -> int:
    return zlib.crc32(f"{claim.name}/{k}".encode())


def numeric_checks(claim: Claim, closed: MatFn, configs: tuple[Config, ...] | None = None) -> list[Check]:
    """The float64 pre-check at each configuration, up to the first that fails."""
    out = []
    for cfg in claim.configs if configs is None else configs:
        k = next(x for x, c in enumerate(claim.configs) if c is cfg)
        chk = check_config(claim, closed, cfg, numeric=True, seed=seed_of(claim, k))
        out.append(Check(chk.config, chk.ok, chk.detail, numeric=True))
        if not chk.ok:
            break
    return out


def numeric_agrees(claim: Claim, closed: MatFn, configs: tuple[Config, ...] | None = None) -> Check | None:
    """The float64 pre-check at every configuration; the first failing check, or None."""
    bad = [c for c in numeric_checks(claim, closed, configs) if not c.ok]
    return bad[0] if bad else None


# ---- symbolic -----------------------------------------------------------------------------------


def symbolic_sides(claim: Claim, closed: MatFn) -> tuple[sp.Expr, sp.Expr]:
    """Both sides as index expressions, assumptions applied and definitions unfolded."""
    assume = dict(claim.assume)
    u = claim.rows[0] if claim.rows else sp.S.Zero
    v = claim.cols[0] if claim.cols else sp.S.Zero
    sides = []
    for e in (claim.derived, closed.entry(u, v)):
        e = unfold(e, claim.unfold)
        if claim.rewrite is not None:
            e = claim.rewrite(e)
        sides.append(e.xreplace(assume))
    return sides[0], sides[1]


def ranges_of(claim: Claim) -> dict:
    assume = dict(claim.assume)
    return {f: (sp.S.Zero, sp.sympify(ext).xreplace(assume) - 1) for f, ext in claim.frees()}


def prove_symbolic(claim: Claim, closed: MatFn) -> tuple[bool | None, str]:
    """Canonical forms equal: True; unequal: False, with both forms; not comparable: None."""
    if not claim.symbolic:
        return None, "not attempted (a sum in a denominator)"
    assume = dict(claim.assume)
    want = (
        sp.sympify(claim.rows[1]).xreplace(assume) if claim.rows else sp.S.One,
        sp.sympify(claim.cols[1]).xreplace(assume) if claim.cols else sp.S.One,
    )
    have = tuple(sp.sympify(x).xreplace(assume) for x in closed.xreplace(assume).shape)
    if any(sp.expand(a - b) != 0 for a, b in zip(have, want)):
        return False, f"closed form is {have[0]}×{have[1]}, the gradient {want[0]}×{want[1]}"
    try:
        d, c = symbolic_sides(claim, closed)
        rng = ranges_of(claim)
        cd = canonical(d, rng, claim.term_rewrite)
        cc = canonical(c, rng, claim.term_rewrite)
    except NotCanonical as exc:
        return None, f"no canonical form: {exc}"
    if same(cd, cc):
        return True, describe(cd)
    return False, f"derived {describe(cd)}  vs  closed form {describe(cc)}"


def prove(claim: Claim, closed: MatFn | None = None, symbolic: bool = True, exhaustive: bool = True) -> Proof:
    """Prove ``closed`` (default: the claim's closed form) equal to the derivation.

    ``exhaustive=False`` stops after the float64 checks (fast; for reports).
    """
    closed = claim.closed if closed is None else closed
    proof = Proof(closed)
    checks = numeric_checks(claim, closed)
    if not all(c.ok for c in checks):
        proof.checks = [checks[-1]]
        proof.symbolic, proof.symbolic_detail = False, "refuted at concrete sizes"
        return proof
    if not exhaustive:
        proof.checks = checks
        if symbolic:
            proof.symbolic, proof.symbolic_detail = prove_symbolic(claim, closed)
        return proof
    for cfg in claim.configs:
        chk = check_config(claim, closed, cfg, numeric=False)
        proof.checks.append(chk)
        if not chk.ok:
            break
    if symbolic:
        proof.symbolic, proof.symbolic_detail = prove_symbolic(claim, closed)
    return proof
