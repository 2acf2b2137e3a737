"""MATLAB's matrix vocabulary as SymPy functions: ``conv2``, ``rot180``, ``up``, ``down``, ``∘``, ``Σ_{u,v}``.

The paper writes its closed forms with these; so do we. Each function is an
unevaluated SymPy node that means exactly what MATLAB means, and can be read
two ways:

* :meth:`MatFn.entry` — entry ``(u, v)`` in index notation, a scalar SymPy
  expression with bounded ``Sum``\\ s (what the symbolic proofs compare);
* :meth:`MatFn.value` — the whole matrix at concrete sizes, a NumPy object
  array of SymPy entries or of floats (what the exhaustive proofs compare).

Indices are 0-based. ``conv2(A, B, 'full')`` has size ``(ha+hb-1) × (wa+wb-1)``
and entry ``Σ_{a,b} A[u-a, v-b] B[a, b]`` over the pairs that land inside ``A``;
``'valid'`` keeps the ``(ha-hb+1) × (wa-wb+1)`` entries where ``B`` lies wholly
inside ``A``. ``up(x, n) = x ⊗ 1_{n×n}``; ``down(x, n)`` sums each distinct
``n×n`` block. ``plus`` broadcasts a ``1×1`` operand, as MATLAB does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import sympy as sp
from sympy.core.symbol import Str

from .concrete import Env, evaluate

_counter = itertools.count()


def fresh(name: str) -> sp.Dummy:
    """A bound index that cannot capture any other index."""
    return sp.Dummy(name, integer=True)


def _lat(e: sp.Basic, p) -> str:
    return p._print(e)


class MatFn(sp.Function):
    """A matrix-valued node: ``shape``, ``entry(u, v)`` and ``value(env)``."""

    @property
    def shape(self) -> tuple[sp.Expr, sp.Expr]:
        raise NotImplementedError

    def entry(self, u: sp.Expr, v: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def value(self, env: Env) -> np.ndarray:
        raise NotImplementedError

    def _sympystr(self, p) -> str:
        return f"{type(self).__name__.lower()}({', '.join(p._print(a) for a in self.args)})"


def _check(m: sp.Basic) -> MatFn:
    if not isinstance(m, MatFn):
        raise TypeError(f"{m} is not a matrix expression")
    return m


def _grid(rows: int, cols: int, f: Callable[[int, int], object]) -> np.ndarray:
    out = np.empty((rows, cols), dtype=object)
    for u in range(rows):
        for v in range(cols):
            out[u, v] = f(u, v)
    return out


def _int(e: sp.Expr, env: Env) -> int:
    return int(evaluate(sp.sympify(e), env))


class Map(MatFn):
    """``A[prefix…, :, :]``: a map (2 trailing axes), a column vector (1) or a scalar (0)."""

    @property
    def array(self) -> sp.IndexedBase:
        return self.args[0]

    @property
    def prefix(self) -> tuple[sp.Expr, ...]:
        return tuple(self.args[1:])

    @property
    def trailing(self) -> int:
        return len(self.array.shape) - len(self.prefix)

    @property
    def shape(self):
        sh = tuple(self.array.shape)
        if self.trailing == 2:
            return sh[-2], sh[-1]
        if self.trailing == 1:
            return sh[-1], sp.S.One
        return sp.S.One, sp.S.One

    def entry(self, u, v):
        tail = (u, v)[: self.trailing]
        return self.array[self.prefix + tail] if self.prefix + tail else self.array[0]

    def value(self, env):
        data = env.arrays[str(self.array.label)]
        block = data[tuple(_int(p, env) for p in self.prefix)]
        block = np.asarray(block, dtype=object)
        return block.reshape(block.shape + (1,) * (2 - block.ndim))

    def _latex(self, p):
        name = p._print(self.array.label)
        if not self.prefix:
            return name
        if "_" in name or "^" in name:  # `dU1` prints `dU_{1}`: a second subscript needs a group
            name = f"{{{name}}}"
        return f"{name}_{{{','.join(p._print(i) for i in self.prefix)}}}"

    def _sympystr(self, p):
        if not self.prefix:
            return str(self.array.label)
        return f"{self.array.label}[{', '.join(p._print(i) for i in self.prefix)}]"


class Scalar(MatFn):
    """A scalar expression as a ``1×1`` matrix (broadcast by :class:`Plus`)."""

    nargs = 1
    shape = (sp.S.One, sp.S.One)

    def entry(self, u, v):
        return self.args[0]

    def value(self, env):
        return _grid(1, 1, lambda u, v: evaluate(self.args[0], env))

    def _latex(self, p):
        return p._print(self.args[0])

    def _sympystr(self, p):
        return p._print(self.args[0])


class Entrywise(MatFn):
    """``name(M)``: a scalar function applied to every entry, e.g. ``f'(u)``."""

    nargs = 3

    @property
    def shape(self):
        return _check(self.args[2]).shape

    def entry(self, u, v):
        return self.args[1](self.args[2].entry(u, v))

    def value(self, env):
        inner = self.args[2].value(env)
        lam = self.args[1]
        var = lam.variables[0]
        return _grid(*inner.shape, lambda u, v: evaluate(lam.expr, env, {var: inner[u, v]}))

    def _latex(self, p):
        return rf"{self.args[0]}\left({p._print(self.args[2])}\right)"

    def _sympystr(self, p):
        return f"{self.args[0]}({p._print(self.args[2])})"


