"""The checks every generated layer module runs at its boundary: names, ranks, shapes, dtypes, layout.

A generated ``<layer>_<backend>.py`` makes one :class:`Contract` for its layer
and calls it from ``sizes_of``, ``forward`` and ``backward``; a failed check is
a :class:`~symcnn.errors.ShapeError` naming the layer and the array. The kernels
themselves check nothing in their loops. NumPy only: no SymPy at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from symcnn.backends import DTYPES
from symcnn.errors import ShapeError

__all__ = ["ALIGN", "Contract", "aligned", "needed"]

_FLOATS = frozenset(np.dtype(name) for name in DTYPES)


class Contract:
    """The boundary checks of layer ``layer``, whose first given array is ``first`` (its dtype rules)."""

    def __init__(self, layer: str, first: str) -> None:
        self.layer, self.first = layer, first

    def rank(self, arrays: dict, name: str, rank: int) -> None:
        """``arrays[name]`` is present and a NumPy array of ``rank`` axes."""
        if name not in arrays:
            raise ShapeError(f"{self.layer}: array {name!r} is missing")
        if not isinstance(arrays[name], np.ndarray) or arrays[name].ndim != rank:
            raise ShapeError(f"{self.layer}: {name} must be a NumPy array of rank {rank}")

    def hyper(self, hyper: dict, name: str) -> None:
        """Hyper-parameter ``name`` is given, and is an integer of at least 1 (a size: a pooling factor,
        a dilation); ``2.9`` is refused, not truncated."""
        if name not in hyper:
            raise ShapeError(f"{self.layer}: hyper-parameter '{name}' is missing")
        value = hyper[name]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ShapeError(f"{self.layer}: hyper-parameter '{name}' must be an integer >= 1, got {value!r}")

    def positive(self, sizes: dict) -> None:
        """Every size read off the shapes is at least 1."""
        for name, value in sizes.items():
            if value < 1:
                raise ShapeError(
                    f"{self.layer}: size {name} = {value} from these shapes; every size must be >= 1"
                )

    def dtype(self, arrays: dict) -> np.dtype:
        """The float type of the layer's arrays: that of its first given array."""
        dtype = arrays[self.first].dtype
        if dtype not in _FLOATS:  # a set of dtypes: ``dtype.name`` is Python code in NumPy, 4 µs a call
            raise ShapeError(f"{self.layer}: arrays must be float32 or float64, got {dtype} for {self.first}")
        return dtype

    def array(self, arrays: dict, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
        """``arrays[name]``, present and :meth:`checked`."""
        if name not in arrays:
            raise ShapeError(f"{self.layer}: array {name!r} is missing")
        return self.checked(arrays[name], name, shape, dtype)

    def checked(self, a: np.ndarray, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
        """``a`` if it is a C-contiguous ``dtype`` array of ``shape``."""
        if not isinstance(a, np.ndarray) or a.shape != shape:
            got = getattr(a, "shape", type(a).__name__)
            raise ShapeError(f"{self.layer}: {name} has shape {got}, expected {shape}")
        if a.dtype != dtype:
            raise ShapeError(f"{self.layer}: {name} is {a.dtype}, expected {dtype} like the other arrays")
        if not a.flags.c_contiguous:
            raise ShapeError(f"{self.layer}: {name} must be C-contiguous")
        return a

    def buffer(self, out: dict | None, name: str, shape: tuple, dtype: np.dtype,
               read: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """The caller's buffer ``out[name]`` (checked) if given, else a new array (:func:`aligned`).

        A caller's buffer must not share memory with any array of ``read`` (what the pass reads and
        has made so far): a kernel writing into an input it reads would corrupt the other results.
        """
        if out is not None and name in out:
            given = self.checked(out[name], name, shape, dtype)
            for other, a in (read or {}).items():
                if np.may_share_memory(given, a) and np.shares_memory(given, a):
                    raise ShapeError(f"{self.layer}: out[{name!r}] shares memory with {other}; "
                                     "give each output its own buffer")
            return given
        return aligned(shape, dtype)


#: Bytes a new buffer's data is aligned to: a cache line, and a whole AVX-512 vector.
ALIGN = 64


def aligned(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-ordered array whose data starts on an :data:`ALIGN`-byte boundary.

    NumPy promises 16 bytes. A kernel that reads and writes a map row by row in
    vectors then straddles cache lines on every access when the row starts 16
    bytes off: a Numba forward kernel of LeNet-5 took 8.7-10 ms instead of
    3.5 ms, depending only on where ``malloc`` put its output.
    """
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start : start + count * dtype.itemsize].view(dtype).reshape(shape)


def needed(gradients: tuple[str, ...], reads: Mapping[str, Iterable[str]], wanted) -> set:
    """``wanted`` (default: all ``gradients``) and every gradient computing them reads.

    ``reads[g]`` names the gradients ``g``'s kernel reads; a kernel reads only gradients made before it.
    """
    if wanted is None:
        return set(gradients)
    need = set(wanted)
    for name in reversed(gradients):
        if name in need:
            need.update(reads[name])
    return need
