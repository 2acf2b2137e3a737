"""The one registry of what generated code runs on: its backends and its floating-point types.

Code generation writes one module per backend, the runtime and the command
line offer exactly these, and generated contracts accept exactly these
dtypes. Nothing here imports SymPy, NumPy or any other part of symcnn.
"""

from __future__ import annotations

#: Generated module flavours: ``<layer>_numba.py`` (compiled loops) and ``<layer>_numpy.py`` (array calls).
BACKENDS: tuple[str, ...] = ("numba", "numpy")
#: The dtypes generated kernels accept, by NumPy name.
DTYPES: tuple[str, ...] = ("float32", "float64")

__all__ = ["BACKENDS", "DTYPES"]