class Scale(MatFn):
    """``c · M`` with ``c`` a scalar expression."""

    nargs = 2

    @property
    def shape(self):
        return _check(self.args[1]).shape

    def entry(self, u, v):
        return self.args[0] * self.args[1].entry(u, v)

    def value(self, env):
        return evaluate(self.args[0], env) * self.args[1].value(env)

    def _latex(self, p):
        inner = p._print(self.args[1])
        if isinstance(self.args[1], (Plus, Hadamard)):
            inner = rf"\left({inner}\right)"
        return rf"{p.parenthesize(self.args[0], 50)}\, {inner}"

    def _sympystr(self, p):
        c = self.args[0]
        coef = f"({p._print(c)})" if isinstance(c, sp.Add) else p._print(c)
        return f"{coef}*({p._print(self.args[1])})"


class Plus(MatFn):
    """``A + B + …``; a ``1×1`` operand is broadcast."""

    @property
    def shape(self):
        for a in self.args:
            if _check(a).shape != (1, 1):
                return a.shape
        return sp.S.One, sp.S.One

    def entry(self, u, v):
        return sp.Add(*(a.entry(*((0, 0) if a.shape == (1, 1) else (u, v))) for a in self.args))

    def value(self, env):
        vals = [a.value(env) for a in self.args]
        out = vals[0]
        for w in vals[1:]:
            out = out + w  # NumPy broadcasts a 1×1 array, like MATLAB
        return out

    def _parts(self, p, show) -> str:
        out = show(self.args[0])
        for a in self.args[1:]:
            if isinstance(a, Scale) and a.args[0] == -1:
                out += f" - {show(a.args[1])}"
            else:
                out += f" + {show(a)}"
        return out

    def _latex(self, p):
        return self._parts(p, p._print)

    def _sympystr(self, p):
        return self._parts(p, p._print)


class Hadamard(MatFn):
    """``A ∘ B``, the elementwise product."""

    nargs = 2

    @property
    def shape(self):
        return _check(self.args[0]).shape

    def entry(self, u, v):
        return self.args[0].entry(u, v) * self.args[1].entry(u, v)

    def value(self, env):
        a, b = self.args[0].value(env), self.args[1].value(env)
        if a.shape != b.shape:
            raise ValueError(f"∘ of a {a.shape} and a {b.shape} matrix")
        return a * b

    def _latex(self, p):
        parts = []
        for a in self.args:
            t = p._print(a)
            parts.append(rf"\left({t}\right)" if isinstance(a, (Plus, Scale)) else t)
        return r" \circ ".join(parts)

    def _sympystr(self, p):
        return " ∘ ".join(f"({p._print(a)})" for a in self.args)


