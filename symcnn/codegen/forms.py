"""Integer forms over loop-tree expressions: the algebra loop bounds need, and sound reasoning on their signs.

A :class:`Form` is a sum of rational multiples of products of names — a size
may stand in a denominator (``x/s``) — with the floor of such a sum
(:class:`Floor`) as one more atom: what a derived bound is (``max(0, p - Ho + 1)``'s
ends, ``floor((p + P)/s)``). Forms are canonical (equal forms are equal
objects), so a schedule adds, multiplies, substitutes and compares bounds
without SymPy; :func:`of` reads a :mod:`.loops` expression, :meth:`Form.expr`
writes one back.

:func:`positive` and :func:`nonnegative` answer "provably yes" or "don't
know", never a wrong yes, for sizes (the names in ``sizes``: positive
integers) and integer indices over boxes of :class:`Form` ends, as
:mod:`symcnn.model.bounds` does for SymPy; :func:`prune`, :func:`ceil_div`
and :func:`floor_div` are its bound helpers. A floor is read as SymPy reads
one: its integer terms taken out of it (``floor(a/2 + 1)`` is
``floor(a/2) + 1``), a number's floor computed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Union

from . import loops as L

#: One atom of a monomial: a name, or the floor of a form.
Gen = Union[str, "Floor"]  # noqa: UP007 - a runtime alias
#: A product of atoms, each to a non-zero power, in :func:`gen_key` order.
Monomial = tuple[tuple[Gen, int], ...]
#: Ranges of indices by name: ``(lowest, highest)``.
Ranges = Mapping[str, tuple["Form", "Form"]]


@dataclass(frozen=True)
class Floor:
    """``floor(arg)``: an atom of a :class:`Form`, its argument free of integer terms."""

    arg: Form


@dataclass(frozen=True)
class Form:
    """``Σ coefficient·monomial``: terms with non-zero rational coefficients, in a canonical order."""

    terms: tuple[tuple[Monomial, Fraction], ...] = ()

    # ---- construction and arithmetic ----------------------------------------------------------

    @staticmethod
    def make(terms: Mapping[Monomial, Fraction] | Iterable[tuple[Monomial, Fraction]]) -> Form:
        items = terms.items() if isinstance(terms, Mapping) else terms
        total: dict[Monomial, Fraction] = {}
        for m, c in items:
            total[m] = total.get(m, Fraction(0)) + c
        return Form(tuple(sorted(((m, c) for m, c in total.items() if c), key=lambda t: _mono_key(t[0]))))

    def __add__(self, other: Form | int) -> Form:
        other = const(other) if isinstance(other, int) else other
        return Form.make([*self.terms, *other.terms])

    def __neg__(self) -> Form:
        return Form(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other: Form | int) -> Form:
        return self + (-(const(other) if isinstance(other, int) else other))

    def __mul__(self, other: Form | int | Fraction) -> Form:
        if not isinstance(other, Form):
            return Form.make([(m, c * other) for m, c in self.terms])
        return Form.make([(_mono_mul(m, n), c * d) for m, c in self.terms for n, d in other.terms])

    def __truediv__(self, other: Form) -> Form:
        """``self / other`` for ``other`` one term (a number times names): a denominator of sizes."""
        if len(other.terms) != 1:
            raise ValueError("a form divides only by one term")
        ((m, c),) = other.terms
        return self * Form(((tuple((g, -e) for g, e in m), 1 / c),))

    # ---- what it is -----------------------------------------------------------------------------

    def is_const(self) -> bool:
        return all(not m for m, _ in self.terms)

    @property
    def value(self) -> Fraction:
        """The number a constant form is."""
        return dict(self.terms).get((), Fraction(0))

    def names(self) -> frozenset[str]:
        """Every name the form holds, inside floors too."""
        out: set[str] = set()
        for m, _ in self.terms:
            for g, _e in m:
                out |= {g} if isinstance(g, str) else g.arg.names()
        return frozenset(out)

    def floors(self) -> tuple[Floor, ...]:
        """The floors the form holds as atoms, in order."""
        return tuple(dict.fromkeys(g for m, _ in self.terms for g, _e in m if isinstance(g, Floor)))

    def coeff(self, gen: Gen) -> Form:
        """The coefficient of ``gen`` (to the first power); :class:`ValueError` where ``gen`` stands to
        another power."""
        out = []
        for m, c in self.terms:
            powers = dict(m)
            if gen in powers:
                if powers[gen] != 1:
                    raise ValueError("not linear")
                out.append((tuple((g, e) for g, e in m if g != gen), c))
        return Form.make(out)

    def subs(self, name: str, value: Form) -> Form:
        """``self`` with ``name`` replaced by ``value`` (outside floors; ``name`` to no negative power)."""
        out = zero()
        for m, c in self.terms:
            term = Form((((tuple((g, e) for g, e in m if g != name)), c),))
            power = dict(m).get(name, 0)
            if power < 0:
                raise ValueError("an index in a denominator")
            for _ in range(power):
                term = term * value
            out = out + term
        return out

    def expr(self) -> L.Expr:
        """The form as a loop-tree expression in the order SymPy prints it (a floor as a floor
        division of integer forms): terms by their powers of the atoms, names sorted before floors,
        highest first (SymPy's ``lex``), the number last (but first before one negative multiple of one
        power: ``1 - a``, as SymPy writes it); in a term, the coefficient first."""
        gens = sorted({g for m, _ in self.terms for g, _e in m}, key=gen_key)

        def powers(m: Monomial) -> tuple[int, ...]:
            held = dict(m)
            return tuple(held.get(g, 0) for g in gens)

        ordered = sorted(self.terms, key=lambda t: powers(t[0]), reverse=True)
        if len(ordered) == 2 and not ordered[1][0] and ordered[1][1] > 0 and ordered[0][1] < 0 \
                and len(ordered[0][0]) == 1:
            ordered.reverse()  # SymPy's exception: a positive number, then a negative multiple of one power
        terms = [_term_expr(m, c) for m, c in ordered]
        return L.Int(0) if not terms else terms[0] if len(terms) == 1 else L.Add(tuple(terms))


def const(n: int | Fraction) -> Form:
    return Form.make([((), Fraction(n))])


def zero() -> Form:
    return Form()


def atom(g: Gen) -> Form:
    """A name or a floor, alone."""
    return Form(((((g, 1),), Fraction(1)),))


def name(n: str) -> Form:
    return atom(n)


def floor(arg: Form) -> Form:
    """``floor(arg)`` as SymPy evaluates it: the integer terms (integer coefficient, no name in a
    denominator) taken out, a number's floor computed, else one :class:`Floor` atom."""
    integer = [(m, c) for m, c in arg.terms if c.denominator == 1 and all(e > 0 for _, e in m)]
    rest = [(m, c) for m, c in arg.terms if (m, c) not in integer]
    out = Form.make(integer)
    if not rest:
        return out
    if all(not m for m, _ in rest):
        return out + const(math.floor(sum(c for _, c in rest)))
    return out + atom(Floor(Form.make(rest)))


