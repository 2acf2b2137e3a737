"""Zero padding in the layer language: reads that are zero outside the array.

``padded(X)[n, i, y + a - P, x + b - P]`` reads ``X`` where the indices fall
inside it and 0 where they leave it — a 'same' convolution's zero border. The
engine turns each such read, a factor of the term it sits in, into bounds of
that term's sums (or a guard on its free indices): the border costs no
per-element branch, and no padded copy where the lowering can avoid one.
"""

from __future__ import annotations

import sympy as sp


class padded(sp.Function):  # noqa: N801 - reads like the math
    """``padded(X[e])``: ``X[e]`` where ``e`` lies inside ``X``, else 0.

    ``padded(X)`` (an array) is a view to index: ``padded(X)[i, j]`` is ``padded(X[i, j])``.
    Its derivative by ``X[e]`` is 1: a read outside ``X`` never equals an entry of ``X``.
    """

    nargs = 1

    def __new__(cls, arg, **options):
        if isinstance(arg, sp.IndexedBase):
            return PaddedView(arg)
        return super().__new__(cls, arg, **options)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.One


class PaddedView:
    """``padded(X)``: index it like ``X``; every read is zero outside ``X``."""

    def __init__(self, base: sp.IndexedBase) -> None:
        self.base = base

    def __getitem__(self, idx) -> sp.Expr:
        return padded(self.base[idx])

    def __repr__(self) -> str:
        return f"padded({self.base})"


def padded_reads(expr: sp.Basic) -> list[sp.Expr]:
    """The padded reads of ``expr``, in a fixed order."""
    return sorted(expr.atoms(padded), key=sp.default_sort_key)


def as_factor(expr: sp.Expr, read: sp.Expr) -> bool:
    """Is ``read`` a factor of the product ``expr`` (itself, or raised to a positive integer power),
    and nowhere else in it? Then a zero read makes ``expr`` zero."""
    found = False
    for f in sp.Mul.make_args(expr):
        if not f.has(read):
            continue
        base, exp = (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.S.One)
        if base != read or not (exp.is_Integer and exp > 0) or found:
            return False
        found = True
    return found
