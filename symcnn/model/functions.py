"""Scalar functions a layer's forward equation may use, each with its derivative.

SymPy differentiates through these by their ``fdiff``; the engine rejects any
other undefined function, since it could not say what its derivative is.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - reads like the math
    """The logistic function ``1 / (1 + exp(-x))``; ``σ' = σ (1 - σ)``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)


class step(sp.Function):  # noqa: N801
    """The unit step ``[x > 0]``: ReLU's derivative, taken as 0 at 0."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero


class relu(sp.Function):  # noqa: N801
    """The rectifier ``max(0, x)``; its derivative is :class:`step`."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return step(self.args[0])


#: Activation name -> function building ``f(u)``; ``identity`` adds no equation.
ACTIVATIONS: dict[str, object] = {
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "identity": None,
}

#: Functions with a derivative the engine and both code printers know.
KNOWN_FUNCTIONS: tuple[type, ...] = (sigmoid, step, relu, sp.tanh, sp.exp, sp.log, sp.Abs, sp.sign)
