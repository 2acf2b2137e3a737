"""Scalar and array expression printers: the last place SymPy is seen on the way to source.

Both subclass SymPy's code printers and add one ``_print_<Class>`` method per
construct symcnn needs (the layer functions of :mod:`symcnn.model.functions`,
integer ``floor`` in indices and bounds). :class:`ScalarPrinter` writes the
bodies of Numba loops (``math.exp``, one number at a time);
:class:`ArrayPrinter` writes NumPy expressions over whole arrays (``np.exp``).
Printed strings are what the IR holds.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import PythonCodePrinter

from .ir import Code


class _IntegerMixin:
    """Index arithmetic: ``floor(a/b)`` of integers is Python's ``a // b``.

    A construct the printers write as a Python operator that binds less tightly than the
    expression around it may (a quotient, a conditional) is written in parentheses
    (:meth:`_enclosed`), except as the whole of what :meth:`doprint` prints with ``bare``.
    """

    _whole: sp.Basic | None = None

    def _enclosed(self, expr: sp.Basic, text: str) -> str:
        return text if expr is self._whole else f"({text})"

    def _print_floor(self, expr: sp.floor) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return self._print(num)
        return self._enclosed(expr, f"({self._print(num)}) // ({self._print(den)})")

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"{expr.p}/{expr.q}" if expr.q != 1 else str(expr.p)


class ScalarPrinter(_IntegerMixin, PythonCodePrinter):
    """Python source for one scalar, as Numba compiles it (``math`` functions, no NumPy arrays)."""

    def doprint(self, expr: sp.Basic, assign_to: sp.Basic | None = None, bare: bool = False) -> str:
        """``expr`` as source; ``bare``: without the parentheses that guard the whole of it inside a
        larger expression (it is an argument of a call)."""
        self._whole = expr if bare else None
        try:
            return super().doprint(expr, assign_to)
        finally:
            self._whole = None

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        return self._enclosed(expr, f"1.0 / (1.0 + math.exp(-({self._print(expr.args[0])})))")

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < 0:  # s**(-2) of an integer size is 0 in Numba
            denominator = self.parenthesize(sp.Pow(expr.base, -expr.exp), PRECEDENCE["Mul"], strict=True)
            return self._enclosed(expr, f"1 / {denominator}")
        return super()._print_Pow(expr, rational)

    def _print_step(self, expr: sp.Expr) -> str:
        return self._enclosed(expr, f"1.0 if ({self._print(expr.args[0])}) > 0 else 0.0")

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"max({self._print(expr.args[0])}, 0.0)"

    def _print_sign(self, expr: sp.Expr) -> str:
        return f"np.sign({self._print(expr.args[0])})"


class ArrayPrinter(_IntegerMixin, NumPyPrinter):
    """NumPy source over whole arrays (``np.exp``); ``Max``/``Min`` of index grids elementwise."""

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if fqn.startswith("numpy."):
            fqn = "np." + fqn[len("numpy.") :]
        return fqn

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        return f"(1.0 / (1.0 + np.exp(-({self._print(expr.args[0])}))))"

    def _print_step(self, expr: sp.Expr) -> str:  # a boolean array: NumPy multiplies it as 0/1
        return f"np.greater({self._print(expr.args[0])}, 0)"

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"np.maximum({self._print(expr.args[0])}, 0)"

    def _print_Max(self, expr: sp.Expr) -> str:
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"np.maximum({out}, {self._print(a)})"
        return out

    def _print_Min(self, expr: sp.Expr) -> str:
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"np.minimum({out}, {self._print(a)})"
        return out


_SCALAR = ScalarPrinter({"standard": "python3"})
_ARRAY = ArrayPrinter({"standard": "python3"})


@lru_cache(maxsize=1 << 14)  # a printer is a pure function of the expression; lowering asks again and again
def scalar_code(expr: sp.Basic) -> str:
    """``expr`` as Python source for a Numba loop body."""
    return _SCALAR.doprint(expr)


@lru_cache(maxsize=1 << 14)
def argument_code(expr: sp.Basic) -> str:
    """``expr`` as Python source for a Numba loop body, as the whole argument of a call: no parentheses
    around all of it."""
    return _SCALAR.doprint(expr, bare=True)


@lru_cache(maxsize=1 << 14)
def code(expr: sp.Basic) -> Code:
    """``expr`` as Python source for a Numba loop body, frozen as :class:`~.ir.Code`: whether it is one
    name or a number that is not negative, and the integer it is, read off the expression."""
    expr = sp.sympify(expr)
    value = int(expr) if isinstance(expr, sp.Integer) else None
    atom = isinstance(expr, sp.Symbol) or (value is not None and value >= 0)
    return Code(scalar_code(expr), atom, value)


def factor_code(expr: sp.Basic) -> str:
    """``expr`` as Python source for a Numba loop body, as one factor of a product or a quotient:
    in parentheses unless it is one name or a number that is not negative."""
    return code(expr).factor


@lru_cache(maxsize=1 << 14)
def array_code(expr: sp.Basic) -> str:
    """``expr`` as NumPy source over arrays."""
    return _ARRAY.doprint(expr)