class Rot180(MatFn):
    """``rot180(A)``: both axes flipped."""

    nargs = 1

    @property
    def shape(self):
        return _check(self.args[0]).shape

    def entry(self, u, v):
        h, w = self.shape
        return self.args[0].entry(h - 1 - u, w - 1 - v)

    def value(self, env):
        return self.args[0].value(env)[::-1, ::-1]

    def _latex(self, p):
        return rf"\operatorname{{rot180}}\left({p._print(self.args[0])}\right)"

    def _sympystr(self, p):
        return f"rot180({p._print(self.args[0])})"


class Conv2(MatFn):
    """MATLAB's ``conv2(A, B, shape)``: true 2-D convolution, ``'full'`` or ``'valid'``."""

    nargs = 3

    @property
    def mode(self) -> str:
        return self.args[2].name

    @property
    def shape(self):
        (ha, wa), (hb, wb) = _check(self.args[0]).shape, _check(self.args[1]).shape
        if self.mode == "full":
            return ha + hb - 1, wa + wb - 1
        return ha - hb + 1, wa - wb + 1

    def entry(self, u, v):
        A, B = self.args[0], self.args[1]
        (ha, wa), (hb, wb) = A.shape, B.shape
        a, b = fresh("a"), fresh("b")
        if self.mode == "full":
            body = A.entry(u - a, v - b) * B.entry(a, b)
            return sp.Sum(
                body,
                (a, sp.Max(0, u - ha + 1), sp.Min(hb - 1, u)),
                (b, sp.Max(0, v - wa + 1), sp.Min(wb - 1, v)),
            )
        body = A.entry(u + hb - 1 - a, v + wb - 1 - b) * B.entry(a, b)
        return sp.Sum(body, (a, 0, hb - 1), (b, 0, wb - 1))

    def value(self, env):
        A, B = self.args[0].value(env), self.args[1].value(env)
        (ha, wa), (hb, wb) = A.shape, B.shape
        if self.mode == "full":
            out = np.zeros((ha + hb - 1, wa + wb - 1), dtype=object)
            for a, b in itertools.product(range(hb), range(wb)):
                out[a : a + ha, b : b + wa] += B[a, b] * A
            return out
        rows, cols = ha - hb + 1, wa - wb + 1
        if rows < 1 or cols < 1:
            raise ValueError(f"conv2 'valid' of a {A.shape} by a {B.shape} matrix is empty")
        out = np.zeros((rows, cols), dtype=object)
        for a, b in itertools.product(range(hb), range(wb)):
            out += B[a, b] * A[hb - 1 - a : hb - 1 - a + rows, wb - 1 - b : wb - 1 - b + cols]
        return out

    def _latex(self, p):
        return (
            rf"\operatorname{{conv2}}\left({p._print(self.args[0])}, {p._print(self.args[1])}, "
            rf"\text{{'{self.mode}'}}\right)"
        )

    def _sympystr(self, p):
        return f"conv2({p._print(self.args[0])}, {p._print(self.args[1])}, '{self.mode}')"


class Up(MatFn):
    """``up(x, n) = x ⊗ 1_{n×n}``: every entry becomes an ``n×n`` block."""

    nargs = 2

    @property
    def shape(self):
        h, w = _check(self.args[0]).shape
        n = self.args[1]
        return n * h, n * w

    def entry(self, u, v):
        n = self.args[1]
        return self.args[0].entry(sp.floor(u / n), sp.floor(v / n))

    def value(self, env):
        n = _int(self.args[1], env)
        x = self.args[0].value(env)
        return np.repeat(np.repeat(x, n, axis=0), n, axis=1)

    def _latex(self, p):
        return rf"\operatorname{{up}}_{{{p._print(self.args[1])}}}\left({p._print(self.args[0])}\right)"

    def _sympystr(self, p):
        return f"up({p._print(self.args[0])}, {p._print(self.args[1])})"