def fraction(f: Form) -> tuple[Form, Form]:
    """``f`` as ``num / den``: ``den`` a positive integer times the names ``f`` divides by, ``num``
    free of denominators (SymPy's ``fraction(together(f))``)."""
    den_int = math.lcm(*(c.denominator for _, c in f.terms)) if f.terms else 1
    powers: dict[Gen, int] = {}
    for m, _ in f.terms:
        for g, e in m:
            if e < 0:
                powers[g] = max(powers.get(g, 0), -e)
    den = Form(((_mono(powers.items()), Fraction(den_int)),))
    return f * den, den


# ---- reading and writing loop-tree expressions ---------------------------------------------------


@lru_cache(maxsize=1 << 14)
def of(e: L.Expr) -> Form:
    """A loop-tree expression as a form; :class:`ValueError` where it is none (a read, a call, a power
    of a sum to a negative exponent)."""
    if isinstance(e, L.Int):
        return const(e.value)
    if isinstance(e, L.Rat):
        return const(Fraction(e.p, e.q))
    if isinstance(e, L.Var):
        return name(e.name)
    if isinstance(e, L.Add):
        out = zero()
        for t in e.terms:
            out = out + of(t)
        return out
    if isinstance(e, L.Mul):
        out = const(1)
        for f in e.factors:
            out = out * of(f)
        return out
    if isinstance(e, L.Pow) and isinstance(e.exp, L.Int):
        base, n = of(e.base), e.exp.value
        out = const(1)
        for _ in range(abs(n)):
            out = out * base
        return out if n >= 0 else const(1) / out
    if isinstance(e, L.FloorDiv):
        return floor(of(e.num) / of(e.den))
    raise ValueError(f"no integer form for {type(e).__name__}")


def expanded(e: L.Expr) -> L.Expr:
    """An integer expression expanded, as SymPy's ``expand`` writes it (:meth:`Form.expr`)."""
    return of(e).expr()


def _term_expr(m: Monomial, c: Fraction) -> L.Expr:
    factors: list[L.Expr] = []
    if c != 1 or not m:
        factors.append(L.Int(int(c)) if c.denominator == 1 else L.Rat(c.numerator, c.denominator))
    for g, e in m:
        atom = L.Var(g) if isinstance(g, str) else _floor_expr(g)
        factors.append(atom if e == 1 else L.Pow(atom, L.Int(e)))
    return factors[0] if len(factors) == 1 else L.Mul(tuple(factors))


def _floor_expr(fl: Floor) -> L.Expr:
    num, den = fraction(fl.arg)
    return L.FloorDiv(num.expr(), den.expr())


def gen_key(g: Gen) -> tuple:
    """The order of atoms in a monomial: names by name, then floors."""
    return (0, g) if isinstance(g, str) else (1, tuple((_mono_key(m), c) for m, c in g.arg.terms))


def _mono_key(m: Monomial) -> tuple:
    return tuple((gen_key(g), e) for g, e in m)


