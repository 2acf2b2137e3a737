"""The index-notation layer language and the built-in layers.

Define a layer by its forward equation::

    from symcnn.model import Layer, Equation, array, sizes, indices, Sum
"""

from sympy import Sum, exp, log, tanh

from .builtins import builtin_layers
from .functions import relu, sigmoid, step
from .layer import Buffer, Equation, Layer, Record, array, equation, indices, sizes
from .padding import padded

__all__ = [
    "Buffer",
    "Equation",
    "Layer",
    "Record",
    "Sum",
    "array",
    "builtin_layers",
    "equation",
    "exp",
    "indices",
    "log",
    "padded",
    "relu",
    "sigmoid",
    "sizes",
    "step",
    "tanh",
]