class Down(MatFn):
    """``down(x, n)``: the sum of each distinct ``n×n`` block (the paper's sub-sampling)."""

    nargs = 2

    @property
    def shape(self):
        h, w = _check(self.args[0]).shape
        n = self.args[1]
        return h / n, w / n

    def entry(self, u, v):
        n = self.args[1]
        r, q = fresh("r"), fresh("q")
        return sp.Sum(self.args[0].entry(n * u + r, n * v + q), (r, 0, n - 1), (q, 0, n - 1))

    def value(self, env):
        n = _int(self.args[1], env)
        x = self.args[0].value(env)
        h, w = x.shape[0] // n, x.shape[1] // n
        return _grid(h, w, lambda u, v: x[n * u : n * u + n, n * v : n * v + n].sum())

    def _latex(self, p):
        return rf"\operatorname{{down}}_{{{p._print(self.args[1])}}}\left({p._print(self.args[0])}\right)"

    def _sympystr(self, p):
        return f"down({p._print(self.args[0])}, {p._print(self.args[1])})"


class SumUV(MatFn):
    """``Σ_{u,v} (A)_{uv}``, a ``1×1`` result."""

    nargs = 1
    shape = (sp.S.One, sp.S.One)

    def entry(self, u, v):
        h, w = _check(self.args[0]).shape
        a, b = fresh("u"), fresh("v")
        return sp.Sum(self.args[0].entry(a, b), (a, 0, h - 1), (b, 0, w - 1))

    def value(self, env):
        return _grid(1, 1, lambda u, v: self.args[0].value(env).sum())

    def _latex(self, p):
        return rf"\sum_{{u,v}} \left({p._print(self.args[0])}\right)_{{uv}}"

    def _sympystr(self, p):
        return f"Σ_uv({p._print(self.args[0])})"


class MTimes(MatFn):
    """The matrix product ``A B``."""

    nargs = 2

    @property
    def shape(self):
        return _check(self.args[0]).shape[0], _check(self.args[1]).shape[1]

    def entry(self, u, v):
        k = fresh("k")
        inner = self.args[0].shape[1]
        return sp.Sum(self.args[0].entry(u, k) * self.args[1].entry(k, v), (k, 0, inner - 1))

    def value(self, env):
        a, b = self.args[0].value(env), self.args[1].value(env)
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"product of a {a.shape} and a {b.shape} matrix")
        return a.dot(b)

    def _latex(self, p):
        return " ".join(p._print(a) for a in self.args)

    def _sympystr(self, p):
        return f"{p._print(self.args[0])} * {p._print(self.args[1])}"


class Transpose(MatFn):
    """``Aᵀ``."""

    nargs = 1

    @property
    def shape(self):
        h, w = _check(self.args[0]).shape
        return w, h

    def entry(self, u, v):
        return self.args[0].entry(v, u)

    def value(self, env):
        return self.args[0].value(env).T

    def _latex(self, p):
        inner = p._print(self.args[0])
        if not isinstance(self.args[0], Map):
            inner = rf"\left({inner}\right)"
        return rf"{inner}^{{\mathsf{{T}}}}"

    def _sympystr(self, p):
        return f"({p._print(self.args[0])})ᵀ"


