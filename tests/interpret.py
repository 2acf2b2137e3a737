"""A slow, obviously-correct interpreter of layer equations and derived gradients.

Tests use it to evaluate a forward equation and a derived bounded sum at
concrete sizes, entry by entry, so the derivation is checked independently of
code generation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy as sp

from symcnn.derive import Derivation, Gradient
from symcnn.model import padded, relu, sigmoid, step
from symcnn.model.layer import Layer

FUNCS = {
    sigmoid: lambda v: 1.0 / (1.0 + math.exp(-v)),
    step: lambda v: 1.0 if v > 0 else 0.0,
    relu: lambda v: max(v, 0.0),
    sp.tanh: math.tanh,
    sp.exp: math.exp,
    sp.log: math.log,
    sp.Abs: abs,
    sp.sign: lambda v: float(np.sign(v)),
}

#: When true, reads outside an array give 0 (for evaluating deliberately shifted mutants).
LENIENT = False


def ev(e: sp.Basic, env: dict, arrays: dict) -> float:
    """Evaluate ``e`` with index/size values in ``env`` and arrays by name."""
    if e.is_Number:
        return float(e) if not e.is_Integer else int(e)
    if isinstance(e, sp.Symbol):
        return env[e]
    if isinstance(e, sp.Indexed):
        idx = tuple(int(ev(i, env, arrays)) for i in e.indices)
        a = arrays[str(e.base.label)]
        if any(k < 0 or k >= s for k, s in zip(idx, a.shape)):
            if LENIENT:
                return 0.0
            raise IndexError(f"{e} -> {idx} outside {a.shape}")
        return float(a[idx])
    if isinstance(e, padded):  # zero outside its array
        idx = tuple(int(ev(i, env, arrays)) for i in e.args[0].indices)
        a = arrays[str(e.args[0].base.label)]
        return float(a[idx]) if all(0 <= k < s for k, s in zip(idx, a.shape)) else 0.0
    if isinstance(e, sp.Add):
        return sum(ev(a, env, arrays) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out *= ev(a, env, arrays)
        return out
    if isinstance(e, sp.Pow):
        return ev(e.base, env, arrays) ** ev(e.exp, env, arrays)
    if isinstance(e, sp.Sum):
        return _sum(e.function, list(e.limits), env, arrays)
    if isinstance(e, sp.Max):
        return max(ev(a, env, arrays) for a in e.args)
    if isinstance(e, sp.Min):
        return min(ev(a, env, arrays) for a in e.args)
    if isinstance(e, sp.Piecewise):
        for val, cond in e.args:
            if cond is sp.true or _holds(cond, env, arrays):
                return ev(val, env, arrays)
        return 0.0
    if isinstance(e, sp.floor):  # exactly, in integers: float division would round wrong
        exact = e.args[0].xreplace({k: sp.Integer(v) for k, v in env.items() if isinstance(v, int)})
        return int(sp.floor(exact))
    if e.func in FUNCS:
        return FUNCS[e.func](ev(e.args[0], env, arrays))
    raise TypeError(f"cannot evaluate {e!r}")


def _holds(cond: sp.Basic, env: dict, arrays: dict) -> bool:
    if isinstance(cond, sp.And):
        return all(_holds(c, env, arrays) for c in cond.args)
    lhs, rhs = ev(cond.lhs, env, arrays), ev(cond.rhs, env, arrays)
    return {sp.Eq: lhs == rhs, sp.Ge: lhs >= rhs, sp.Le: lhs <= rhs}[type(cond)]


def _sum(body, limits, env, arrays):
    var, lo, hi = limits[-1]  # SymPy: last limit is the outermost
    total = 0.0
    for v in range(int(ev(lo, env, arrays)), int(ev(hi, env, arrays)) + 1):
        inner = {**env, var: v}
        total += _sum(body, limits[:-1], inner, arrays) if len(limits) > 1 else ev(body, inner, arrays)
    return total


def shape_of(a: sp.IndexedBase, env: dict) -> tuple[int, ...]:
    return tuple(int(ev(s, env, {})) for s in a.shape)


def fill(a: sp.IndexedBase, env: dict, fn) -> np.ndarray:
    shape = shape_of(a, env)
    out = np.zeros(shape)
    for idx in itertools.product(*map(range, shape)):
        out[idx] = fn(idx)
    return out


def record(op: str, source: np.ndarray, factor: int) -> np.ndarray:
    if op == "row_max":
        return source.max(axis=-1)
    out = np.zeros_like(source)
    H, W = source.shape[-2:]
    for lead in itertools.product(*map(range, source.shape[:-2])):
        for by in range(0, H, factor):
            for bx in range(0, W, factor):
                block = source[lead + (slice(by, by + factor), slice(bx, bx + factor))]
                r, c = np.unravel_index(np.argmax(block), block.shape)
                out[lead + (by + r, bx + c)] = 1.0
    return out


def forward(layer: Layer, env: dict, arrays: dict) -> dict:
    """Every record and equation of ``layer``, in order, into ``arrays`` (a copy)."""
    arrays = dict(arrays)
    for r in layer.records:
        arrays[str(r.array.label)] = record(r.op, arrays[str(r.source.label)], int(ev(r.factor, env, {})))
    for eq in layer.equations:
        arrays[str(eq.array.label)] = fill(
            eq.array, env, lambda idx, eq=eq: ev(eq.rhs, {**env, **dict(zip(eq.free, idx))}, arrays)
        )
    return arrays


def gradient(g: Gradient, env: dict, arrays: dict) -> np.ndarray:
    rhs = g.rhs()
    return fill(g.target, env, lambda idx: ev(rhs, {**env, **dict(zip(g.free, idx))}, arrays))


def backward(d: Derivation, env: dict, arrays: dict, gradients=None) -> dict:
    """Evaluate every derived gradient in order; seeds ``d<output>`` must be in ``arrays``."""
    arrays = dict(arrays)
    for g in gradients or d.gradients:
        arrays[str(g.target.label)] = gradient(g, env, arrays)
    return arrays
