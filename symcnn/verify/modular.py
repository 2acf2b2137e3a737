"""Exact arithmetic modulo a prime, with a degree bound carried along: the randomized identity test's numbers.

A :class:`Mod` is an element of the field ``F_p``, ``p = 2^61 − 1``, together
with bounds on the degrees of a numerator and a denominator that would give it
as a rational function of the unknowns drawn at random. Every array entry and
output seed is such an unknown; so is every value of a function SymPy cannot
evaluate exactly (``tanh``, ``exp``, ``sigmoid``…) and every root ``b^(1/q)``:
their values are drawn from ``F_p`` by a hash of the function and of the
argument's value, so equal arguments give equal values (a *random oracle*).

Two expressions that agree as rational functions of those unknowns agree at
every point; two that do not agree at a random point with probability at most
``d / p`` (Schwartz–Zippel), ``d`` the numerator's degree bound. Treating roots
and functions as unknowns only ever loses identities (``sqrt(b)² = b``), never
invents one, so agreement is a proof of the identity with that probability.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

P = (1 << 61) - 1  # a Mersenne prime
#: Roots ``b^(k/q)`` with ``q`` dividing this are powers of one unknown ``b^(1/ROOTS)`` (lcm of 1…16).
ROOTS = 720720


class Singular(ArithmeticError):
    """A division by zero at the point drawn: draw another point."""


@dataclass(frozen=True, slots=True)
class Mod:
    """``v`` in ``F_p``; ``num``/``den``: degree bounds of a numerator and denominator that give it."""

    v: int
    num: int = 0
    den: int = 0

    def _lift(self, other) -> Mod:
        if isinstance(other, Mod):
            return other
        if isinstance(other, (int, Fraction)):
            return constant(other)
        return NotImplemented

    def __add__(self, other) -> Mod:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Mod((self.v + o.v) % P, max(self.num + o.den, o.num + self.den), self.den + o.den)

    __radd__ = __add__

    def __neg__(self) -> Mod:
        return Mod(-self.v % P, self.num, self.den)

    def __sub__(self, other) -> Mod:
        o = self._lift(other)
        return o if o is NotImplemented else self + (-o)

    def __rsub__(self, other) -> Mod:
        o = self._lift(other)
        return o if o is NotImplemented else o + (-self)

    def __mul__(self, other) -> Mod:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Mod(self.v * o.v % P, self.num + o.num, self.den + o.den)

    __rmul__ = __mul__

    def inverse(self) -> Mod:
        if self.v == 0:
            raise Singular("division by zero")
        return Mod(pow(self.v, P - 2, P), self.den, self.num)

    def __truediv__(self, other) -> Mod:
        o = self._lift(other)
        return o if o is NotImplemented else self * o.inverse()

    def __rtruediv__(self, other) -> Mod:
        o = self._lift(other)
        return o if o is NotImplemented else o * self.inverse()

    def ipow(self, k: int) -> Mod:
        if k < 0:
            return self.inverse().ipow(-k)
        return Mod(pow(self.v, k, P), self.num * k, self.den * k)


ZERO, ONE = Mod(0), Mod(1)


def constant(x) -> Mod:
    """An exact rational (int, Fraction or SymPy Rational/Float) as an element of ``F_p``."""
    q = Fraction(x) if not isinstance(x, sp.Basic) else _fraction(x)
    if q.denominator % P == 0:
        raise Singular(f"the constant {x} has no value modulo p")
    return Mod(q.numerator * pow(q.denominator, P - 2, P) % P)


def _fraction(x: sp.Basic) -> Fraction:
    if isinstance(x, sp.Float):
        return decimal_fraction(float(x))
    r = sp.Rational(x)
    return Fraction(int(r.p), int(r.q))


def decimal_fraction(x: float) -> Fraction:
    """The simplest fraction a float stands for: its mantissa's nearest fraction of denominator ≤ 10⁹.

    ``1e-5`` is 1/100000, and ``1e-4/3`` is 1/30000 however its last bit was rounded, so the same
    constant reached by two roundings (the derivation's and the oracle's) is one number here.
    """
    if x == 0 or not math.isfinite(x):
        return Fraction(0) if x == 0 else Fraction(x)
    k = math.floor(math.log10(abs(x)))
    mantissa = Fraction(x) / Fraction(10) ** k
    return mantissa.limit_denominator(10**9) * Fraction(10) ** k


def oracle(tag: str, *values: int, salt: int = 0) -> int:
    """A value in ``F_p`` drawn by hashing ``tag`` and ``values``: the same arguments, the same value."""
    h = hashlib.blake2b(f"{salt}/{tag}/{'/'.join(map(str, values))}".encode(), digest_size=16).digest()
    return int.from_bytes(h, "little") % P


def unknown(value: int) -> Mod:
    """A drawn unknown of degree one."""
    return Mod(value % P, 1, 0)


def power(base: Mod, exponent: sp.Expr, salt: int = 0) -> Mod:
    """``base ** exponent``: an integer power exactly; ``b^(k/q)`` as ``t^k``, ``t = b^(1/q)`` an unknown."""
    e = _fraction(exponent) if isinstance(exponent, sp.Basic) else Fraction(exponent)
    if e.denominator == 1:
        return base.ipow(int(e))
    if base.v == 0:
        raise Singular("a root of zero")
    if ROOTS % e.denominator == 0:  # one unknown t = b^(1/ROOTS): b^(1/2) · b^(1/4) = b^(3/4) holds
        return unknown(oracle("root", base.v, salt=salt)).ipow(e.numerator * (ROOTS // e.denominator))
    return unknown(oracle(f"root{e.denominator}", base.v, salt=salt)).ipow(e.numerator)


def function(name: str, args: list[Mod], salt: int = 0) -> Mod:
    """``f(args)`` for a function with no exact value: an unknown drawn by the arguments' values."""
    return unknown(oracle(name, *(a.v for a in args), salt=salt))