def _mono(items: Iterable[tuple[Gen, int]]) -> Monomial:
    return tuple(sorted(((g, e) for g, e in items if e), key=lambda t: gen_key(t[0])))


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers = dict(a)
    for g, e in b:
        powers[g] = powers.get(g, 0) + e
    return _mono(powers.items())


# ---- signs (symcnn.model.bounds, on forms) -------------------------------------------------------


@lru_cache(maxsize=1 << 14)
def positive(f: Form, sizes: frozenset[str]) -> bool:
    """True when ``f`` > 0 for every value ≥ 1 of its names, all of them ``sizes`` (positive integers):
    with each ``s = 1 + s'``, ``s' ≥ 0``, the numerator's coefficients are all ≥ 0 and its constant > 0."""
    if f.floors():
        return False
    num, den = fraction(f)
    return _positive_poly(den, sizes) and _positive_poly(num, sizes)


def _positive_poly(f: Form, sizes: frozenset[str]) -> bool:
    if not f.names() <= sizes:
        return False
    shifted = f
    for s in sorted(f.names()):
        shifted = shifted.subs(s, name(s) + 1)
    return shifted.value > 0 and all(c >= 0 for _, c in shifted.terms)


def _floor_free(f: Form, sizes: frozenset[str], want_lower: bool) -> Form | None:
    """Each ``floor(a/d)`` of ``f`` replaced by an affine bound of it on the side asked for: for a lower
    bound, ``(a - d + 1)/d`` where its coefficient is positive, ``a/d`` where negative."""
    for fl in f.floors():
        try:
            coeff = f.coeff(fl)
        except ValueError:
            return None
        num, den = fraction(fl.arg)
        if not positive(den, sizes):
            return None
        if positive(coeff, sizes):
            pos = True
        elif positive(-coeff, sizes):
            pos = False
        else:
            return None
        low_side = pos if want_lower else not pos
        repl = (num - den + 1) / den if low_side else num / den
        f = Form.make([(m, c) for m, c in f.terms if fl not in dict(m)]) + coeff * repl
    return f


def minimum(f: Form, ranges: Ranges, sizes: frozenset[str]) -> Form | None:
    """A lower bound of an affine ``f`` over the box of ``ranges``, or ``None`` if unknown."""
    f = _floor_free(f, sizes, want_lower=True)
    if f is None:
        return None
    for idx in sorted(f.names() & set(ranges)):
        try:
            coeff = f.coeff(idx)
        except ValueError:
            return None
        if coeff.names() & set(ranges):
            return None
        lo, hi = ranges[idx]
        if not coeff.terms:
            continue
        if positive(coeff, sizes):
            f = f.subs(idx, lo)
        elif positive(-coeff, sizes):
            f = f.subs(idx, hi)
        else:
            return None
    return f


def nonnegative(f: Form, ranges: Ranges, sizes: frozenset[str]) -> bool:
    """True when the integer-valued ``f`` is ≥ 0 at every point of ``ranges`` (sound); an end of a range
    may depend on other indices."""
    low = minimum(f, ranges, sizes)
    if low is not None and not low.names() & set(ranges) and positive(low + 1, sizes):
        return True
    return _chase(f, ranges, sizes, 0)


def _chase(f: Form, ranges: Ranges, sizes: frozenset[str], depth: int) -> bool:
    """Lower-bound ``f`` by replacing each index by its range end, an index no other live range mentions
    first. Sound: every step only lowers the bound."""
    f = _floor_free(f, sizes, want_lower=True)
    if f is None or depth > 12:
        return False
    live = f.names() & set(ranges)
    if not live:
        return positive(f + 1, sizes)
    for t in sorted(live):
        if any(t in (ranges[o][0].names() | ranges[o][1].names()) for o in live if o != t):
            continue
        try:
            coeff = f.coeff(t)
        except ValueError:
            return False
        if coeff.names() & set(ranges):
            return False
        if positive(coeff, sizes):
            end = ranges[t][0]
        elif positive(-coeff, sizes):
            end = ranges[t][1]
        else:
            return False
        return _chase(f.subs(t, end), ranges, sizes, depth + 1)
    return False


def ceil_div(num: Form, den: Form) -> Form:
    """``ceil(num/den)`` for integer ``num`` and a positive integer ``den`` of one term, as a floor."""
    return num if den == const(1) else floor((num + den - 1) / den)


def floor_div(num: Form, den: Form) -> Form:
    """``floor(num/den)`` for a positive integer ``den`` of one term."""
    return num if den == const(1) else floor(num / den)


def prune(bounds: Iterable[Form], ranges: Ranges, sizes: frozenset[str],
          keep_larger: bool) -> tuple[Form, ...]:
    """Duplicate bounds dropped, then each one another makes redundant over the box: ``keep_larger`` for
    lower bounds (their ``max`` counts), false for upper ones."""
    out = list(dict.fromkeys(bounds))
    changed = True
    while changed and len(out) > 1:
        changed = False
        for k, e in enumerate(out):
            others = out[:k] + out[k + 1:]
            if any(nonnegative(o - e if keep_larger else e - o, ranges, sizes) for o in others):
                del out[k]
                changed = True
                break
    return tuple(out)