class MSum(MatFn):
    """``Σ_{j=lo}^{hi} M(j)``: a sum of matrices over an index (a connection table's maps)."""

    nargs = 4

    @property
    def shape(self):
        return _check(self.args[3]).shape

    def entry(self, u, v):
        j, lo, hi, m = self.args
        d = fresh(str(j))
        return sp.Sum(m.xreplace({j: d}).entry(u, v), (d, lo, hi))

    def value(self, env):
        j, lo, hi, m = self.args
        total = None
        for k in range(_int(lo, env), _int(hi, env) + 1):
            part = m.xreplace({j: sp.Integer(k)}).value(env)
            total = part if total is None else total + part
        if total is None:
            raise ValueError(f"empty sum over {j}")
        return total

    def _latex(self, p):
        j, lo, hi, m = self.args
        inner = p._print(m)
        if isinstance(m, (Plus,)):
            inner = rf"\left({inner}\right)"
        return rf"\sum_{{{p._print(j)}={p._print(lo)}}}^{{{p._print(hi)}}} {inner}"

    def _sympystr(self, p):
        j, lo, hi, m = self.args
        return f"Σ_{{{j}={lo}..{hi}}} {p._print(m)}"


# The spellings closed forms are written with.


def conv2(a: MatFn, b: MatFn, shape: str = "full") -> Conv2:
    if shape not in ("full", "valid"):
        raise ValueError(f"conv2 shape must be 'full' or 'valid', not {shape!r}")
    return Conv2(a, b, Str(shape))


def rot180(a: MatFn) -> Rot180:
    return Rot180(a)


def up(a: MatFn, n: sp.Expr) -> Up:
    return Up(a, n)


def down(a: MatFn, n: sp.Expr) -> Down:
    return Down(a, n)


def hadamard(*ms: MatFn) -> MatFn:
    out = ms[0]
    for m in ms[1:]:
        out = Hadamard(out, m)
    return out


def plus(*ms: MatFn) -> Plus:
    return Plus(*ms)


def minus(a: MatFn, b: MatFn) -> Plus:
    return Plus(a, Scale(sp.S.NegativeOne, b))


def scale(c: sp.Expr, m: MatFn) -> Scale:
    return Scale(sp.sympify(c), m)


def sum_uv(m: MatFn) -> SumUV:
    return SumUV(m)


def mtimes(a: MatFn, b: MatFn) -> MTimes:
    return MTimes(a, b)


def transpose(a: MatFn) -> Transpose:
    return Transpose(a)


def msum(j: sp.Symbol, lo: sp.Expr, hi: sp.Expr, m: MatFn) -> MSum:
    return MSum(j, sp.sympify(lo), sp.sympify(hi), m)


def entrywise(name: str, f: Callable[[sp.Expr], sp.Expr], m: MatFn) -> Entrywise:
    t = sp.Dummy("t", real=True)
    return Entrywise(Str(name), sp.Lambda(t, f(t)), m)


def fprime(activation: Callable[[sp.Expr], sp.Expr] | None, m: MatFn) -> Entrywise:
    """``f'(m)``, entrywise, with ``f`` the layer's activation (``None``: identity)."""
    t = sp.Dummy("t", real=True)
    d = sp.S.One if activation is None else sp.diff(activation(t), t)
    return Entrywise(Str("f'"), sp.Lambda(t, d), m)


def scalar(e: sp.Expr) -> Scalar:
    return Scalar(sp.sympify(e))


def full_entry(m: MatFn, u: sp.Expr, v: sp.Expr) -> sp.Expr:
    """Entry ``(u, v)`` of ``m`` (``0`` for a column's column), in index notation."""
    return m.entry(u, v)


def tidy(m: sp.Basic) -> sp.Basic:
    """Identities of the algebra, applied bottom-up so a corrected form reads as the paper would write it.

    ``rot180(rot180(A)) = A``, ``(Aᵀ)ᵀ = A``, ``(A B)ᵀ = Bᵀ Aᵀ``.
    """
    if not isinstance(m, MatFn):
        return m
    m = m.func(*(tidy(a) for a in m.args))
    if isinstance(m, Rot180) and isinstance(m.args[0], Rot180):
        return m.args[0].args[0]
    if isinstance(m, Transpose):
        inner = m.args[0]
        if isinstance(inner, Transpose):
            return inner.args[0]
        if isinstance(inner, MTimes):
            return tidy(MTimes(Transpose(inner.args[1]), Transpose(inner.args[0])))
    return m
