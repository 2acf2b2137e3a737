"""The SGD update as one in-place pass over each parameter array [B6].

``v ← μ·v − s·g; p ← p + v`` (``s``: the step size, η times the parameter's
rate; μ = 0: ``p ← p − s·g``) written as NumPy operations makes four passes
over the arrays and allocates ``s·g``: LeNet-5's update took 1.7 ms for 431 k
parameters, most of a step's non-kernel time. Here each element is read once
and written once, with the same roundings in the parameter's dtype (no
contraction into fused multiply-adds: Numba's default), so the result is the
NumPy rule's bit for bit.

The kernels are serial: an update pass is bound by memory, not by the
multipliers, and a serial Numba kernel compiled in the training process runs
as fast as a cached one (unlike a ``parallel=True`` one, see :mod:`.warmup`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["momentum_step", "sgd_step", "update"]


@njit(cache=True, nogil=True)
def sgd_step(p, g, s):  # pragma: no cover - compiled
    """``p -= s·g`` over flat ``p``, ``g``; ``s`` holds one step size or one per element."""
    if s.size == 1:
        c = s[0]
        for i in range(p.size):
            p[i] -= c * g[i]
    else:
        for i in range(p.size):
            p[i] -= s[i] * g[i]


@njit(cache=True, nogil=True)
def momentum_step(p, g, v, s, mu):  # pragma: no cover - compiled
    """``v = μ·v − s·g; p += v`` over flat ``p``, ``g``, ``v`` (``s`` as in :func:`sgd_step`)."""
    if s.size == 1:
        c = s[0]
        for i in range(p.size):
            u = mu * v[i] - c * g[i]
            v[i] = u
            p[i] += u
    else:
        for i in range(p.size):
            u = mu * v[i] - s[i] * g[i]
            v[i] = u
            p[i] += u


def fusable(p: np.ndarray, g: np.ndarray, s: np.ndarray, v: np.ndarray | None = None) -> bool:
    """Can :func:`update` run on these arrays: one dtype, C-contiguous (so flat views), ``g`` of ``p``'s
    shape, ``s`` one step size or one per element, ``p`` and ``v`` writable?"""
    arrays = (p, g, s) if v is None else (p, g, s, v)
    return (all(a.dtype == p.dtype and a.flags.c_contiguous for a in arrays) and g.shape == p.shape
            and s.size in (1, p.size) and p.flags.writeable and (v is None or v.flags.writeable))


def update(p: np.ndarray, g: np.ndarray, s: np.ndarray, v: np.ndarray | None, mu: float) -> None:
    """One update of ``p`` in place (and of its velocity ``v`` with momentum ``mu``, if given)."""
    flat = p.reshape(-1)
    step = s.reshape(-1)
    if v is None:
        sgd_step(flat, g.reshape(-1), step)
    else:
        momentum_step(flat, g.reshape(-1), v.reshape(-1), step, p.dtype.type(mu))
