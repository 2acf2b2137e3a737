"""Differentiation and the delta-resolution pass: forward equation → bounded-sum gradients."""

from .engine import Derivation, derive, grad_array
from .terms import Bound, Gradient, Term

__all__ = ["Bound", "Derivation", "Gradient", "Term", "derive", "grad_array"]
