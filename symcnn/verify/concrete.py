"""Evaluate index-notation expressions at concrete sizes.

Three modes share one walker: *symbolic*, where every array entry is its own
SymPy symbol and the result is a polynomial (or rational function) in them —
what ``expand(derived − closed) == 0`` is checked on — *numeric*, with
random float64 entries, a quick pre-check before the symbolic expansion, and
*exact in a field* (``Env.field``, e.g. :mod:`.modular`): constants as exact
fractions, arithmetic on the entries' own number type, powers and functions
by the field's rules.
Reading outside an array is an error: a closed form or a derivation that
indexes off its map is wrong, not zero.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from ..model import padded, relu, sigmoid, step

NUMERIC = {
    sigmoid: lambda v: 1.0 / (1.0 + math.exp(-v)),
    step: lambda v: 1.0 if v > 0 else 0.0,
    relu: lambda v: max(v, 0.0),
    sp.tanh: math.tanh,
    sp.exp: math.exp,
    sp.log: math.log,
    sp.Abs: abs,
    sp.sign: lambda v: float(np.sign(v)),
    sp.floor: math.floor,
    sp.ceiling: math.ceil,
}


@dataclass
class Env:
    """Array entries by array name, and values of sizes and free indices."""

    arrays: dict[str, np.ndarray]
    scalars: dict[sp.Symbol, int] = field(default_factory=dict)
    numeric: bool = False
    #: exact mode: ``pow(base, exponent)`` and ``function(name, args)`` for the entries' number type
    field: object | None = None

    def bind(self, values: dict[sp.Symbol, int]) -> Env:
        return Env(self.arrays, {**self.scalars, **values}, self.numeric, self.field)


def entry_symbols(name: str, shape: tuple[int, ...], positive: bool = False) -> np.ndarray:
    """An object array of symbols ``name_i_j…``, one per entry."""
    out = np.empty(shape, dtype=object)
    for idx in itertools.product(*(range(s) for s in shape)):
        label = "_".join([name, *map(str, idx)])
        out[idx] = sp.Symbol(label, real=True, positive=positive or None)
    return out


def evaluate(e: sp.Basic, env: Env, extra: dict | None = None):
    """``e`` at the sizes, indices and array entries of ``env``."""
    return _Walker(env, extra or {}).run(e)


class _Walker:
    def __init__(self, env: Env, extra: dict) -> None:
        self.env = env
        self.vars: dict = {**env.scalars, **extra}

    def run(self, e):
        if not isinstance(e, sp.Basic):
            return e
        if self.env.field is not None:
            return self._exact(e)
        return self._walk(e)

    def _walk(self, e):
        if e.is_Symbol:
            if e in self.vars:
                return self.vars[e]
            raise KeyError(f"no value for {e}")
        if e.is_Integer and self.env.numeric:
            return int(e)
        if e.is_Number:
            if self.env.numeric:
                return int(e) if e.is_Integer else float(e)
            return e
        if isinstance(e, sp.Symbol):
            if e in self.vars:
                return self.vars[e]
            raise KeyError(f"no value for {e}")
        if isinstance(e, sp.Indexed):
            return self._indexed(e)
        if isinstance(e, padded):  # zero where the read leaves its array
            outside = 0 if self.env.field is not None else 0.0 if self.env.numeric else sp.S.Zero
            return self._indexed(e.args[0], outside=outside)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits))
        if isinstance(e, sp.Add):
            args = [self.run(a) for a in e.args]
            return sum(args[1:], args[0]) if self.env.numeric else sp.Add(*args)
        if isinstance(e, sp.Mul):
            args = [self.run(a) for a in e.args]
            if self.env.numeric:
                out = 1.0
                for a in args:
                    out *= a
                return out
            return sp.Mul(*args)
        if isinstance(e, sp.Pow):
            b, x = self.run(e.base), self.run(e.exp)
            return b**x if self.env.numeric else sp.Pow(b, x)
        if isinstance(e, (sp.Max, sp.Min)):
            vals = [self._int(a) for a in e.args]
            return max(vals) if isinstance(e, sp.Max) else min(vals)
        if isinstance(e, (sp.floor, sp.ceiling)):
            x = self.run(e.args[0])
            return math.floor(x) if isinstance(e, sp.floor) else math.ceil(x)
        if isinstance(e, sp.KroneckerDelta):
            return 1 if self._int(e.args[0]) == self._int(e.args[1]) else 0
        if isinstance(e, sp.Piecewise):
            for val, cond in e.args:
                if cond is sp.true or bool(self._cond(cond)):
                    return self.run(val)
            raise ValueError(f"no branch of {e} holds")
        if isinstance(e, sp.Function):
            args = [self.run(a) for a in e.args]
            if self.env.numeric:
                return NUMERIC[e.func](*args)
            return e.func(*args)
        raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")

    def _exact(self, e):
        """Exact mode: numbers as ``int``/``Fraction``, the rest by the field's rules."""
        f = self.env.field
        if e.is_Number:
            if e.is_Integer:
                return int(e)
            if e.is_Rational:
                return Fraction(int(e.p), int(e.q))
            from .modular import decimal_fraction

            return decimal_fraction(float(e))
        if isinstance(e, sp.Add):
            args = [self.run(a) for a in e.args]
            return sum(args[1:], args[0])
        if isinstance(e, sp.Mul):
            out = 1
            for a in e.args:
                out = out * self.run(a)
            return out
        if isinstance(e, sp.Pow):
            b = self.run(e.base)
            if isinstance(b, (int, Fraction)) and e.exp.is_Integer:
                return Fraction(b) ** int(e.exp)
            return f.power(b, e.exp)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits))
        if isinstance(e, sp.Function) and not isinstance(
            e, (sp.Max, sp.Min, sp.floor, sp.ceiling, sp.KroneckerDelta, sp.Piecewise)
        ):
            return f.function(e.func.__name__, [self.run(a) for a in e.args])
        return self._walk(e)  # symbols, reads, and the integer functions of indices

    def _int(self, e) -> int:
        if e.is_Integer:
            return int(e)
        if e.is_Symbol:
            return self.vars[e]
        v = self.run(e)
        iv = int(v)
        if iv != v:
            raise ValueError(f"index {e} = {v} is not an integer")
        return iv

    def _cond(self, c):
        if isinstance(c, sp.And):
            return all(self._cond(a) for a in c.args)
        if isinstance(c, sp.Or):
            return any(self._cond(a) for a in c.args)
        if isinstance(c, sp.Rel):
            lhs, rhs = self.run(c.lhs), self.run(c.rhs)
            return bool(c.func(lhs, rhs))
        raise TypeError(f"cannot evaluate condition {c}")

    def _indexed(self, e: sp.Indexed, outside=None):
        data = self.env.arrays[e.base.label.name]
        idx = tuple(self._int(i) for i in e.indices)
        if len(idx) != data.ndim or any(k < 0 or k >= s for k, s in zip(idx, data.shape)):
            if outside is not None and len(idx) == data.ndim:
                return outside
            raise IndexError(f"{e} reads {idx}, outside an array of shape {data.shape}")
        return data[idx]

    def _sum(self, body, limits):
        if not limits:
            return self.run(body)
        (var, lo, hi), rest = limits[-1], limits[:-1]  # SymPy lists the innermost first
        a, b = self._int(lo), self._int(hi)
        parts = []
        saved = self.vars.get(var, None)
        for k in range(a, b + 1):
            self.vars[var] = k
            parts.append(self._sum(body, rest))
        if saved is None:
            self.vars.pop(var, None)
        else:
            self.vars[var] = saved
        if self.env.field is not None:
            return sum(parts[1:], parts[0]) if parts else 0
        if self.env.numeric:
            return float(sum(parts)) if parts else 0.0
        return sp.Add(*parts) if parts else sp.S.Zero
